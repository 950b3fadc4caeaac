"""Stock levels into LNB: bulk writes by EAN13 or by SKU code, with one outcome per item.

`POST /multi/inventory/ean` / `/multi/inventory/sku` take `{"requests": [{ean13|sku, in_stock,
...}]}` and answer 200 with `{"metadata": {...}, "data": [{"status": "success"|"error",
"errors": {field: [msg]} | "text" | null, "result": item | null}]}` (reference §3, §4.1); the
vendor's v1->v2 article names these bulk paths. Quirks:

- Results are matched to items by position (the batch response carries no key of its own on a
  refused item); an answer with another number of results raises rather than guess.
- `in_stock` is taken to be absolute, not a change (reference §9.5, an inference from the name):
  that is what makes a repeated batch harmless, so batches are retried after a dropped answer
  (`retry_stock_writes=True`). Should LNB confirm it is a delta, switch that off: a lost answer
  then fails the run instead of risking a double count.
- A figure must be a whole number >= 0: whole Decimals and floats are sent as ints; anything else
  goes as given and comes back as that item's error. Negative available-to-sell is the flow's to
  clamp, not this client's.
- An item LNB cannot place (unknown code: `{"ean13": ["not found"]}` in the sandbox; the real
  wording is unknown) fails alone; the rest of the batch is written. A batch LNB refuses whole
  (422: too many items, malformed body) gives every item of it a failed outcome with that reason,
  and the next batch is still sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from so24_pipelines.connectors.errors import ConnectorError, RecordRejected
from so24_pipelines.connectors.lnb.base import LnbBase

StockKey = Literal["ean13", "sku"]
PATHS: dict[str, str] = {"ean13": "ean", "sku": "sku"}


@dataclass(frozen=True)
class StockOutcome:
    """What LNB said about one item: `ok`, else the field errors and a readable `reason`."""

    key: str
    value: str
    in_stock: Any
    ok: bool
    errors: dict[str, list[str]] = field(default_factory=dict)
    reason: str | None = None
    result: dict[str, Any] | None = None


def _whole(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    return value


def _chunks(items: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _errors_of(raw: Any) -> tuple[dict[str, list[str]], str]:
    if isinstance(raw, dict):
        fields = {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in raw.items()}
        return fields, "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
    text = str(raw) if raw not in (None, "") else "refused without a reason"
    return {}, text


class StockCalls(LnbBase):
    def _check_key(self, key: str) -> str:
        if key not in PATHS:
            raise ValueError("key must be 'ean13' or 'sku'")
        return PATHS[key]

    def write_stock(
        self, key: StockKey, items: Iterable[Mapping[str, Any]], *, batch_size: int | None = None
    ) -> list[StockOutcome]:
        """Write stock items in batches of `batch_size` (default `stock_batch_size`); one outcome each, in order.

        Each item holds `key` (the EAN13 or SKU code) and `in_stock`, optionally `is_blocked`,
        `in_stock_update_time`, `incoming_stock`, `incoming_stock_date`. Raises only for what
        stops the whole flow (auth, unreachable, retries spent); item problems are outcomes.
        """
        path = f"multi/inventory/{self._check_key(key)}"
        prepared = []
        for item in items:
            body = {k: _whole(v) if k in ("in_stock", "incoming_stock") else v for k, v in item.items()}
            if not isinstance(body.get(key), str) or not body[key]:
                raise ValueError(f"every stock item needs its {key} as a non-empty string")
            prepared.append(body)
        outcomes: list[StockOutcome] = []
        for batch in _chunks(prepared, batch_size or self.stock_batch_size):
            outcomes.extend(self._write_batch(key, path, batch))
        return outcomes

    def write_stock_levels(self, key: StockKey, levels: Mapping[str, Any], **kwargs: Any) -> list[StockOutcome]:
        """`write_stock` for the plain case: {code: in_stock}."""
        return self.write_stock(key, [{key: code, "in_stock": qty} for code, qty in levels.items()], **kwargs)

    def _write_batch(self, key: str, path: str, batch: Sequence[dict[str, Any]]) -> list[StockOutcome]:
        call = self.call_name("POST", path)
        try:
            answer = self.post(path, json_body={"requests": list(batch)}, idempotent=self.retry_stock_writes)
        except RecordRejected as exc:
            detail = _errors_of(exc.field_errors)[1] if exc.field_errors else ""
            message = str(exc).removeprefix(f"{exc.call}: ")
            reason = f"batch refused: {message} ({detail})" if detail else f"batch refused: {message}"
            return [StockOutcome(key, b[key], b.get("in_stock"), False, dict(exc.field_errors), reason) for b in batch]
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != len(batch):
            got = len(data) if isinstance(data, list) else "no"
            raise ConnectorError(f"sent {len(batch)} stock items, got {got} results back", call=call)
        outcomes = []
        for sent, result in zip(batch, data, strict=True):
            ok = isinstance(result, dict) and result.get("status") == "success"
            if ok:
                outcomes.append(StockOutcome(key, sent[key], sent.get("in_stock"), True, result=result.get("result")))
                continue
            fields, reason = _errors_of(result.get("errors") if isinstance(result, dict) else result)
            outcomes.append(StockOutcome(key, sent[key], sent.get("in_stock"), False, fields, reason))
        return outcomes

    def set_stock(self, key: StockKey, value: str, in_stock: Any, **extra: Any) -> dict[str, Any]:
        """One item through `POST /inventory/{ean|sku}` (201 with the stored item); RecordRejected if refused."""
        path = f"inventory/{self._check_key(key)}"
        body = {key: value, "in_stock": _whole(in_stock), **extra}
        return self.post(path, json_body=body, idempotent=self.retry_stock_writes)

    def get_inventory(self) -> list[dict[str, Any]]:
        """Every inventory item as LNB holds it (`GET /inventory`, not paginated)."""
        body = self.get("inventory")
        if not isinstance(body, list):
            raise ConnectorError("expected a JSON array", call=self.call_name("GET", "inventory"))
        return body

    def inventory_codes(self, key: StockKey) -> set[str]:
        """The EAN13 (or SKU) codes LNB holds an inventory line for, from one `GET /inventory`.

        Every SKU of the brand's catalogue has a line there, coded or not (reference §4.1, §6.5),
        so a code missing from it is one a bulk write would answer `not found` for.
        """
        self._check_key(key)
        return {str(row[key]) for row in self.get_inventory() if isinstance(row, dict) and row.get(key)}

    def get_inventory_item(self, key: StockKey, value: str) -> dict[str, Any] | None:
        """One inventory item by EAN13 or SKU code, or None when LNB has none."""
        return self.get(f"inventory/{self._check_key(key)}/{quote(value, safe='')}", not_found_ok=True)
