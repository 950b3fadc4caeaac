"""Rackbeat REST API connector."""

from so24_pipelines.connectors.rackbeat.base import DEFAULT_BASE_URL, path_key
from so24_pipelines.connectors.rackbeat.catalogue import PRODUCT_NUMBER_MAX
from so24_pipelines.connectors.rackbeat.client import RackbeatClient
from so24_pipelines.connectors.rackbeat.times import format_filter_time, parse_time

__all__ = [
    "DEFAULT_BASE_URL",
    "PRODUCT_NUMBER_MAX",
    "RackbeatClient",
    "format_filter_time",
    "parse_time",
    "path_key",
]
