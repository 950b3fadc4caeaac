"""L2's rules that need no sandbox: once exported never sent again, the 24SO target's look-up and
its refusal to update, the settings' checks, and the Dagster definitions the settings give.

The target is exercised against a recording stand-in for the 24SO client's `call` (what 24SO
answers to GetInvoices and SaveInvoices); the e2e and crash tests run it against the sandbox.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest
from pydantic import ValidationError

from so24_pipelines.connectors.errors import RecordRejected
from so24_pipelines.definitions import build_definitions
from so24_pipelines.defs.lnb.orders import ASSET, JOB, SCHEDULE, build_lnb_orders_definitions, orders_options
from so24_pipelines.defs.lnb.resources import lnb_resource
from so24_pipelines.flows.lnb.orders_exported import Export, not_applied
from so24_pipelines.flows.lnb.orders_target import So24OrderTarget
from so24_pipelines.settings import Settings
from so24_pipelines.sync import Found, MappedRecord, Plan, PlannedItem

# ---- once exported, never sent again --------------------------------------------------------


def planned(*items: tuple[str, MappedRecord]) -> Plan:
    return Plan("L2", "so24", "orders", "lnb", False, tuple(PlannedItem(a, r) for a, r in items))


def test_an_exported_order_changed_in_lnb_is_reported_not_sent() -> None:
    changed = MappedRecord("LNB-1", {"CustomerId": 1}, "LNB-1@1")
    same = MappedRecord("LNB-2", {"CustomerId": 1}, "LNB-2@1")
    new = MappedRecord("LNB-3", {"CustomerId": 1}, "LNB-3@1")
    gone = MappedRecord(
        "LNB-4", skip_reason="order LNB-4: the retailer Butikk 4 AS has no customer reference"
    )
    exported = {"LNB-1": Export("100041", "2026-05-01 08:13:00"), "LNB-2": Export("100042", None),
                "LNB-4": Export("100043", "2026-05-02 09:00:00")}  # fmt: skip
    plan = planned(("update", changed), ("unchanged", same), ("create", new), ("skip", gone))

    out = {r.source_key: r for r in not_applied([changed, same, new, gone], plan, exported)}

    assert out["LNB-1"].payload == {} and out["LNB-1"].skip_reason == (
        "order LNB-1: exported on 2026-05-01 08:13:00 UTC as 24SO order 100041; LNB edits are not applied "
        "(changes after the export are made in 24SO)"
    )
    assert out["LNB-2"] is same and out["LNB-3"] is new
    assert out["LNB-4"].skip_reason == (
        "order LNB-4: exported on 2026-05-02 09:00:00 UTC as 24SO order 100043; not sent again "
        "(in LNB now: the retailer Butikk 4 AS has no customer reference)"
    )


# ---- the 24SO target --------------------------------------------------------------------------


class Recording24SO:
    """The So24Client's `call` as the target uses it: GetInvoices answers `orders`, SaveInvoices saves."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, service: str, operation: str, **args: Any) -> Any:
        self.calls.append((operation, args))
        if operation == "GetInvoices":
            customers = args["searchParams"]["CustomerIds"]["int"]
            return [o for o in self.orders if o["CustomerId"] in customers]
        saved = {**args["invoices"]["InvoiceOrder"][0], "OrderId": 100 + len(self.orders)}
        self.orders.append(saved)
        return [saved]


def record(reference: str, customer: int) -> MappedRecord:
    return MappedRecord(
        reference, {"CustomerId": customer, "ReferenceNumber": reference}, f"{reference}@{customer}"
    )


def test_create_links_an_order_24so_already_has_under_the_reference_instead_of_making_another() -> None:
    so24 = Recording24SO([
        {"OrderId": 7, "CustomerId": 10002, "ReferenceNumber": "LNB-1"},
        {"OrderId": 5, "CustomerId": 10002, "ReferenceNumber": "LNB-1"},
        {"OrderId": 9, "CustomerId": 10003, "ReferenceNumber": "LNB-2"},
    ])  # fmt: skip
    target = So24OrderTarget(so24)  # type: ignore[arg-type]

    answer = target.create(record("LNB-1", 10002))

    assert isinstance(answer, Found) and answer.target_key == "5", "the lowest of two: both exist already"
    assert "already carries LNB reference LNB-1" in answer.how
    assert [op for op, _ in so24.calls] == ["GetInvoices"]
    assert target.create(record("LNB-2", 10002)) == "103", "another customer's order is not this one"
    assert [op for op, _ in so24.calls] == ["GetInvoices", "SaveInvoices"]
    assert so24.calls[-1][1]["idempotent"] is False, "a create is never repeated blindly by the client"


def test_a_customer_s_orders_are_read_once_a_run_and_what_the_run_creates_is_found_again() -> None:
    so24 = Recording24SO([{"OrderId": 9, "CustomerId": 10003, "ReferenceNumber": "LNB-9"}])
    target = So24OrderTarget(so24)  # type: ignore[arg-type]

    made = [target.create(record(f"LNB-{n}", 10002)) for n in (1, 2, 3)]
    again = target.create(record("LNB-2", 10002))

    assert made == ["101", "102", "103"]
    assert isinstance(again, Found) and again.target_key == "102"
    assert [op for op, _ in so24.calls] == ["GetInvoices", "SaveInvoices", "SaveInvoices", "SaveInvoices"]
    fresh = So24OrderTarget(so24)  # type: ignore[arg-type]  # the next run reads 24SO again
    assert fresh.find_by_business_key("LNB-3@10002") == "103"
    assert [op for op, _ in so24.calls][-1] == "GetInvoices"


def test_update_only_links_an_order_the_look_up_found_and_otherwise_refuses() -> None:
    so24 = Recording24SO([{"OrderId": 5, "CustomerId": 10002, "ReferenceNumber": "LNB-1"}])
    target = So24OrderTarget(so24)  # type: ignore[arg-type]

    with pytest.raises(
        RecordRejected, match="exported to 24SO as order 5 already; LNB edits are not applied"
    ):
        target.update("5", record("LNB-1", 10002))
    assert target.find_by_business_key("LNB-1@10002") == "5"
    target.update("5", record("LNB-1", 10002))  # the loader's resolve after a lost answer: a link
    assert [op for op, _ in so24.calls] == ["GetInvoices"], "nothing is ever saved by an update"
    assert target.find_by_business_key("LNB-1") is None and target.find_by_business_key("LNB-1@x") is None


# ---- settings and definitions -------------------------------------------------------------------


def settings(lnb: bool = True, l1: dict[str, Any] | None = None, **l2: Any) -> Settings:
    return Settings.model_validate({"lnb": {"enabled": lnb}, "flows": {"L1": l1 or {}, "L2": l2}})


def test_the_acknowledgement_status_must_leave_the_exported_statuses() -> None:
    with pytest.raises(ValidationError, match="acknowledge_status 'confirmed' is one of statuses"):
        settings(statuses=["confirmed", "invoicing"], acknowledge_status="confirmed")
    assert settings(acknowledge_status=None).flows.L2.acknowledge_status is None


def test_lines_follow_l1s_key_unless_l2_names_its_own() -> None:
    assert orders_options(settings()).product_key == "ean13"
    assert orders_options(settings(l1={"key": "sku"})).product_key == "sku"
    assert orders_options(settings(l1={"key": "sku"}, product_key="ean13")).product_key == "ean13"


def merged(chosen: Settings) -> dg.Definitions:
    defs = build_definitions(chosen)
    if not any(dg.AssetKey(ASSET) in a.keys for a in defs.assets or []):  # until the lead wires LNB in
        defs = dg.Definitions.merge(
            defs,
            build_lnb_orders_definitions(chosen),
            dg.Definitions(resources={"lnb": lnb_resource(chosen)}),
        )
    dg.Definitions.validate_loadable(defs)
    return defs


def test_with_lnb_connected_l2_runs_every_15_minutes_and_on_demand() -> None:
    defs = merged(settings())
    job = defs.resolve_job_def(JOB)
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {ASSET}
    assert (
        dg.AssetCheckKey(dg.AssetKey(ASSET), "no_failed_records")
        in job.asset_layer.asset_graph.asset_check_keys
    )
    schedule = defs.resolve_schedule_def(SCHEDULE)
    assert (schedule.job_name, schedule.cron_schedule) == (JOB, "*/15 * * * *")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(ASSET))
    assert spec.group_name == "lnb" and spec.tags["so24/flow"] == "L2"
    assert {d.asset_key.to_user_string() for d in spec.deps} == {"so24_companies", "so24_products"}
    assert "ReferenceNumber" in spec.metadata["mapping"].value
    assert "then moved to closed in LNB" in (spec.description or "")


def test_the_schedule_stays_stopped_unless_lnb_and_l2_are_on_and_follows_the_cadence() -> None:
    for off in (settings(lnb=False), settings(enabled=False)):
        defs = merged(off)
        assert defs.resolve_schedule_def(SCHEDULE).default_status == dg.DefaultScheduleStatus.STOPPED
        spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(ASSET))
        assert "Switched off (flows.L2.enabled: false)" in (spec.description or "")
    assert merged(settings(cadence_minutes=5)).resolve_schedule_def(SCHEDULE).cron_schedule == "*/5 * * * *"
