"""`python -m so24_sandbox --port 8024 --scale 200`: serve every emulator on one port."""

from __future__ import annotations

import argparse

import uvicorn

from so24_sandbox.app import build_app
from so24_sandbox.system import SandboxOptions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="so24 sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8024)
    parser.add_argument("--scale", type=int, default=200, help="number of products/orders/companies to seed")
    parser.add_argument("--seed", type=int, default=24)
    args = parser.parse_args(argv)
    options = SandboxOptions(scale=args.scale, seed=args.seed, base_url=f"http://{args.host}:{args.port}")
    uvicorn.run(build_app(options), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
