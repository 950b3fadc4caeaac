"""R8's and R3's stock rules without a sandbox: the facts staged beside Rackbeat's figure, the
skip reasons the specs give for them, and the opening-stock target's "once, only from 0".

The Rackbeat client is a stub answering like Rackbeat (current state); 24SO is a stub answering
GetProducts; the hub's id maps are real sync tables in a temporary staging file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.flows.context import RunContext
from so24_pipelines.flows.rackbeat.event_staging import ensure_event_tables
from so24_pipelines.flows.rackbeat.initial_stock import MARK, OpeningStockTarget
from so24_pipelines.flows.rackbeat.orders_events import map_staged, read_products
from so24_pipelines.flows.rackbeat.orders_products import So24Product
from so24_pipelines.flows.rackbeat.stock_facts import HUB_PRODUCTS, STOCK_WRITES, with_facts
from so24_pipelines.flows.rackbeat.tables import EVENT_PRODUCTS
from so24_pipelines.mapping import load_spec
from so24_pipelines.staging.db import connect, transaction
from so24_pipelines.sync import MappedRecord, ensure_sync_schema
from so24_pipelines.sync.id_map import confirmed_pairs, known_source_keys

ID = "company-a"


class StubRackbeat:
    """Products by number; inventory adjustments by number (None: the account cannot list them)."""

    def __init__(self, products: dict[str, dict[str, Any]], adjustments: dict[str, list[dict]] | None = None) -> None:
        self.products = products
        self.adjustments = adjustments
        self.asked: list[str] = []
        self.adjusted: list[tuple[str, float, str | None]] = []

    def get_product(self, number: str, *, with_field_values: bool = False) -> dict[str, Any] | None:
        return self.products.get(number)

    def get_stock(self, number: str) -> dict[str, float] | None:
        product = self.products.get(number)
        return None if product is None else {"stock_quantity": float(product["stock_quantity"])}

    def inventory_adjustments(self, number: str, *, limit: int | None = None) -> list[dict] | None:
        self.asked.append(number)
        if self.adjustments is None:
            return None
        return list(self.adjustments.get(number, []))[: limit or None]

    def adjust_stock(self, number: str, change: float, *, reason: str | None = None, description: str | None = None) -> dict:
        self.adjusted.append((number, change, description))
        self.products[number]["stock_quantity"] = float(self.products[number]["stock_quantity"]) + change
        self.adjustments = self.adjustments or {}
        self.adjustments.setdefault(number, []).append({"item_number": number, "quantity": change, "description": description})
        return {"id": len(self.adjusted)}


class StubProducts:
    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids

    def lookup(self, number: str, *, identity: str | None = None, so24_id: str | None = None) -> So24Product | None:
        found = self.ids.get(number)
        return So24Product(ID, found) if found else None


class StubSo24:
    """GetProducts answers 24SO's figures; SetIdentityById agrees."""

    def __init__(self, stock: dict[int, str | None]) -> None:
        self.stock = stock
        self.calls: list[str] = []

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        self.calls.append(operation)
        if operation == "SetIdentityById":
            return True
        wanted = kwargs["searchParams"]["ProductIds"]["int"]
        return [{"Id": i, "Stock": self.stock[i]} for i in wanted if i in self.stock]


@pytest.fixture
def run(tmp_path: Path) -> RunContext:
    return RunContext.of(tmp_path / "staging.duckdb", "run-1")


def _id_map(run: RunContext, flow: str, pairs: list[tuple[str, str]]) -> None:
    with transaction(run.db_path) as con:
        ensure_sync_schema(con)
        for source, target in pairs:
            con.execute(
                "INSERT INTO sync.id_map (flow, source_system, source_key, target_system, target_entity, target_key, "
                "business_key, last_hash, status, created_at, updated_at) VALUES (?, 'so24', ?, 'rackbeat', 'x', ?, ?, "
                "'h', 'synced', now(), now())",
                [flow, source, target, target],
            )


def test_the_facts_say_whether_rackbeat_holds_a_figure_of_its_own() -> None:
    new = with_facts({"stock_quantity": 0}, so24_stock=Decimal(498), by_hub=True, counted=False)
    assert (new["matches_so24"], new["unopened"]) == (False, True)
    assert with_facts({"stock_quantity": 0}, so24_stock=Decimal(498), by_hub=True, counted=None)["unopened"]
    assert not with_facts({"stock_quantity": 0}, so24_stock=Decimal(498), by_hub=True, counted=True)["unopened"]
    assert not with_facts({"stock_quantity": 3}, so24_stock=Decimal(498), by_hub=True, counted=False)["unopened"]
    same = with_facts({"stock_quantity": 0}, so24_stock=Decimal(0), by_hub=True, counted=None)
    assert (same["matches_so24"], same["unopened"]) == (True, False)
    unknown = with_facts({"stock_quantity": 0}, so24_stock=None, by_hub=True, counted=None)
    assert (unknown["matches_so24"], unknown["unopened"]) == (False, False)


def test_r8_skips_what_24so_has_holds_an_empty_new_product_and_writes_a_count(run: RunContext) -> None:
    _id_map(run, HUB_PRODUCTS, [("501", "NEW"), ("502", "COUNTED"), ("503", "SAME"), ("505", "WRITTEN")])
    _id_map(run, STOCK_WRITES, [(f"{ID}:505", "505")])
    client = StubRackbeat(
        {
            "NEW": {"number": "NEW", "stock_quantity": 0},
            "COUNTED": {"number": "COUNTED", "stock_quantity": 0},
            "SAME": {"number": "SAME", "stock_quantity": 12},
            "MOVED": {"number": "MOVED", "stock_quantity": 7},
            "WRITTEN": {"number": "WRITTEN", "stock_quantity": 0},
        },
        {"COUNTED": [{"item_number": "COUNTED", "quantity": -5}]},
    )
    so24 = StubSo24({501: "498", 502: "5", 503: "12.0000", 504: "9", 505: "4"})
    products = StubProducts({"NEW": 501, "COUNTED": 502, "SAME": 503, "MOVED": 504, "WRITTEN": 505})
    read = read_products(
        run, client, ["NEW", "COUNTED", "SAME", "MOVED", "WRITTEN"], products=products,  # type: ignore[arg-type]
        product_field_id=None, so24=so24,  # type: ignore[arg-type]
    )  # fmt: skip
    records = {r.source_key: r for r in map_staged(run, load_spec("rackbeat_stock"), read, {})}

    assert so24.calls.count("GetProducts") == 1, "24SO's figures are read once per company"
    assert sorted(client.asked) == ["COUNTED", "NEW"], "only a product at 0 while 24SO has stock costs a call"
    held = records[f"{ID}:501"].skip_reason or ""
    assert held.startswith("Rackbeat product NEW: held: Rackbeat has 0 and has never counted it")
    assert "24SO keeps 498" in held
    assert records[f"{ID}:503"].skip_reason == (
        "Rackbeat product SAME: 24SO already has 12; nothing to write (no change, or the hub's own figure coming back)"
    )
    assert records[f"{ID}:502"].payload == {
        "identity": ID, "productId": 502, "stockQuantity": Decimal(0), "so24Stock": Decimal(5),
    }  # fmt: skip
    assert records[f"{ID}:504"].payload["stockQuantity"] == Decimal(7)
    assert records[f"{ID}:505"].payload["stockQuantity"] == Decimal(0), "R8 wrote it before: its 0 is real"
    with connect(run.db_path) as con:
        staged = dict(con.execute("SELECT number, unopened FROM staging.rackbeat_event_products").fetchall())
    assert staged == {"NEW": True, "COUNTED": False, "SAME": False, "MOVED": False, "WRITTEN": False}


def test_an_account_that_cannot_list_adjustments_holds_rather_than_zeroes(run: RunContext) -> None:
    client = StubRackbeat({"P": {"number": "P", "stock_quantity": 0}}, adjustments=None)
    read = read_products(
        run, client, ["P"], products=StubProducts({"P": 7}), product_field_id=None,  # type: ignore[arg-type]
        so24=StubSo24({7: "3"}),  # type: ignore[arg-type]
    )  # fmt: skip
    [record] = map_staged(run, load_spec("rackbeat_stock"), read, {})
    assert "held:" in (record.skip_reason or "")


def test_the_opening_stock_is_sent_once_and_only_onto_an_empty_product() -> None:
    client = StubRackbeat({"P": {"number": "P", "stock_quantity": 0}, "Q": {"number": "Q", "stock_quantity": 2}}, {})
    target = OpeningStockTarget(client)  # type: ignore[arg-type]
    record = MappedRecord("501", {"number": "P", "quantity": Decimal("498.5")}, business_key="P")
    assert target.find_by_business_key("P") is None
    assert target.create(record) == "P"
    assert client.adjusted == [("P", 498.5, f"{MARK} 501")]
    assert target.find_by_business_key("P") == "P", "a create whose answer was lost is found by its description"
    target.update("P", record)
    assert len(client.adjusted) == 1, "opened once: never adjusted again"
    with pytest.raises(RecordRejected, match="moved to 2 before the opening stock was sent"):
        target.create(MappedRecord("502", {"number": "Q", "quantity": Decimal(5)}, business_key="Q"))


def test_stock_events_staged_before_the_facts_existed_gain_their_columns(run: RunContext) -> None:
    with transaction(run.db_path) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute(
            "CREATE TABLE staging.rackbeat_event_products (identity VARCHAR NOT NULL, number VARCHAR NOT NULL, "
            "so24_product_id BIGINT, stock_quantity DECIMAL(18,4), updated_at TIMESTAMP, _row_hash UBIGINT NOT NULL, "
            "_extracted_at TIMESTAMP NOT NULL, PRIMARY KEY (identity, number))"
        )
        ensure_event_tables(con)
        columns = {row[0] for row in con.execute("DESCRIBE staging.rackbeat_event_products").fetchall()}
    assert {c.name for c in EVENT_PRODUCTS.all_columns} <= columns


def test_the_id_map_answers_which_records_a_flow_wrote(run: RunContext) -> None:
    _id_map(run, HUB_PRODUCTS, [("501", "P-1"), ("502", "P-2")])
    with connect(run.db_path) as con:
        assert known_source_keys(con, HUB_PRODUCTS, ["501", "503"]) == {"501"}
        assert known_source_keys(con, "R8", ["501"]) == set()
        assert confirmed_pairs(con, HUB_PRODUCTS) == [("501", "P-1"), ("502", "P-2")]


class StubWms:
    def __init__(self, last_in: dict[str, str | None]) -> None:
        self.last_in = last_in
        self.asked: list[list[str]] = []

    def iter_articles(self, *, article_numbers: list[str]) -> list[dict[str, Any]]:
        self.asked.append(list(article_numbers))
        return [{"articleNumber": n, "inventoryInfo": {"lastInDate": self.last_in.get(n)}} for n in article_numbers]


def test_o5_holds_only_the_empty_stock_of_an_article_o1_made_and_the_wms_never_had(run: RunContext) -> None:
    from so24_pipelines.flows.ongoing import stock as o5
    from so24_pipelines.flows.ongoing.tables import ARTICLES
    from so24_pipelines.staging.schema import table_ddl

    with transaction(run.db_path) as con:
        con.execute("CREATE SCHEMA staging")
        con.execute(table_ddl(ARTICLES))
        for pid, items in ((1, 0), (2, 0), (3, 0), (4, 5), (5, 0)):
            con.execute(
                "INSERT INTO staging.ongoing_articles (identity, article_number, article_system_id, so24_product_id, "
                "number_of_items, _row_hash, _extracted_at) VALUES (?, ?, ?, ?, ?, 0, now())",
                [ID, f"A-{pid}", pid, pid, items],
            )
    _id_map(run, o5.ARTICLES_FLOW, [(str(p), f"A-{p}") for p in (1, 2, 4, 5)])
    _id_map(run, o5.FLOW, [("5", "5")])

    def record(pid: int, wms: int, so24: str | None) -> MappedRecord:
        payload = {"productId": pid, "stockQuantity": Decimal(wms), **({"so24Stock": Decimal(so24)} if so24 else {})}
        return MappedRecord(str(pid), payload, business_key=f"A-{pid}")

    records = [record(1, 0, "498"), record(2, 0, "12"), record(3, 0, "7"), record(4, 5, "9"), record(5, 0, "3"),
               record(6, 0, "0")]  # fmt: skip
    wms = StubWms({"A-2": "2026-01-05T10:00:00Z"})
    held = o5._never_stocked(run, wms, ID, records)  # type: ignore[arg-type]
    # 1: O1 made it, never in stock -> held; 2: goods came in once (a real 0); 3: not made by O1;
    # 4: in stock; 5: O5 has written it before; 6: 24SO has no stock to lose.
    assert held == {"1"}
    assert wms.asked == [["A-1", "A-2"]]
    reason = o5._hold(records[0]).skip_reason or ""
    assert reason.startswith("article 1: held: the hub created this article in the WMS") and "24SO keeps 498" in reason
