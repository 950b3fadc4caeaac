"""The brand's catalogue and retailers as LNB holds them (read only; the hub does not write them).

`GET /products` pages model -> variants -> SKUs (`size_name`, `ean13`, `sku`); `GET /retailers`
pages retailers keyed by `reference` (the brand's customer code, matched to 24SO customers).
The Python SDK names the product filter `collection` where PHP says `collection_code`; no filter
is sent here, so the conflict does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from so24_pipelines.connectors.lnb.base import LnbBase


class CatalogueCalls(LnbBase):
    def iter_products(self) -> Iterator[dict[str, Any]]:
        return self.iter_pages("products")

    def get_product(self, model: str) -> dict[str, Any] | None:
        return self.get(f"products/{quote(model, safe='')}", not_found_ok=True)

    def iter_retailers(self) -> Iterator[dict[str, Any]]:
        return self.iter_pages("retailers")
