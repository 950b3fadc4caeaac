"""`so24`: the hub's command line.

    so24 sandbox [--port 8024] [--scale 200]   serve the emulators of every system on one port
    so24 check [--no-probe] [--no-demo]        preflight: settings, credentials (logs in), reachability
    so24 demo [--port 3000]                    sandbox + `dagster dev` with a persistent DAGSTER_HOME
    so24 bench                                 the scale benchmarks (prints P-lines with ratios)
    so24 workspace [--out deploy/locations]    one gRPC code location per 24SO company (docs/deploy.md)

The sandbox runs as a child process (`python -m so24_sandbox`): the hub never imports it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

from so24_pipelines.deployment.cli import add_parser as add_workspace_parser

REPO_ROOT = Path(__file__).resolve().parents[1]
# env var -> (sandbox system, key in its /_sandbox/<system>/credentials answer)
SANDBOX_CREDENTIAL_ENV = {
    "SO24_APPLICATION_ID": ("24so", "application_id"),
    "SO24_USERNAME": ("24so", "username"),
    "SO24_PASSWORD": ("24so", "password"),
    "ONGOING_USERNAME": ("ongoing", "username"),
    "ONGOING_PASSWORD": ("ongoing", "password"),
    "ONGOING_GOODS_OWNER_ID": ("ongoing", "goodsOwnerId"),
    "RACKBEAT_API_TOKEN": ("rackbeat", "token"),
    "LNB_CLIENT_ID": ("lnb", "clientId"),
    "LNB_CLIENT_SECRET": ("lnb", "clientSecret"),
    "SMARTDOK_API_TOKEN": ("smartdok", "apiToken"),
    "NETVISOR_CUSTOMER_ID": ("netvisor", "customerId"),
    "NETVISOR_CUSTOMER_KEY": ("netvisor", "customerKey"),
    "NETVISOR_PARTNER_ID": ("netvisor", "partnerId"),
    "NETVISOR_PARTNER_KEY": ("netvisor", "partnerKey"),
    "NETVISOR_ORGANISATION_ID": ("netvisor", "organisationId"),
}
RECEIVER_PORT = 8025
# The sandbox's size in `so24 sandbox` and `so24 demo`: the figures the README quotes are at it.
DEMO_SCALE = 200
# The systems `so24 demo` connects, each with the sandbox's 24SO company it is paired with (X9: an
# index into the sandbox's identities; None: not paired with 24SO, Netvisor pairs with Rackbeat).
# Company 1 has Rackbeat as its warehouse, LNB as its B2B portal and Smartdok for hours (the seeds of
# those sandboxes match its registers), company 2 Ongoing: no order goes to two warehouses and each
# company's stock has one master.
DEMO_SYSTEMS: dict[str, int | None] = {"rackbeat": 0, "ongoing": 1, "lnb": 0, "smartdok": 0, "netvisor": None}
# What a running `so24 demo` leaves in its DAGSTER_HOME for `so24 check` (make check): its pid,
# settings file and sandbox URL. No credential values: check asks the sandbox for the same public
# demo credentials the demo took, for the vars not set in its own environment.
DEMO_HANDOFF = "so24_demo.json"


def sandbox_env(sandbox_url: str, env: dict[str, str]) -> None:
    """Fill the credential env vars the user has not set with the sandbox's public demo values."""
    answers: dict[str, dict] = {}
    for var, (system, key) in SANDBOX_CREDENTIAL_ENV.items():
        if var in env:
            continue
        if system not in answers:
            answers[system] = requests.get(f"{sandbox_url}/_sandbox/{system}/credentials", timeout=10).json()
        env[var] = str(answers[system][key])


def register_demo_webhooks(
    home: Path, sandbox_url: str, env: dict[str, str], receiver_url: str | None = None
) -> None:
    """Register the hub's receiver with the Rackbeat sandbox; keep only token digests (inbox).

    `receiver_url` defaults to the demo's receiver (port RECEIVER_PORT); the docs tests pass their
    own, so they run this very registration against a receiver on a free port.
    """
    from so24_pipelines.connectors.rackbeat.client import RackbeatClient
    from so24_pipelines.flows.rackbeat.entities_webhooks import register_created_webhooks
    from so24_pipelines.flows.rackbeat.orders_webhooks import register_order_webhooks
    from so24_pipelines.webhooks.inbox import INBOX_FILE_NAME, Inbox

    inbox = Inbox(home / INBOX_FILE_NAME)
    receiver = receiver_url or f"http://127.0.0.1:{RECEIVER_PORT}/webhooks/rackbeat"
    with RackbeatClient(f"{sandbox_url}/rackbeat", env["RACKBEAT_API_TOKEN"]) as client:
        tokens = {**register_order_webhooks(client, receiver), **register_created_webhooks(client, receiver)}
    for event, token in tokens.items():
        if token:
            inbox.remember_token("rackbeat", event, token)


def _wait_for(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited with code {proc.returncode}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the sandbox did not answer on {url} within {timeout:.0f} s")


def cmd_sandbox(args: argparse.Namespace) -> int:
    argv = [sys.executable, "-m", "so24_sandbox", "--port", str(args.port), "--scale", str(args.scale), "--seed", str(args.seed)]
    return subprocess.call(argv)


def demo_home(env: Mapping[str, str]) -> Path:
    """The DAGSTER_HOME `so24 demo` uses (and `so24 check` looks in for a running demo)."""
    return Path(env.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home").resolve()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_demo(env: Mapping[str, str]) -> dict | None:
    """The hand-off of a `so24 demo` that is still running, else None (none, stale or unreadable)."""
    path = demo_home(env) / DEMO_HANDOFF
    try:
        handoff = json.loads(path.read_text(encoding="utf-8"))
        pid = int(handoff["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return handoff if _alive(pid) else None


def check_env(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str | None, dict[str, str], str | None]:
    """(settings path, env, note) `so24 check` uses: the running demo's when there is one.

    `make demo` runs Dagster with DAGSTER_HOME, SO24_SETTINGS (its own settings file unless
    SO24_SETTINGS was set) and the sandbox's public credentials for the vars not set; beside a
    running demo, check reads exactly those, so it checks what the demo runs. `--settings`, a
    SO24_SETTINGS naming another file, or `--no-demo` check this shell's settings and env instead.
    """
    env = dict(environ)
    demo = None if (args.no_demo or args.settings) else running_demo(env)
    named = env.get("SO24_SETTINGS")
    if demo is None or (named and Path(named).expanduser().resolve() != Path(demo["settings"]).resolve()):
        return args.settings, env, None
    env.update(DAGSTER_HOME=demo["dagster_home"], SO24_SETTINGS=demo["settings"])
    filled = [var for var in SANDBOX_CREDENTIAL_ENV if var not in env]
    note = (
        f"so24 check: checking the running demo (pid {demo['pid']}): settings {demo['settings']}, "
        f"DAGSTER_HOME {demo['dagster_home']}"
    )
    try:
        sandbox_env(demo["sandbox_url"], env)
    except (requests.RequestException, ValueError, KeyError) as exc:
        return demo["settings"], env, f"{note}; its sandbox's credentials did not load ({type(exc).__name__})"
    if filled:
        note += f"; {', '.join(filled)} from the sandbox's public demo credentials, as the demo does"
    return demo["settings"], env, note


def cmd_check(args: argparse.Namespace) -> int:
    from so24_pipelines.preflight import check, format_report, has_errors
    from so24_pipelines.settings import SettingsError, load_settings

    path, env, note = check_env(args, os.environ)
    if note:
        print(note)
    try:
        settings = load_settings(path, env=env)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 1
    report = check(settings, env=env, probe=not args.no_probe, login=not args.no_probe)
    print(format_report(report.problems, report.verified))
    return 1 if has_errors(report.problems) else 0


DEFAULT_SANDBOX = "http://127.0.0.1:8024"


def demo_settings(home: Path, sandbox_url: str) -> Path:
    """A settings file whose base URLs point at this demo's sandbox (only written when absent)."""
    import yaml

    from so24_pipelines.settings import SYSTEMS, Settings

    path = home / "so24.yaml"
    if not path.exists():
        defaults = Settings()
        data: dict = {
            name: {"base_url": str(defaults.system(name).base_url).replace(DEFAULT_SANDBOX, sandbox_url)}
            for name in SYSTEMS
        }
        for name in DEMO_SYSTEMS:
            data[name]["enabled"] = True
        companies = [i["id"] for i in requests.get(f"{sandbox_url}/_sandbox/24so/credentials", timeout=10).json()
                     .get("identities", [])]  # fmt: skip
        wanted = max(i for i in DEMO_SYSTEMS.values() if i is not None) + 1
        if len(companies) >= wanted:
            # X9: each warehouse serves one company, so no order goes to two warehouses.
            data["so24"]["identities"] = companies
            for name, index in DEMO_SYSTEMS.items():
                if index is not None:
                    data[name]["so24_identity"] = companies[index]
        path.write_text(
            "# Written by `so24 demo`: the bundled sandbox's URLs with every system connected, each paired\n"
            "# with one of the sandbox's two 24SO companies (<system>.so24_identity): company 1 with Rackbeat,\n"
            "# Le New Black and Smartdok, company 2 with Ongoing; Netvisor with Rackbeat. Each company's\n"
            "# stock has one master: R8 (Rackbeat, company 1) is on, O5 (Ongoing) off; to make Ongoing\n"
            "# company 2's master as well, set flows: {O5: {enabled: true}, R8: {enabled: true}} (both, or\n"
            "# O5 turns R8's default off).\n"
            "# Edit freely; see so24.example.yaml.\n"
            + yaml.safe_dump(data)
        )
    return path


def write_demo_handoff(home: Path, sandbox_url: str, settings: str) -> Path:
    """What `so24 check` needs to check this demo: no credentials, see DEMO_HANDOFF."""
    path = home / DEMO_HANDOFF
    data = {
        "pid": os.getpid(), "sandbox_url": sandbox_url,
        "settings": str(Path(settings).expanduser().resolve()), "dagster_home": str(home),
    }  # fmt: skip
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def cmd_demo(args: argparse.Namespace) -> int:
    home = Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    sandbox_url = f"http://127.0.0.1:{args.sandbox_port}"
    print(f"Starting the sandbox on {sandbox_url} (scale {args.scale}) ...", flush=True)
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "so24_sandbox", "--port", str(args.sandbox_port), "--scale", str(args.scale)]
    )
    children = [sandbox]
    handoff: Path | None = None
    try:
        _wait_for(f"{sandbox_url}/_sandbox/health", sandbox, 120)
        env = dict(os.environ, DAGSTER_HOME=str(home))
        env.setdefault("SO24_SETTINGS", str(demo_settings(home, sandbox_url)))
        sandbox_env(sandbox_url, env)
        receiver = subprocess.Popen(
            [sys.executable, "-m", "so24_pipelines.webhooks", "--port", str(RECEIVER_PORT),
             "--inbox", str(home / "so24_inbox.sqlite")],
            env=env,
        )
        children.append(receiver)
        register_demo_webhooks(home, sandbox_url, env)
        print(
            f"Webhook receiver on http://127.0.0.1:{RECEIVER_PORT}/webhooks/rackbeat (registered with Rackbeat).",
            flush=True,
        )
        handoff = write_demo_handoff(home, sandbox_url, env["SO24_SETTINGS"])
        print(
            f"Sandbox ready. Dagster UI: http://localhost:{args.port}  (DAGSTER_HOME={home})\n"
            "Open Assets > so24 and click 'Materialize all'. `make check` beside it checks this demo. "
            "Stop with Ctrl-C.",
            flush=True,
        )
        dagster = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster")), "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
             "-h", "0.0.0.0", "-p", str(args.port)],
            env=env,
            cwd=REPO_ROOT,
        )
        try:
            return dagster.wait()
        except KeyboardInterrupt:
            dagster.send_signal(signal.SIGINT)
            return dagster.wait()
    finally:
        if handoff is not None:
            handoff.unlink(missing_ok=True)
        for child in reversed(children):
            child.terminate()
            child.wait(timeout=15)


def cmd_bench(args: argparse.Namespace) -> int:
    return subprocess.call([sys.executable, str(REPO_ROOT / "benchmarks" / "run.py"), *args.rest], cwd=REPO_ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="so24", description="so24-pipelines command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sandbox", help="serve the emulators of every system on one port")
    p.add_argument("--port", type=int, default=8024)
    p.add_argument("--scale", type=int, default=DEMO_SCALE)
    p.add_argument("--seed", type=int, default=24)
    p.set_defaults(fn=cmd_sandbox)

    p = sub.add_parser(
        "check", help="preflight: settings, credentials (logs in), reachability",
        description=(
            "Preflight: settings, env vars, staging, reachability, and a login to every connected system "
            "an enabled flow uses (a refusal names the env var). Beside a running `so24 demo` (its "
            "DAGSTER_HOME holds so24_demo.json) it checks the demo's settings file and env: the sandbox's "
            "public demo credentials for the vars not set here, as the demo does."
        ),
    )  # fmt: skip
    p.add_argument("--settings", default=None, help="path to so24.yaml (default: $SO24_SETTINGS or ./so24.yaml)")
    p.add_argument("--no-probe", action="store_true", help="do not try to reach the systems or log in")
    p.add_argument(
        "--no-demo", action="store_true",
        help="check this shell's settings and env even beside a running `so24 demo`",
    )  # fmt: skip
    p.set_defaults(fn=cmd_check)

    p = sub.add_parser("demo", help="sandbox + dagster dev with a persistent DAGSTER_HOME")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--sandbox-port", type=int, default=8024)
    p.add_argument("--scale", type=int, default=DEMO_SCALE)
    p.set_defaults(fn=cmd_demo)

    add_workspace_parser(sub)

    p = sub.add_parser("bench", help="run the scale benchmarks")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(fn=cmd_bench)

    args = parser.parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
