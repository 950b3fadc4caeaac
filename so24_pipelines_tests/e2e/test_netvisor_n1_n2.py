"""N2 matching and N1 initial sync end to end: Dagster jobs against the Netvisor and Rackbeat sandboxes.

The seeded registers hold one case of every rule of the N2 cascade (so24_sandbox/netvisor/seed.py
and counterparts.py; the Rackbeat counterparts are POSTed to the Rackbeat sandbox first). The
named matching tests read one preview (dry run) of those registers; the others run the real jobs.
Both systems are dumped through their control APIs, so "writes nothing" means nothing changed in
either system, not only that the hub reported nothing.

Figures (printed, `pytest -s`): the N2 match report on the seeded data, and N1's registers per
minute towards Netvisor, whose calls are serialised.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.defs.netvisor.definitions import JOB, PREVIEW_JOB
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e.netvisor_harness import dumps, hub, run, seed_counterparts
from so24_pipelines_tests.sandbox_process import SandboxProcess
from so24_sandbox.netvisor.counterparts import CASES

pytestmark = pytest.mark.e2e

N_ASSETS = ("n2_matches", "n1_customers", "n1_suppliers", "n1_products")
CALL_MS = 50


def writes(meta: dict[str, dict[str, Any]]) -> dict[str, int]:
    """asset -> records it made or wrote in a target (a create that linked a record wrote nothing)."""
    return {
        asset: int(m["created"]) + int(m["updated"]) + int(m["resolved"]) - int(m.get("linked_by_code", 0))
        - int(m.get("linked_by_business_id", 0)) - int(m.get("linked_by_name", 0))
        - int(m.get("found_before_adding", 0))
        for asset, m in meta.items()
        if asset in N_ASSETS
    }  # fmt: skip


def report(db: Path) -> dict[tuple[str, str, str], tuple[str, str | None, str | None, str | None]]:
    """(register, side, key) -> (outcome, rule, counterpart keys, reason) from staging.netvisor_matches."""
    rows = h.rows(db, "SELECT register, side, record_key, outcome, rule, counterpart_keys, reason, overwrites "
                      "FROM staging.netvisor_matches")  # fmt: skip
    return {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6] or r[7]) for r in rows}


# ---- the named matching cases, from one preview ------------------------------------------------


@pytest.fixture(scope="module")
def preview(
    sandbox_server: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """One dry run of the initial sync on the seeded registers: metadata, the report, both dumps."""
    sandbox_server.reset()
    seed_counterparts(sandbox_server)
    defs, db = hub(sandbox_server, tmp_path_factory.mktemp("preview"))
    before = dumps(sandbox_server)
    meta = run(defs, PREVIEW_JOB, dg.DagsterInstance.ephemeral())
    yield {"meta": meta, "report": report(db), "db": db, "before": before, "after": dumps(sandbox_server)}


def test_matching_by_customer_code(preview):
    assert preview["report"][("customers", "netvisor", "101")][:3] == ("linked", "code", "10001")
    assert preview["report"][("customers", "rackbeat", "10001")][:3] == ("linked", "code", "101")
    matches = preview["meta"]["n2_matches"]["preview"]
    assert (
        "| customers | linked | code | Netvisor customer 101 (code '10001', 'Fjordkaffe AS Suomen sivuliike') |"
        in matches
    )


def test_matching_by_business_id_shows_the_card_overwrite_before_anything_is_written(preview):
    assert preview["report"][("customers", "netvisor", "103")][:3] == ("linked", "business_id", "10003")
    assert preview["report"][("customers", "netvisor", "107")][:3] == ("linked", "business_id", "10006")
    overwrites = preview["report"][("customers", "netvisor", "103")][3]
    assert overwrites == "name: 'Saimaan Puutarha Oy' → 'Saimaan Puutarhat Oy'"
    meta = preview["meta"]["n2_matches"]
    assert "name: 'Äänekosken Öljy Oy' → 'Äänekosken Öljy'" in meta["preview"]
    assert "**N2.customers.overwrite** → netvisor/customers: skip 0, create 2" in meta["preview"]
    assert meta["planned_create"] == 2 and meta["dry_run"] is True
    assert preview["after"][0]["customers"]["103"]["name"] == "Saimaan Puutarha Oy"


def test_matching_by_exact_name(preview):
    assert preview["report"][("customers", "netvisor", "102")][:3] == ("linked", "name", "10002")
    assert preview["report"][("customers", "netvisor", "110")][:3] == ("linked", "name", "10007")


def test_matching_reports_a_non_numeric_code_and_never_guesses(preview):
    outcome, rule, candidates, reason = preview["report"][("customers", "netvisor", "104")]
    assert (outcome, rule, candidates) == ("held", "non_numeric_code", "10004")
    assert "'LL-12' is not digits only" in reason and "not linked" in reason
    assert preview["report"][("customers", "rackbeat", "10004")][:2] == ("held", "non_numeric_code")
    assert "held by N2 (non_numeric_code)" in preview["meta"]["n1_customers"]["preview"]


def test_matching_holds_an_ambiguous_name(preview):
    outcome, rule, candidates, reason = preview["report"][("customers", "rackbeat", "10005")]
    assert (outcome, rule, candidates) == ("held", "ambiguous", "105,106")
    assert all(f"customer {key}" in reason for key in ("105", "106", "10005"))
    for key in ("105", "106"):
        assert preview["report"][("customers", "netvisor", key)][:2] == ("held", "ambiguous")


def test_the_match_report_agrees_with_every_seeded_case(preview):
    expected = {"code": ("linked", "code"), "name": ("linked", "name"), "business_id": ("linked", "business_id"),
                "non_numeric_code": ("held", "non_numeric_code"), "ambiguous": ("held", "ambiguous")}  # fmt: skip
    got = preview["report"]
    for case in CASES:
        register = case["register"]
        if case["outcome"] == "netvisor_only":
            for nv in case["netvisor"]:
                if case["why"] == "a deleted product":
                    assert (register, "netvisor", str(nv["key"])) not in got
                else:
                    assert got[(register, "netvisor", str(nv["key"]))][0] == "unmatched", case
        elif case["outcome"] == "rackbeat_only":
            assert got[(register, "rackbeat", str(case["rackbeat"]))][0] == "unmatched", case
        else:
            outcome = got[(register, "rackbeat", str(case["rackbeat"]))]
            assert outcome[:2] == expected[case["outcome"]], case
            assert outcome[2] == ",".join(str(nv["key"]) for nv in case["netvisor"]), case
    counts = {k: preview["meta"]["n2_matches"][k] for k in ("linked_code", "linked_business_id", "linked_name",
              "held_ambiguous", "held_non_numeric_code", "held_conflict", "unmatched_netvisor", "unmatched_rackbeat")}  # fmt: skip
    print(f"\nFIGURE N2 match report on the seeded data: {counts}")
    assert counts == {"linked_code": 4, "linked_business_id": 2, "linked_name": 2, "held_ambiguous": 1,
                      "held_non_numeric_code": 1, "held_conflict": 0, "unmatched_netvisor": 5, "unmatched_rackbeat": 1}  # fmt: skip


def test_the_preview_writes_nothing_to_either_system_or_the_loader(preview):
    assert preview["after"] == preview["before"]
    loader = h.rows(
        preview["db"], "SELECT (SELECT count(*) FROM sync.id_map), (SELECT count(*) FROM sync.sync_log)"
    )
    assert loader == [(0, 0)]
    assert all(m["dry_run"] is True for m in preview["meta"].values())
    assert preview["meta"]["n1_customers"]["planned_create"] == 6  # 5 links and 5009, shown as such:
    assert (
        "| 108 | 5009 | create (after a look-up of its code) |"
        in preview["meta"]["n1_customers"]["links_and_creates"]
    )


# ---- the real runs ----------------------------------------------------------------------------------


def test_the_business_id_overwrite_writes_only_what_the_preview_showed(sandbox, tmp_path):
    seed_counterparts(sandbox)
    defs, db = hub(sandbox, tmp_path, registers=["customers"])
    before_nv, before_rb = dumps(sandbox)
    run(defs, JOB, dg.DagsterInstance.ephemeral())
    after_nv, after_rb = dumps(sandbox)
    changed = h.system_changes(before_nv, after_nv)
    assert changed == {"customers": {"103": {"name", "changed_at"}, "107": {"name", "changed_at"}}}
    assert after_nv["customers"]["103"]["name"] == "Saimaan Puutarhat Oy"
    assert after_nv["customers"]["103"]["internalidentifier"] == "3300"  # the customer code is kept
    assert h.system_changes(before_rb, after_rb) == {
        "customers": {"5009": {"<added>"}}
    }  # N1's one new customer
    reason = h.rows(
        db, "SELECT reason FROM sync.sync_log WHERE flow = 'N2.customers.overwrite' AND source_key = '10003'"
    )
    assert (
        "overwritten with Rackbeat customer 10003's data" in reason[0][0]
        and "Saimaan Puutarhat Oy" in reason[0][0]
    )
    links = h.rows(
        db, "SELECT source_key, target_key FROM sync.id_map WHERE flow = 'N2.customers.overwrite' ORDER BY 1"
    )
    assert links == [("10003", "103"), ("10006", "107")]


def test_n1_netvisor_to_rackbeat_creates_what_is_missing_links_the_rest_and_a_second_run_writes_nothing(
    sandbox, tmp_path
):
    seed_counterparts(sandbox)
    defs, db = hub(sandbox, tmp_path, direction="netvisor_to_rackbeat")
    instance = dg.DagsterInstance.ephemeral()
    before_nv, before_rb = dumps(sandbox)
    first = run(defs, JOB, instance)
    mid_nv, mid_rb = dumps(sandbox)

    rb_changes = h.system_changes(before_rb, mid_rb)
    assert rb_changes == {
        "customers": {"5009": {"<added>"}},
        "products": {"NV-2001": {"<added>"}, "4001": {"<added>"}},
    }
    made = mid_rb["customers"]["5009"]
    assert (made["name"], made["address_city"], made["customer_group_id"]) == (
        "Šiškin Kauppa Oy",
        "Joensuu",
        1,
    )
    label = mid_rb["products"]["NV-2001"]
    assert (label["name"], Decimal(str(label["sales_price"])), label["group_id"]) == (
        "Tarrakirjoitin",
        Decimal("299.9"),
        1001,
    )
    assert set(h.system_changes(before_nv, mid_nv)["customers"]) == {
        "103",
        "107",
    }  # N2's overwrite, nothing else

    customers = first["n1_customers"]
    assert (customers["created"], customers["resolved"], customers["skipped"], customers["failed"]) == (
        1,
        5,
        4,
        0,
    )
    assert (customers["linked_by_code"], customers["linked_by_business_id"], customers["linked_by_name"]) == (
        1,
        2,
        2,
    )
    links = dict(
        h.rows(db, "SELECT source_key, target_key FROM sync.id_map WHERE flow = 'N1.customers.to_rackbeat'")
    )
    assert links == {
        "101": "10001",
        "102": "10002",
        "103": "10003",
        "107": "10006",
        "108": "5009",
        "110": "10007",
    }
    rules = dict(h.rows(db, "SELECT source_key, reason FROM sync.sync_log WHERE flow = 'N1.customers.to_rackbeat' "
                            "AND action = 'resolved'"))  # fmt: skip
    assert "by its name (N2)" in rules["102"] and "by its business ID (Y-tunnus) (N2)" in rules["103"]
    assert "by its code (N2)" in rules["101"]
    skipped = dict(h.rows(db, "SELECT source_key, reason FROM sync.sync_log WHERE flow = 'N1.customers.to_rackbeat' "
                              "AND action = 'skip'"))  # fmt: skip
    assert set(skipped) == {"104", "105", "106", "109"}
    assert (
        first["n1_suppliers"]["resolved"] == 1 and first["n1_suppliers"]["skipped"] == 1
    )  # V-300: not digits

    second = run(defs, JOB, instance)
    assert writes(second) == dict.fromkeys(N_ASSETS, 0)
    assert dumps(sandbox) == (mid_nv, mid_rb)


def test_n1_rackbeat_to_netvisor_adds_what_is_missing_once_and_a_second_run_writes_nothing(sandbox, tmp_path):
    seed_counterparts(sandbox)
    extra = [{"number": 30000 + i, "name": f"Uusi Asiakas {i} Oy", "address_city": "Oulu", "address_country": "FI"}
             for i in range(1, 41)]  # fmt: skip
    for customer in extra:
        sandbox.control("POST", "rackbeat/customers", json=customer)
    sandbox.control("POST", "rackbeat/suppliers", json={"number": 20002, "name": "Kuopion Kuljetus Oy",
                                                         "company_vat": "FI15728600", "address_country": "FI"})  # fmt: skip
    defs, db = hub(sandbox, tmp_path, direction="rackbeat_to_netvisor")
    instance = dg.DagsterInstance.ephemeral()
    before_nv, before_rb = dumps(sandbox)
    # Each Netvisor call takes 50 ms and an overlapping call is refused: the figure counts real turns.
    sandbox.control(
        "POST", "netvisor/behaviour", json={"call_duration_ms": CALL_MS, "refuse_overlapping_calls": True}
    )
    started = time.monotonic()
    result = h.run_job(defs, JOB, instance)
    elapsed = time.monotonic() - started
    assert result.success, h.step_failures(result)
    first = h.metadata(result)
    mid_nv, mid_rb = dumps(sandbox)

    codes = [c["internalidentifier"] for c in mid_nv["customers"].values()]
    assert "10004" not in codes and "10005" not in codes  # held: never guessed, never created
    nv_changes = h.system_changes(before_nv, mid_nv)
    added = [key for key, fields in nv_changes["customers"].items() if fields == {"<added>"}]
    assert sorted(mid_nv["customers"][key]["internalidentifier"] for key in added) == sorted(
        str(c["number"]) for c in extra
    )
    assert {k: v for k, v in nv_changes["customers"].items() if v != {"<added>"}} == {
        "103": {"name", "changed_at"}, "107": {"name", "changed_at"}
    }  # fmt: skip
    vendor = next(v for v in mid_nv["vendors"].values() if v["code"] == "20002")
    assert (vendor["name"], vendor["organizationid"]) == ("Kuopion Kuljetus Oy", "1572860-0")
    product = next(p for p in mid_nv["products"].values() if p["productcode"] == "RB-1003")
    assert (product["name"], Decimal(product["unitprice"])) == ("Etikettskriver", Decimal("2390"))
    assert h.system_changes(before_rb, mid_rb) == {}

    customers = first["n1_customers"]
    assert (customers["created"], customers["resolved"], customers["skipped"], customers["failed"]) == (
        40,
        5,
        2,
        0,
    )
    assert (first["n1_suppliers"]["created"], first["n1_suppliers"]["resolved"]) == (1, 1)
    assert (first["n1_products"]["created"], first["n1_products"]["resolved"]) == (1, 2)

    stamps = {
        e.dagster_event.event_type_value: e.timestamp
        for e in instance.all_logs(result.run_id)
        if e.dagster_event is not None and e.step_key == "n1_customers"
    }
    step = stamps["STEP_SUCCESS"] - stamps["STEP_START"]
    carried = sum(
        int(first[a]["created"]) + int(first[a]["resolved"])
        for a in ("n1_customers", "n1_suppliers", "n1_products")
    )
    calls = sandbox.control("GET", "netvisor/stats").json()["companies"]["2745291-2"]
    print(
        f"\nFIGURE N1 rackbeat_to_netvisor, {CALL_MS} ms a Netvisor call: n1_customers carried {customers['created'] + customers['resolved']} "
        f"customers in {step:.2f} s = {(customers['created'] + customers['resolved']) / step * 60:.0f} a minute; "
        f"the whole job (N2 + N1 x3) carried {carried} records in {elapsed:.1f} s = {carried / elapsed * 60:.0f} "
        f"a minute; Netvisor: {calls}"
    )
    assert calls["max_in_flight"] == 1  # serialised: never two calls to the company at once

    second = run(defs, JOB, instance)
    assert writes(second) == dict.fromkeys(N_ASSETS, 0)
    assert dumps(sandbox) == (mid_nv, mid_rb)


def test_n1_refuses_to_run_before_n2_has_matched(sandbox, tmp_path):
    seed_counterparts(sandbox)
    defs, db = hub(sandbox, tmp_path, direction="netvisor_to_rackbeat")
    before = dumps(sandbox)
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), asset_selection=[dg.AssetKey("n1_customers")]
    )
    meta = h.metadata(result)["n1_customers"]
    assert "N2 has not matched the customers yet" in meta["idle"] and meta["created"] == 0
    assert dumps(sandbox) == before
