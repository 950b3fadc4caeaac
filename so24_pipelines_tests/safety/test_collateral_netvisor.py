"""Collateral damage for Netvisor (issue 12): N1, N2 and N3 change what they own, and nothing else.

The same method as test_collateral_damage.py, with Rackbeat and Netvisor connected and the R flows
off (so every change in Rackbeat or Netvisor is the N flows' or a user's): the sandboxes start from
their seeded state plus the Rackbeat counterparts of the N2 cases, and the whole hub
(`build_definitions(settings)`, in process) runs as a user and its schedules and sensors would:

0. the user starts the initial sync (`netvisor_initial_sync`: N2, then N1 Netvisor -> Rackbeat),
   then the first tick (N3's schedule and the webhook sensor: N3 is live from then on);
1. a Netvisor user adds a customer and edits another's phone; a Rackbeat user adds a customer with
   that new Netvisor customer's business ID (N2 links it and overwrites the Netvisor card, seed
   003), a new customer, a product and a supplier (their `.created` webhooks reach the inbox);
2. the Rackbeat user moves the new customer to another city and renames the product (no hook for
   `.updated` is registered: the schedule's N3 run carries them).

Every window is a diff of whole-system snapshots (systems.py) of Rackbeat, Netvisor and 24SO, and
every change of a hub tick is held to systems.Rules: explained by a `sync.sync_log` write of that
tick of a flow owning the field (N1/N3: the fields of their specs; N2.customers.overwrite: the
card fields), or derived by the system from such a change (change times); no value becomes null,
nothing is removed, nothing is made from the hub's own records. Then the end state: what the users
did arrived in Netvisor, the Netvisor user's edit stands, nothing was made twice, no run failed.

The same run with 10 % injected faults on Netvisor and Rackbeat (the hub's calls only; failed
records retry on later ticks, two clean ticks at the end) ends in the fault-free run's end state.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.settings import Settings
from so24_pipelines_tests.e2e.netvisor_harness import netvisor_resource
from so24_pipelines_tests.safety import scenario as sc
from so24_pipelines_tests.safety import systems
from so24_pipelines_tests.safety.hub import FastRackbeat, Hub
from so24_pipelines_tests.safety.scenario import Scenario, check, failed_records
from so24_pipelines_tests.safety.user import User
from so24_pipelines_tests.sandbox_process import SandboxProcess
from so24_sandbox.netvisor.counterparts import RACKBEAT_CUSTOMERS

pytestmark = pytest.mark.safety

SETTINGS = {
    "rackbeat": {"enabled": True},
    "netvisor": {"enabled": True},
    "flows": {
        **{f"R{n}": {"enabled": False} for n in range(1, 10)},
        "X7": {"enabled": False},  # the nightly reconciliation reads only; its own suite judges it
        "N1": {"direction": "netvisor_to_rackbeat"},
        "N3": {"go_live": "now"},
    },
}
WATCHED = ("24so", "rackbeat", "netvisor")
FAULTED = ("netvisor", "rackbeat")
NEW_CARD = {"internalidentifier": "7001", "externalidentifier": "0112038-9", "name": "Pirkanmaan Sähkö Oy",
            "city": "Tampere", "country": "FI"}  # fmt: skip


class NetvisorHub(Hub):
    """The whole hub with Rackbeat and Netvisor connected: N3's schedule and sensor, N1 by the user."""

    SCHEDULE_ORDER = (*Hub.SCHEDULE_ORDER, "netvisor_live")
    SENSOR_ORDER = (*Hub.SENSOR_ORDER, "netvisor_live_events")

    def _resources(self, settings: Settings, rackbeat: type[FastRackbeat]) -> dict[str, Any]:
        return {
            **super()._resources(settings, rackbeat),
            "netvisor": netvisor_resource(self.sandbox, self.db.parent / "locks"),
        }

    def initial_sync(self) -> None:
        """The user starts the initial sync, and reruns it while a run or a record failed (it resumes)."""
        for _ in range(5):
            result = self.run("netvisor_initial_sync")
            if result.success and not any(
                flow.startswith(("N1.", "N2.")) for flow, _ in failed_records(self.db)
            ):
                break
        self.tick()


def netvisor_by_code(snap: systems.Snapshot, register: str, code: str) -> list[systems.Record]:
    field = {"customers": "internalidentifier", "vendors": "code", "products": "productcode"}[register]
    return [r for r in snap["netvisor"][register].values() if r.get(field) == code]


class NetvisorUsers(Scenario):
    """A Netvisor user and a Rackbeat user around N1-N3 at their seed defaults."""

    ticks = 2
    held_keys = frozenset({"10004", "10005", "104", "105", "106", "109"})  # N2's holds: skipped with their reason

    def act(self, user: User, tick: int, snap: systems.Snapshot) -> None:
        if tick == 1:
            card = user.control("POST", "netvisor/customers", NEW_CARD)
            self.made["card"] = str(card["netvisorkey"])
            user.control("PATCH", "netvisor/customers/101", {"phonenumber": "+358 40 111 2222"})
            user.rb_create("customers", number=40102, name="Pirkanmaan Sähkö", company_vat="FI01120389",
                           address_city="Nokia")  # fmt: skip
            user.rb_create(
                "customers", number=40101, name="Uusi Leipomo Oy", address_city="Turku", address_country="FI"
            )
            user.rb_create("products", number="LV-100", name="Uusi Tuote", sales_price=15, group=1001)
            user.rb_create("suppliers", number=20010, name="Uusi Toimittaja Oy", company_vat="FI23456780",
                           address_country="FI")  # fmt: skip
        elif tick == 2:
            time.sleep(1.1)  # Rackbeat's clock has whole seconds: an edit a second after N3's write
            user.rb.update_customer(40101, {"address_city": "Naantali"})
            user.rb.update_product("LV-100", {"name": "Uusi Tuote, isompi"})

    def expect(self, snap: systems.Snapshot) -> list[str]:
        problems: list[str] = []
        made = netvisor_by_code(snap, "customers", "40101")
        check(problems, len(made) == 1 and made[0].get("city") == "Naantali",
               f"one Netvisor customer 40101, in Naantali (got {made})")  # fmt: skip
        card = snap["netvisor"]["customers"].get(self.made.get("card", ""), {})
        check(problems, (card.get("name"), card.get("city"), card.get("internalidentifier")) ==
               ("Pirkanmaan Sähkö", "Nokia", "7001"),
               f"the Netvisor card with the business ID overwritten with Rackbeat's data, its code kept (got {card})")  # fmt: skip
        check(problems, netvisor_by_code(snap, "customers", "40102") == [],
               "no second Netvisor customer for the Rackbeat customer linked by business ID")  # fmt: skip
        product = netvisor_by_code(snap, "products", "LV-100")
        check(
            problems,
            [p.get("name") for p in product] == ["Uusi Tuote, isompi"],
            f"product LV-100 renamed ({product})",
        )
        vendor = netvisor_by_code(snap, "vendors", "20010")
        check(
            problems,
            [v.get("organizationid") for v in vendor] == ["2345678-0"],
            f"vendor 20010 added ({vendor})",
        )
        phone = snap["netvisor"]["customers"]["101"].get("phonenumber")
        check(problems, phone == "+358 40 111 2222", f"the Netvisor user's phone edit stands (got {phone})")
        return problems


def run_netvisor_scenario(sandbox: SandboxProcess, tmp: Path, scenario: Scenario, *, faults: bool) -> sc.Outcome:
    """The run, faults (when on) on the hub's calls to Netvisor and Rackbeat."""
    sandbox.control("POST", "rackbeat/limits", json={"per_minute": 100_000, "burst": 1000})
    for customer in RACKBEAT_CUSTOMERS:  # the Rackbeat side of the N2 cases, there before the hub
        sandbox.control("POST", "rackbeat/customers", json=customer)
    hub = NetvisorHub(sandbox, tmp, Settings.model_validate(SETTINGS))
    return sc.run(sandbox, hub, scenario, start=[("initial sync", hub.initial_sync)], faulted=FAULTED, faults=faults,
                  watched=WATCHED)  # fmt: skip


def rules(*, faults: bool) -> systems.Rules:
    return systems.Rules(stock_master=None, two_way=frozenset(), faults=faults)


def end_state(snap: systems.Snapshot) -> dict[str, Any]:
    """Both systems by code or number (keys and ids are handed out in arrival order), without change times."""
    volatile = {"netvisorkey", "id", "changed_at", "created_at", "updated_at"}  # ids: in arrival order
    codes = {"customers": "internalidentifier", "vendors": "code", "products": "productcode"}
    out: dict[str, Any] = {
        f"netvisor.{register}": sorted(
            (str(r.get(code)), sorted((k, str(v)) for k, v in r.items() if k not in volatile))
            for r in snap["netvisor"][register].values()
        )
        for register, code in codes.items()
    }
    for register in ("customers", "suppliers", "products"):
        out[f"rackbeat.{register}"] = sorted(
            (
                key,
                sorted(
                    (k, str(v)) for k, v in r.items() if k not in volatile and not k.startswith("metadata")
                ),
            )
            for key, r in snap["rackbeat"][register].items()
        )
    return out


def test_n1_n2_n3_change_only_what_they_own_across_user_actions_in_rackbeat_and_netvisor(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    scenario = NetvisorUsers()
    outcome = run_netvisor_scenario(sandbox, tmp_path, scenario, faults=False)
    sc.assert_changes_only_owned(
        "Netvisor collateral", outcome, rules(faults=False), scenario, more_than=9, systems_changed={"rackbeat", "netvisor"}
    )


def test_n1_n2_n3_with_ten_percent_faults_on_netvisor_and_rackbeat_end_in_the_fault_free_state(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """Failed records retry on later ticks; nothing is made twice (one Netvisor record per code)."""
    clean, faulty, scenario = sc.clean_then_faulty(sandbox, tmp_path, run_netvisor_scenario, NetvisorUsers)
    sc.assert_settles_as_clean(
        "Netvisor collateral with 10 % faults", clean, faulty, rules(faults=True), scenario, end_state
    )
