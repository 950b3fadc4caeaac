"""Collateral damage for Le New Black (issue 10): L1 and L2 change what they own, and nothing else.

The same method as test_collateral_damage.py, with LNB connected (to 24SO company 1) and the other
warehouses off: the sandboxes start from their seeded state and the whole hub
(`build_definitions(settings)`, in process) runs as its schedules would: a first tick
(`so24_incremental`, `lnb_stock`, `lnb_orders`), then three ticks, each preceded by a user's actions
in 24SO and in LNB:

1. the brand makes an order in LNB and confirms it, and keeps another open; a 24SO user changes
   a product's stock;
2. the brand confirms the open order, edits an order the hub has exported, gives the retailer
   without a reference one (its orders were held back), and codes a SKU its catalogue lacked a
   code for; a 24SO user renames a product;
3. the brand makes an order with a line for its uncoded sample (held back) and a 24SO user edits
   the 24SO order the hub made and changes two stock figures.

Every window is a diff of whole-system snapshots (systems.py) of 24SO (both companies: L1/L2 are
paired with company 1, so nothing of company 2 may move), LNB, Rackbeat and Ongoing, and every
change of a hub tick is held to systems.Rules: explained by a `sync.sync_log` write of that tick
of a flow owning the field (L1: LNB's in_stock; L2: the 24SO order it creates; L2.ack: the LNB
order's status), or derived by the system from such a change (LNB's write times); no value
becomes null, nothing is removed, 24SO's stock never moves. Then the end state: what the users did
arrived where the settings say (`LnbUsers.expect`), nothing was made twice, no run failed, no
record is left failed.

The same run with 10 % injected faults on 24SO and LNB (the hub's calls only; failed records retry
on later ticks, two clean ticks at the end) ends in the fault-free run's end state.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e.lnb_orders_harness import lnb_resource
from so24_pipelines_tests.safety import scenario as sc
from so24_pipelines_tests.safety import systems
from so24_pipelines_tests.safety.hub import FastRackbeat, Hub
from so24_pipelines_tests.safety.scenario import Scenario, check
from so24_pipelines_tests.safety.user import User
from so24_pipelines_tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.safety

SETTINGS = {"lnb": {"enabled": True}}
WATCHED = (*systems.REGISTERS, "24so-2")
SAMPLE = {"model": "SAMPLE-01", "fabric_code": "SMP", "size_name": "M"}  # the seed's uncoded sample SKU
LACKING_PRODUCT = "1010"  # the seed's LNB SKU 10 (product 1010) has no EAN13
LACKING_SKU_ID = 10


class LnbHub(Hub):
    """The whole hub with LNB connected: the extraction, then L1 and L2, as their schedules run them."""

    SCHEDULE_ORDER = ("so24_incremental", "lnb_stock", "lnb_orders")

    def _resources(self, settings: Settings, rackbeat: type[FastRackbeat]) -> dict[str, Any]:
        # Small stock batches: L1's first tick is then about ten LNB requests, not one, so the
        # faults reach LNB's stock writes too (a batch is an absolute upsert, sent again when lost).
        return {**super()._resources(settings, rackbeat), "lnb": lnb_resource(self.sandbox, stock_batch_size=4)}


def units(stock: Any) -> int:
    return max(0, int(Decimal(str(stock or 0)).to_integral_value(rounding=ROUND_FLOOR)))


EDITED = "Endret i LNB etter eksport"


def exported(snap: systems.Snapshot) -> list[str]:
    """The LNB orders the hub has made a 24SO order for, by reference."""
    return sorted({str(o["ReferenceNumber"]) for o in snap["24so"]["orders"].values()
                   if str(o.get("ReferenceNumber") or "").startswith("LNB-")})  # fmt: skip


def so24_order_of(snap: systems.Snapshot, reference: str) -> list[str]:
    """The company-1 24SO orders carrying this LNB reference (two would be a duplicate)."""
    return [k for k, o in snap["24so"]["orders"].items() if o.get("ReferenceNumber") == reference]


class LnbUsers(Scenario):
    """A brand user in LNB and a 24SO user, around L1 and L2 at their seed defaults."""

    def _coded(self, snap: systems.Snapshot) -> list[str]:
        """EAN13s LNB has a line for and a company-1 24SO product carries (orders L2 can map)."""
        eans = {p["EAN1"] for p in snap["24so"]["products"].values() if p.get("EAN1")}
        return [line["ean13"] for line in snap["lnb"]["inventory"].values() if line.get("sku") and line.get("ean13") in eans]

    def _order(self, user: User, retailer: int, lines: list[dict[str, Any]], status: str, **extra: Any) -> str:
        body = {"retailer_id": retailer, "items": lines, "status": status, **extra}
        answer = requests.post(f"{user.sandbox.url}/_sandbox/lnb/orders", json=body, timeout=30)
        assert answer.status_code == 201, f"the brand's order was refused: {answer.text}"
        return str(answer.json()["reference"])

    def act(self, user: User, tick: int, snap: systems.Snapshot) -> None:
        m = self.made
        coded = self._coded(snap)
        if tick == 1:
            m["new"] = self._order(user, 1, [{"ean13": coded[0], "quantity": 2}, {"ean13": coded[1], "quantity": 1}],
                                   "confirmed", comment="Ny ordre fra LNB")  # fmt: skip
            m["open"] = self._order(user, 2, [{"ean13": coded[2], "quantity": 3}], "open_for_brand")
            user.so24_edit("products", 1001, Stock="77.5")
        elif tick == 2:
            user.control("POST", f"lnb/orders/{m['open']}/confirm")
            # The brand edits an order the hub has exported (the first the user sees in 24SO: with
            # faults, the one made at tick 1 may be exported only at this tick).
            m["lnb_edited"] = exported(snap)[0]
            user.control("PATCH", f"lnb/orders/{m['lnb_edited']}", {"comment": EDITED})
            used = {r.get("reference") for r in snap["lnb"]["retailers"].values()}
            m["reference"] = next(
                k for k, c in sorted(snap["24so"]["companies"].items())
                if c.get("Type") == "Business" and k not in used
            )  # fmt: skip
            user.control("PATCH", "lnb/retailers/4", {"reference": m["reference"]})
            m["held"] = sorted(
                ref for ref, o in snap["lnb"]["orders"].items()
                if o.get("retailer_reference") is None and o.get("status") == "confirmed"
                and not any(k.startswith("items[") and k.endswith(".sku") and v is None for k, v in o.items())
            )  # fmt: skip
            ean = snap["24so"]["products"][LACKING_PRODUCT]["EAN1"]
            user.control("PATCH", f"lnb/skus/{LACKING_SKU_ID}", {"ean13": ean})
            user.so24_edit("products", 1002, Name="Omdøpt i 24SO")
        elif tick == 3:
            m["sample"] = self._order(user, 3, [{"ean13": coded[3], "quantity": 1}, {**SAMPLE, "quantity": 1}], "confirmed")
            (m["edited"],) = so24_order_of(snap, exported(snap)[0])
            user.so24_edit("orders", int(m["edited"]), YourReference="Endret i 24SO")
            user.so24_edit("products", 1002, Stock="3")
            user.so24_edit("products", 1005, Stock="-4")

    def expect(self, snap: systems.Snapshot) -> list[str]:
        m, out = self.made, []
        so24, lnb = snap["24so"], snap["lnb"]
        for ref in (m["new"], m["open"], *m["held"]):
            made = so24_order_of(snap, ref)
            check(out, len(made) == 1, f"L2: LNB order {ref} as one 24SO order (found {made})")
            check(out, lnb["orders"][ref].get("status") == "closed", f"L2.ack: {ref} closed in LNB")
        check(out, bool(m["held"]), "the seed holds back a confirmed order of retailer 4")
        for key in so24_order_of(snap, m["lnb_edited"]):
            check(out, so24["orders"][key].get("InvoiceText") != EDITED, f"L2: LNB's edit after the export not applied to {key}")
        check(out, so24["orders"][m["edited"]].get("YourReference") == "Endret i 24SO",
               f"L2: the 24SO user's edit of {m['edited']} kept")  # fmt: skip
        check(out, not so24_order_of(snap, m["sample"]), f"L2: {m['sample']} (a line for the sample) held back")
        check(out, lnb["orders"][m["sample"]].get("status") == "confirmed", f"L2: {m['sample']} left as it is in LNB")
        lines = {line["ean13"]: line for line in lnb["inventory"].values() if line.get("ean13")}
        for pid, product in so24["products"].items():
            line = lines.get((product.get("EAN1") or "").strip())
            if line is not None:
                want = units(product.get("Stock"))
                check(out, line.get("in_stock") == want, f"L1: product {pid}'s {want} in LNB (is {line.get('in_stock')})")
        coded = lnb["inventory"][str(LACKING_SKU_ID)]
        check(out, coded.get("in_stock") == units(so24["products"][LACKING_PRODUCT].get("Stock")),
               f"L1: product {LACKING_PRODUCT}'s figure on the line LNB coded for it")  # fmt: skip
        return out


def end_state(snap: systems.Snapshot) -> dict[str, Any]:
    """What L1 and L2 leave, without ids and times a run chooses (24SO order ids, write times)."""
    rows = lambda o: sorted(  # noqa: E731
        (str(v) for k, v in o.items() if k.startswith("rows[") and k.count(".") == 1
         and k.rsplit(".", 1)[1] in ("ProductId", "Quantity", "Price", "DiscountRate"))
    )  # fmt: skip
    so24_orders = {
        o["ReferenceNumber"]: (o.get("CustomerId"), o.get("OrderStatus"), o.get("YourReference"), o.get("InvoiceText"), rows(o))
        for o in snap["24so"]["orders"].values() if str(o.get("ReferenceNumber") or "").startswith("LNB-")
    }  # fmt: skip
    return {
        "lnb stock": {key: line.get("in_stock") for key, line in snap["lnb"]["inventory"].items()},
        "lnb status": {key: order.get("status") for key, order in snap["lnb"]["orders"].items()},
        "24so orders from lnb": so24_orders,
        "24so orders": len(snap["24so"]["orders"]),
    }


def run_lnb_scenario(sandbox: SandboxProcess, tmp: Path, scenario: Scenario, *, faults: bool) -> sc.Outcome:
    """The run, faults (when on) on the hub's calls to 24SO and LNB."""
    sandbox.control("POST", "24so/limits", json={"per_hour": 1_000_000})
    hub = LnbHub(sandbox, tmp, Settings.model_validate(SETTINGS))
    return sc.run(sandbox, hub, scenario, start=[("first tick", hub.tick)], faulted=("24so", "lnb"), faults=faults,
                  watched=WATCHED)  # fmt: skip


def rules(*, faults: bool) -> systems.Rules:
    return sc.rules_for(Settings.model_validate(SETTINGS), faults=faults)


def test_l1_l2_change_only_what_they_own_across_user_actions_in_24so_and_lnb(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    scenario = LnbUsers()
    outcome = run_lnb_scenario(sandbox, tmp_path, scenario, faults=False)
    sc.assert_changes_only_owned(
        "LNB collateral", outcome, rules(faults=False), scenario, more_than=20, systems_changed={"24so", "lnb"}
    )


def test_l1_l2_with_ten_percent_faults_on_24so_and_lnb_end_in_the_fault_free_state(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """Failed records retry on later ticks; nothing is sent twice (one 24SO order per LNB order)."""
    clean, faulty, scenario = sc.clean_then_faulty(sandbox, tmp_path, run_lnb_scenario, LnbUsers)
    sc.assert_settles_as_clean(
        "LNB collateral with 10 % faults", clean, faulty, rules(faults=True), scenario, end_state
    )
