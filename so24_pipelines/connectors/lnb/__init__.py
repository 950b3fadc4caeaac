"""Le New Black Wholesale API v2 connector."""

from so24_pipelines.connectors.lnb.base import DEFAULT_BASE_URL, Answer
from so24_pipelines.connectors.lnb.client import LnbClient
from so24_pipelines.connectors.lnb.stock import StockOutcome
from so24_pipelines.connectors.lnb.times import format_filter_time, parse_time
from so24_pipelines.connectors.lnb.tokens import CLIENT_ID_ENV, CLIENT_SECRET_ENV

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "DEFAULT_BASE_URL",
    "Answer",
    "LnbClient",
    "StockOutcome",
    "format_filter_time",
    "parse_time",
]
