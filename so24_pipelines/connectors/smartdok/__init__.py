"""Smartdok REST API v1 connector."""

from so24_pipelines.connectors.smartdok.attestation import (
    LEVELS,
    AttestationLevel,
    highest_level,
    is_attested,
)
from so24_pipelines.connectors.smartdok.base import DEFAULT_BASE_URL
from so24_pipelines.connectors.smartdok.client import SmartdokClient
from so24_pipelines.connectors.smartdok.refusals import SmartdokRefused
from so24_pipelines.connectors.smartdok.times import format_query_time, parse_time, parse_timespan
from so24_pipelines.connectors.smartdok.tokens import TOKEN_ENV
from so24_pipelines.connectors.smartdok.windows import MAX_WINDOW_DAYS, Window, split

__all__ = [
    "DEFAULT_BASE_URL",
    "LEVELS",
    "MAX_WINDOW_DAYS",
    "TOKEN_ENV",
    "AttestationLevel",
    "SmartdokClient",
    "SmartdokRefused",
    "Window",
    "format_query_time",
    "highest_level",
    "is_attested",
    "parse_time",
    "parse_timespan",
    "split",
]
