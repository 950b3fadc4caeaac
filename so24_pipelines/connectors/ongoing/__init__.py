"""Ongoing WMS (Goods Owner REST API v1) connector."""

from so24_pipelines.connectors.ongoing.client import OngoingClient
from so24_pipelines.connectors.ongoing.times import format_query_time, parse_time

__all__ = ["OngoingClient", "format_query_time", "parse_time"]
