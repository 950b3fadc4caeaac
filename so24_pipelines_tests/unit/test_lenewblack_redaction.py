"""The access token never reaches a log handler through urllib3's request lines."""

from __future__ import annotations

import logging

import pytest

from so24_pipelines.connectors.lnb import redaction


def test_redact_replaces_only_secret_values() -> None:
    line = '"GET /lnb/orders?page=2&access_token=abc.DEF-123_x&status=confirmed HTTP/1.1" 200'
    assert redaction.redact(line) == '"GET /lnb/orders?page=2&access_token=<redacted>&status=confirmed HTTP/1.1" 200'
    assert redaction.redact("client_secret=s3cr3t&client_id=me") == "client_secret=<redacted>&client_id=me"
    assert redaction.redact("nothing to hide") == "nothing to hide"


def test_the_installed_filter_rewrites_urllib3_records(caplog: pytest.LogCaptureFixture) -> None:
    redaction.install()
    redaction.install()  # idempotent
    logger = logging.getLogger("urllib3.connectionpool")
    assert sum(isinstance(f, redaction.SecretParamFilter) for f in logger.filters) == 1
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")
    logger.debug('%s://%s:%s "%s %s %s" %s %s', "https", "lnb", 443, "GET", "/orders?access_token=tok123", "HTTP/1.1",
                 200, 10)  # fmt: skip
    assert "tok123" not in caplog.text and "access_token=<redacted>" in caplog.text
