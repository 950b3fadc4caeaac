"""Keep LNB's access token out of logs: urllib3 writes every request line, query included, at DEBUG.

LNB takes the token as a query parameter (auth.py), and `urllib3.connectionpool` logs
`"GET /orders?page=1&access_token=... HTTP/1.1" 200` whenever DEBUG logging is on (a developer
running with `--log-level debug`, a Dagster instance capturing python logs). The filter rewrites
such records before any handler sees them. It is installed on that one logger, once, when the
LNB client is first built; it touches nothing but `access_token=` and `client_secret=` values.
"""

from __future__ import annotations

import logging
import re
import threading

_SECRET_PARAM = re.compile(r"((?:access_token|client_secret)=)[^&\s\"'#]+")
REDACTED = "<redacted>"
LOGGERS = ("urllib3.connectionpool",)
_installed = threading.Lock()


def redact(text: str) -> str:
    """`text` with every access_token=/client_secret= value replaced."""
    return _SECRET_PARAM.sub(r"\1" + REDACTED, text)


class SecretParamFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Add the filter to urllib3's request logger unless it is already there (idempotent)."""
    with _installed:
        for name in LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, SecretParamFilter) for f in logger.filters):
                logger.addFilter(SecretParamFilter())
