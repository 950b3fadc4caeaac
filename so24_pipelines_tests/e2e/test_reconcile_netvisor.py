"""X7 for Rackbeat <-> Netvisor end to end: after the initial sync (N2 + N1) nothing differs; a
Rackbeat edit N3 will carry is pending and gone after N3, a Netvisor edit is blamed on Netvisor and
stays (no flow carries Netvisor's changes back), and a record deleted on either side is missing
with the row saying no flow repairs it.

Figure (printed, `pytest -s`): requests per side of one reconciliation of the seeded registers."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from so24_pipelines.defs.netvisor.definitions import JOB as INITIAL_JOB
from so24_pipelines.defs.netvisor.live import JOB as LIVE_JOB
from so24_pipelines.defs.reconcile.definitions import ASSETS, JOB
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.e2e import reconcile_harness as r
from so24_pipelines_tests.e2e.netvisor_harness import hub, netvisor_dump, run, seed_counterparts
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.e2e

CITY = "customerbaseinformation.city"


def _reconcile(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Only this pair's asset (and its check): the Rackbeat pair of the same job reads 24SO too."""
    result = defs.resolve_job_def(JOB).execute_in_process(
        instance=instance, raise_on_error=False, asset_selection=[dg.AssetKey(ASSETS["netvisor"])]
    )
    assert result.success, h.step_failures(result)
    return result


def _netvisor_key(sandbox: SandboxProcess, register: str, code_field: str, code: str) -> int:
    return next(
        int(c["netvisorkey"]) for c in netvisor_dump(sandbox)[register].values() if c.get(code_field) == code
    )


def test_netvisor_pair_clean_after_the_initial_sync_then_edits_and_deletions_are_named(
    sandbox, tmp_path: Path
):
    seed_counterparts(sandbox)
    defs, db = hub(sandbox, tmp_path, flows={"N3": {"go_live": "now"}})
    instance = dg.DagsterInstance.ephemeral()
    run(defs, INITIAL_JOB, instance)  # N2, then N1 Netvisor -> Rackbeat

    clean = _reconcile(defs, instance)
    meta = r.report(clean, "netvisor")
    assert (meta["differences"], meta["unexplained"]) == (0, 0), r.open_differences(db, "netvisor")
    # N1 made customer 5009 and products NV-2001, 4001 in Rackbeat; N2 overwrote the cards of 10003, 10006.
    assert meta["customers_paired"] == 6 and meta["customers_linked_as_is"] == 3
    assert meta["products_paired"] == 4 and meta["products_linked_as_is"] == 2
    assert meta["products_rackbeat_own"] == 1  # RB-1003: made before going live, N1 goes the other way
    assert meta["customers_skipped_by_flow"] >= 2  # Rackbeat 10004, 10005: held by N2
    assert meta["netvisor_company"] == "2745291-2" and meta["kind_only_in_rackbeat"] == 0
    assert r.check_result(clean, "netvisor").passed
    print(
        f"\nFIGURE X7 Rackbeat <-> Netvisor, seeded registers: {meta['requests_rackbeat']} Rackbeat requests, "
        f"{meta['requests_netvisor']} Netvisor calls for "
        + ", ".join(
            f"{e} {meta[f'{e}_rackbeat']} + {meta[f'{e}_netvisor']}"
            for e in ("customers", "suppliers", "products")
        )
    )

    run(defs, LIVE_JOB, instance)  # N3's first tick: live from the initial sync
    sandbox.control("POST", "rackbeat/customers", json={"number": 40001, "name": "Tampereen Leipomo Oy",
                                                         "address_city": "Tampere", "address_country": "FI"})  # fmt: skip
    _reconcile(defs, instance)
    (new,) = r.open_differences(db, "netvisor")
    assert (new.key, new.kind, new.pending) == ("40001", "only_in_rackbeat", True)
    assert "N3's next run adds it" in new.explanation and "name=Tampereen Leipomo Oy" in new.repair
    run(defs, LIVE_JOB, instance)
    assert r.report(_reconcile(defs, instance), "netvisor")["differences"] == 0

    rb = h.rackbeat(sandbox)
    rb.update_customer(40001, {"address_city": "Pori"})
    shiskin = _netvisor_key(sandbox, "customers", "internalidentifier", "5009")
    sandbox.control("PATCH", f"netvisor/customers/{shiskin}", json={"city": "Kuopio"})
    edited = _reconcile(defs, instance)
    rows = {row.key: row for row in r.open_differences(db, "netvisor")}
    assert r.named(list(rows.values())) == {
        ("customers", "40001", CITY, "field"),
        ("customers", "5009", CITY, "field"),
    }
    ours = rows["40001"]
    assert (ours.so24_value, ours.other_value, ours.pending) == ("Pori", "Tampere", True)
    assert "N3's next run sends it" in ours.explanation and "city=Pori" in ours.repair
    theirs = rows["5009"]
    assert (theirs.so24_value, theirs.other_value, theirs.pending) == ("Joensuu", "Kuopio", False)
    assert "changed in Netvisor since N1 last wrote it (Rackbeat did not change)" in theirs.explanation
    check = r.check_result(edited, "netvisor")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "| Rackbeat | Netvisor |" in check.metadata["differences"].value

    run(defs, LIVE_JOB, instance)  # N3 sends Rackbeat's edit; nothing carries Netvisor's back
    _reconcile(defs, instance)
    (left,) = r.open_differences(db, "netvisor")
    assert (left.key, left.first_seen) == ("5009", theirs.first_seen)
    assert "when Rackbeat's record changes again" in left.repair

    # A change to a record N2 links by its code (4001: made in Rackbeat by N1) is pending: N3's first
    # load of it links it and writes the change (it adopts the record), and the difference is gone.
    rb.update_product("4001", {"name": "Kuljetuslava EUR 1200"})
    _reconcile(defs, instance)
    pallet = next(row for row in r.open_differences(db, "netvisor") if row.key == "4001")
    assert (pallet.field, pallet.so24_value, pallet.pending) == (
        "productbaseinformation.name",
        "Kuljetuslava EUR 1200",
        True,
    )
    assert "N3's next run links it to Netvisor" in pallet.explanation
    run(defs, LIVE_JOB, instance)
    _reconcile(defs, instance)
    assert "4001" not in {row.key for row in r.open_differences(db, "netvisor")}

    rb.delete("customers/40001")
    shelf = _netvisor_key(sandbox, "products", "productcode", "NV-2001")
    sandbox.control("PATCH", f"netvisor/products/{shelf}", json={"deleted": True})
    deleted = r.report(_reconcile(defs, instance), "netvisor")
    assert (deleted["kind_missing_in_rackbeat"], deleted["kind_missing_in_netvisor"]) == (1, 1)
    rows = {row.key: row for row in r.open_differences(db, "netvisor")}
    assert rows["40001"].kind == "missing_in_rackbeat" and "no flow deletes" in rows["40001"].repair
    assert (
        rows["NV-2001"].kind == "missing_in_netvisor" and "no flow makes it again" in rows["NV-2001"].repair
    )
    run(defs, LIVE_JOB, instance)
    _reconcile(defs, instance)
    assert {row.key for row in r.open_differences(db, "netvisor")} == {"5009", "40001", "NV-2001"}
