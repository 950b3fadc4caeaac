"""`python -m so24_pipelines.webhooks --port 8025 [--inbox PATH] [--company NAME]`: the receiver under uvicorn.

In a multi-company deployment each company runs its own receiver with `--company` (its code
location's name), which writes the inbox that company's location reads (so24_inbox_<name>.sqlite).

Tokens come only from env vars (RACKBEAT_WEBHOOK_TOKEN, ONGOING_WEBHOOK_TOKEN): a flag would put
the secret in the process list and in shell history. The default host is 127.0.0.1 because the
receiver is meant to sit behind a TLS-terminating proxy; pass --host 0.0.0.0 to expose it.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Sequence

import uvicorn

from so24_pipelines.webhooks.app import DEFAULT_BODY_TIMEOUT_SECONDS, DEFAULT_MAX_BODY_BYTES, build_receiver
from so24_pipelines.webhooks.inbox import Inbox, default_inbox_path
from so24_pipelines.webhooks.tokens import tokens_from_env


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m so24_pipelines.webhooks", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument(
        "--inbox", default=None, help="SQLite inbox file (default: $DAGSTER_HOME/so24_inbox.sqlite)"
    )
    parser.add_argument(
        "--company", default=None,
        help="the company's code location name: the inbox is $DAGSTER_HOME/so24_inbox_<company>.sqlite",
    )  # fmt: skip
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES)
    parser.add_argument("--body-timeout", type=float, default=DEFAULT_BODY_TIMEOUT_SECONDS,
                        help="seconds a sender may take to deliver its whole body (default %(default)s)")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    if args.company is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", args.company):
        parser.error(f"--company {args.company!r}: the company's code location name (lower-case letters, digits, _)")

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    inbox = Inbox(args.inbox or default_inbox_path(company=args.company))
    app = build_receiver(
        inbox, tokens_from_env(), max_body_bytes=args.max_body_bytes, body_timeout_seconds=args.body_timeout
    )
    logging.getLogger(__name__).info("webhook inbox at %s", inbox.path)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
