"""`so24 workspace`: write workspace.yaml and the per-company files (deployment/workspace.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "workspace", help="one gRPC code location per 24SO company: workspace.yaml and per-company settings",
        description=(
            "Split so24.yaml into one code location per 24SO company (so24.identities): each gets its own "
            "settings file, staging file and credentials (env vars prefixed with its name: ACME__SO24_USERNAME) "
            "and a grpc_server entry in workspace.yaml. See docs/deploy.md."
        ),
    )  # fmt: skip
    p.add_argument("--settings", default=None, help="the multi-company so24.yaml (default: $SO24_SETTINGS or ./so24.yaml)")
    p.add_argument("--out", default="deploy/locations", help="output directory (default: deploy/locations)")
    p.add_argument("--name", action="append", default=[], metavar="GUID=NAME", help="location name of a company")
    p.add_argument("--host", default="localhost", help="host of the gRPC servers in workspace.yaml; {name} is the company (code_{name})")
    p.add_argument("--base-port", type=int, default=4100, help="first company's gRPC port; the next get +1")
    p.add_argument(
        "--staging-dir", default=None,
        help="directory of the per-company staging files, on a volume every run host mounts (default: OUT/staging)",
    )  # fmt: skip
    p.set_defaults(fn=cmd_workspace)


def cmd_workspace(args: argparse.Namespace) -> int:
    from so24_pipelines.deployment.workspace import generate
    from so24_pipelines.settings import SettingsError
    from so24_pipelines.settings.load import SETTINGS_ENV_VAR

    source = args.settings or os.environ.get(SETTINGS_ENV_VAR) or "so24.yaml"
    try:
        names = dict(item.split("=", 1) for item in args.name)
    except ValueError:
        print("--name takes GUID=NAME", file=sys.stderr)
        return 2
    try:
        locations = generate(
            Path(source), Path(args.out), names=names, host=args.host, base_port=args.base_port,
            staging_dir=Path(args.staging_dir) if args.staging_dir else None,
        )  # fmt: skip
    except (SettingsError, ValueError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for loc in locations:
        print(f"{loc.name}: 24SO company {loc.identity}, port {loc.port}, systems {', '.join(loc.systems)}")
        print(f"    settings {loc.settings_path}\n    staging  {loc.staging_path}")
    print(f"wrote {Path(args.out) / 'workspace.yaml'}")
    return 0
