"""LnbClient: every Le New Black call the L-flows need, on one paced, retrying session.

Build it with `LnbClient.from_env()` (LNB_CLIENT_ID, LNB_CLIENT_SECRET) or with the base URL and
credentials; share one per step (thread-safe: one token and one request budget for all threads).
The quirks of each area are in the module that serves it: base.py (token, 401 retry, paging),
tokens.py, auth.py, paging.py, times.py, stock.py, orders.py, catalogue.py.
"""

from __future__ import annotations

from so24_pipelines.connectors.lnb.catalogue import CatalogueCalls
from so24_pipelines.connectors.lnb.orders import OrderCalls
from so24_pipelines.connectors.lnb.stock import StockCalls


class LnbClient(StockCalls, OrderCalls, CatalogueCalls):
    """One LNB brand account (one client id)."""
