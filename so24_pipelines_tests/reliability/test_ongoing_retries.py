"""A write that fails is kept with its reason and retried on the next tick, never duplicated (X3, X5).

The sandbox fails chosen requests ({"next": kind}): a 500 before any work (the article is not
created), and a connection dropped *after* the WMS did the work (the article exists, but the hub
never heard so). The client is told not to retry, so both reach the loader as failures.
"""

from __future__ import annotations

import pytest

from so24_pipelines_tests.e2e.ongoing_harness import (
    extract,
    failed,
    log,
    meta,
    o_resources,
    o_settings,
    run,
    so24_list,
    wms_articles,
)

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize(("kind", "created_anyway"), [("5xx", False), ("drop", True)])
def test_a_failed_article_write_is_retried_next_tick_and_made_once(sandbox, tmp_path, monkeypatch, kind, created_anyway):
    db = tmp_path / "staging.duckdb"
    settings = o_settings(monkeypatch)
    res = o_resources(sandbox, db, max_retries=0)
    extract(res)
    products = len(so24_list(sandbox, "products"))

    sandbox.control("POST", "ongoing/faults", json={"next": kind, "count": 1})
    first = run(settings, res, "ongoing_articles")
    assert (meta(first, "ongoing_articles")["created"], meta(first, "ongoing_articles")["failed"]) == (products - 1, 1)
    [(key, reason)] = failed(db, "O1").items()
    assert reason.startswith("TransientError: ongoing PUT /api/v1/articles: ")
    assert key in meta(first, "ongoing_articles")["failures"]
    assert len(wms_articles(sandbox)) == products - (0 if created_anyway else 1)

    second = run(settings, res, "ongoing_articles")
    m = meta(second, "ongoing_articles")
    assert (m["created"] + m["resolved"], m["failed"], m["unchanged"]) == (1, 0, products - 1)
    assert m["resolved" if created_anyway else "created"] == 1  # found by article number, not sent as new
    assert failed(db, "O1") == {}
    assert len(wms_articles(sandbox)) == products
    assert [action for k, action, _ in log(db, "O1") if k == key] == ["fail", "resolved" if created_anyway else "create"]
