"""Visma Netvisor connector: XML over HTTP, a MAC per request, one call at a time per company."""

from so24_pipelines.connectors.netvisor.base import DEFAULT_BASE_URL, Listing
from so24_pipelines.connectors.netvisor.client import NetvisorClient
from so24_pipelines.connectors.netvisor.credentials import NetvisorCredentials
from so24_pipelines.connectors.netvisor.messages import AUTOMATIC, Attr
from so24_pipelines.connectors.netvisor.numbers import format_decimal, parse_decimal
from so24_pipelines.connectors.netvisor.times import format_changed_since, parse_timestamp

__all__ = [
    "AUTOMATIC",
    "DEFAULT_BASE_URL",
    "Attr",
    "Listing",
    "NetvisorClient",
    "NetvisorCredentials",
    "format_changed_since",
    "format_decimal",
    "parse_decimal",
    "parse_timestamp",
]
