"""X7 for 24SO -> Ongoing WMS end to end: after O1 and O5 nothing differs; a 24SO edit, a WMS edit
and a WMS stock count are each named with the side that moved, and go once the owning flow runs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines_tests.e2e import ongoing_harness as o
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e import reconcile_harness as r
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(sandbox: SandboxProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    db = tmp_path / "staging.duckdb"
    settings = o.o_settings(monkeypatch)
    res = o.o_resources(sandbox, db)
    return {"db": db, "res": res, "settings": settings, "defs": h.definitions(settings, res),
            "instance": dg.DagsterInstance.ephemeral()}  # fmt: skip


def _tick(env: dict) -> None:
    """What the O6 schedule does: extract 24SO, then O1 (articles) and O5 (stock)."""
    o.extract(env["res"])
    o.run(env["settings"], env["res"], "ongoing_articles", "ongoing_stock")


def test_wms_pair_clean_then_each_side_moved_is_named_and_fixed_by_its_flow(sandbox, env):
    assert env["settings"].flow("O5").enabled  # the WMS is 24SO's stock master here
    _tick(env)
    clean = r.reconcile(env["defs"], env["instance"])
    meta = r.report(clean, "ongoing")
    assert (meta["differences"], meta["articles_paired"]) == (
        0,
        meta["articles_so24"] - meta["articles_skipped_by_flow"],
    )
    assert r.check_result(clean, "ongoing").passed

    product = sandbox.control("GET", "24so/products").json()[3]
    number = product["No"]
    o.so24_patch(sandbox, "products", product["Id"], {"Name": "Renamed in 24SO"})
    sandbox.control("POST", f"ongoing/articles/{number}/stock", json={"physical": 123})
    r.reconcile(env["defs"], env["instance"])
    rows = {(d.entity, d.field): d for d in r.open_differences(env["db"], "ongoing")}
    assert set(rows) == {("articles", "articleName"), ("stock", "stock")}
    name, stock = rows["articles", "articleName"], rows["stock", "stock"]
    assert (name.key, name.so24_value, name.pending) == (str(product["Id"]), "Renamed in 24SO", False)
    assert "extraction has not read it" in name.explanation
    assert (stock.key, stock.other_value, stock.pending) == (str(product["Id"]), "123", False)
    assert stock.repair.startswith(f"O5 sets 24SO's stock of {product['Id']} to 123")

    o.extract(env["res"])
    r.reconcile(env["defs"], env["instance"])
    rows = {(d.entity, d.field): d for d in r.open_differences(env["db"], "ongoing")}
    assert rows["articles", "articleName"].pending  # staged: O1's next run sends it

    o.run(env["settings"], env["res"], "ongoing_articles", "ongoing_stock")
    after = r.reconcile(env["defs"], env["instance"])
    assert r.report(after, "ongoing")["differences"] == 0
    assert r.open_differences(env["db"], "ongoing") == []


def test_an_article_edited_in_the_wms_is_blamed_on_the_wms(sandbox, env):
    _tick(env)
    article = next(iter(o.wms_articles(sandbox).values()))
    with env["res"]["ongoing"].client() as wms:
        wms.put_article(article["articleNumber"], {**{k: article.get(k) for k in ("productCode", "articleName")},
                                                   "description": "typed in the warehouse"})  # fmt: skip
    r.reconcile(env["defs"], env["instance"])
    (row,) = r.open_differences(env["db"], "ongoing")
    assert (row.entity, row.key, row.field, row.kind) == (
        "articles",
        article["productCode"],
        "description",
        "field",
    )
    assert row.other_value == "typed in the warehouse" and not row.pending
    assert "changed in Ongoing since O1 last wrote it (24SO did not change)" in row.explanation
