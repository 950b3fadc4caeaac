"""Field ownership and match before create for the Rackbeat entity flows (R1, R2, R3, R7).

Every test diffs the WHOLE systems before and after: every 24SO company and product (sandbox
control dumps) and every Rackbeat customer, supplier and product (with custom-field values). A
flow may change only the records it creates or links, and in those only the fields its mapping
spec maps (its owned fields), the hub's link field and the record's change time.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from so24_pipelines.flows.rackbeat.entities_webhooks import register_created_webhooks
from so24_pipelines.mapping import load_spec
from so24_pipelines_tests.e2e import rackbeat_entities_harness as h
from so24_pipelines_tests.sandbox_process import SandboxProcess, free_port

pytestmark = pytest.mark.safety

RACKBEAT_DIRECTION = {"R1": {"products": "24so"}, "R2": {"customers": "rackbeat", "suppliers": "24so"}}
# What Rackbeat derives from an owned field when it renders a record (not a field the hub sends).
RENDERED_FROM = {
    "name": {"company_name"},
    "group": {"group_id", "is_sellable", "inventory_enabled"},
    "sales_price": {"recommended_sales_price"},
    "recommended_cost_price": {"cost_price"},
}
LINK = {"field_values", "metadata", "updated_at"}


@pytest.fixture
def env(sandbox: SandboxProcess, tmp_path: Path) -> dict[str, Any]:
    h.open_budget(sandbox)
    return {"db": tmp_path / "staging.duckdb", "inbox": tmp_path / "inbox.sqlite", "instance": dg.DagsterInstance.ephemeral()}


def _defs(sandbox: SandboxProcess, env: dict[str, Any], **flows: dict[str, Any]) -> dg.Definitions:
    return h.definitions(h.entity_settings(**flows), h.resources(sandbox, env["db"], env["inbox"]))


def _run(defs: dg.Definitions, job: str, env: dict[str, Any], **tags: str) -> dg.ExecuteInProcessResult:
    result = h.run_job(defs, job, env["instance"], tags=tags or None)
    assert result.success, h.step_failures(result)
    return result


def _owned(spec: str) -> set[str]:
    """The Rackbeat fields a to_rackbeat spec owns, as Rackbeat renders them."""
    top = {path.split(".")[0] for path in load_spec(spec).owned_fields}
    return top | {derived for field in top for derived in RENDERED_FROM.get(field, set())}


def _both(sandbox: SandboxProcess) -> tuple[dict, dict]:
    return h.so24_dump(sandbox), h.rackbeat_dump(sandbox)


def test_r2_rackbeat_direction_creates_the_one_new_customer_and_rewrites_no_other_company(sandbox, env):
    """The issue: one new Rackbeat customer made r2_customers_to_so24 rewrite every 24SO customer."""
    h.delete_seeded_parties(h.rackbeat(sandbox))  # so the only customer Rackbeat alone has is the new one
    defs = _defs(sandbox, env, **RACKBEAT_DIRECTION)
    _run(defs, "rackbeat_initial_sync", env, **{"so24/flow": "R3"})
    so24_before, rb_before = _both(sandbox)
    assert any(a.get("PostalArea") for c in so24_before["companies"].values() for a in c.get("Addresses", {}).values())

    made = sandbox.control("POST", "rackbeat/customers", json={"name": "Havbris Sjømat AS", "address_city": "Ålesund"})
    number = str(made.json()["customer"]["number"])
    first = _run(defs, "rackbeat_entities_sync", env)
    customers = h.metadata(first)["r2_customers_to_so24"]
    assert (customers["created"], customers["updated"], customers["failed"]) == (1, 0, 0), customers
    assert customers["linked"] == len(rb_before["customers"])  # found linked by the initial sync: nothing written

    so24_after, rb_after = _both(sandbox)
    diff = h.system_changes(so24_before, so24_after)
    [new_id] = [key for key, fields in diff.get("companies", {}).items() if fields == {"<added>"}]
    assert diff == {"companies": {new_id: {"<added>"}}}  # no other 24SO company changed in any field
    company = so24_after["companies"][new_id]
    assert (company["Name"], company["Type"], company["ExternalId"]) == ("Havbris Sjømat AS", "Business", number)
    for key, old in so24_before["companies"].items():  # said twice because it is what broke
        assert so24_after["companies"][key].get("Addresses") == old.get("Addresses")
        assert so24_after["companies"][key].get("ExternalId") == old.get("ExternalId")
    rb_diff = h.system_changes(rb_before, rb_after)
    assert rb_diff == {"customers": {number: {"<added>"}}}, rb_diff
    assert h.field_value(rb_after["customers"][number], "24so customer id") == new_id

    again = _run(defs, "rackbeat_entities_sync", env)
    assert set(h.writes(again).values()) == {0}, h.writes(again)
    assert _both(sandbox) == (so24_after, rb_after)

    # A change made in Rackbeat now reaches 24SO in the owned fields only; what 24SO alone holds stays.
    edited = next(c for n, c in sorted(rb_after["customers"].items()) if n != number)
    so24_id = h.field_value(edited, "24so customer id")
    h.rackbeat(sandbox).update_customer(int(edited["number"]), {"name": "Omdøpt i Rackbeat AS", "address_city": "Molde"})
    changed = _run(defs, "rackbeat_entities_sync", env)
    assert h.writes(changed)["r2_customers_to_so24"] == 1
    diff = h.system_changes(so24_after, h.so24_dump(sandbox))
    assert diff == {"companies": {so24_id: {"Name", "Addresses", "DateChanged"}}}, diff
    old, new = so24_after["companies"][so24_id], h.so24_dump(sandbox)["companies"][so24_id]
    assert new["Name"] == "Omdøpt i Rackbeat AS" and (new["Type"], new.get("ExternalId")) == (old["Type"], old.get("ExternalId"))
    for entry, address in old["Addresses"].items():
        expected = {**address, "City": "Molde"} if entry in ("Post", "Invoice") else address
        assert new["Addresses"][entry] == expected  # PostalArea, Name and the delivery address kept


def test_an_edit_made_in_rackbeat_before_the_switch_still_reaches_24so_and_nothing_else_does(sandbox, env):
    """Linking writes nothing, except what the pair memory knows changed since the hub wrote it."""
    rb = h.rackbeat(sandbox)
    h.delete_seeded_parties(rb)
    _run(_defs(sandbox, env), "rackbeat_initial_sync", env, **{"so24/flow": "R3"})  # direction 24so then
    linked = list(rb.iter_customers(with_field_values=True))
    edited = min(linked, key=lambda c: int(c["number"]))
    so24_id = h.field_value(edited, "24so customer id")
    # Rackbeat's updated_at has whole seconds: an edit in the second of the hub's own write carries
    # the write's time and is taken for its echo (a documented limit); a user edits later than that.
    time.sleep(1.1)
    rb.update_customer(int(edited["number"]), {"name": "Omdøpt før byttet AS"})
    so24_before = h.so24_dump(sandbox)

    result = _run(_defs(sandbox, env, **RACKBEAT_DIRECTION), "rackbeat_entities_sync", env)
    diff = h.system_changes(so24_before, h.so24_dump(sandbox))
    assert diff == {"companies": {so24_id: {"Name", "DateChanged"}}}, diff
    customers = h.metadata(result)["r2_customers_to_so24"]
    # every Rackbeat customer was found already linked (resolved): one adopted (its edit written), the rest left as they are
    found = (customers["created"], customers["resolved"], customers.get("adopted"), customers.get("linked"))
    assert found == (0, len(linked), 1, len(linked) - 1), customers


def test_initial_sync_links_what_rackbeat_has_by_number_without_twins_or_foreign_writes(sandbox, env):
    """R3 with records already in Rackbeat: a product by number, a customer and a supplier by the number
    24SO keeps in ExternalId (names differ: they were renamed in Rackbeat)."""
    customer_id, supplier_id = 10003, 10008
    sandbox.control("PATCH", f"24so/companies/{customer_id}", json={"ExternalId": "10500"})
    sandbox.control("PATCH", f"24so/companies/{supplier_id}", json={"ExternalId": "20500"})
    rb = h.rackbeat(sandbox)
    sandbox.control("POST", "rackbeat/customers", json={
        "number": 10500, "name": "Kunde omdøpt i Rackbeat", "ean": "5790000000001", "their_reference": "Kari",
        "attention": "Innkjøp", "locale": "en", "currency": "EUR", "address_street2": "Bakgården",
    })  # fmt: skip
    sandbox.control("POST", "rackbeat/suppliers", json={
        "number": 20500, "name": "Leverandør omdøpt i Rackbeat", "currency": "SEK", "locale": "sv",
    })  # fmt: skip
    sandbox.control("POST", "rackbeat/products", json={
        "number": "P-001007", "name": "Made by hand", "group": 1001, "sales_price": 1,
        "min_inventory_quantity": 5, "supplier_product_number": "LEV-77", "physical": {"height": 12},
    })  # fmt: skip
    so24_before, rb_before = _both(sandbox)

    result = _run(_defs(sandbox, env), "rackbeat_initial_sync", env, **{"so24/flow": "R3"})
    so24_after, rb_after = _both(sandbox)
    assert h.system_changes(so24_before, so24_after) == {}  # R3 never writes to 24SO

    customers, suppliers, products = (rb_after[t] for t in ("customers", "suppliers", "products"))
    holders = {t: [n for n, r in rb_after[t].items() if h.field_value(r, f"24so {t[:-1]} id") == str(i)]
               for t, i in (("customers", customer_id), ("suppliers", supplier_id), ("products", 1007))}  # fmt: skip
    assert holders == {"customers": ["10500"], "suppliers": ["20500"], "products": ["P-001007"]}  # linked, no twin
    so24_customers = [c for c in so24_after["companies"].values() if c["Type"] in ("Business", "Consumer")]
    assert len(customers) == len(rb_before["customers"]) + len(so24_customers) - 1
    assert h.metadata(result)["r2_customers_to_rackbeat"]["created"] == len(so24_customers) - 1

    owned = {"customers": _owned("rackbeat_customers_to_rackbeat"), "suppliers": _owned("rackbeat_suppliers_to_rackbeat"),
             "products": _owned("rackbeat_products_to_rackbeat")}  # fmt: skip
    for table, diff in h.system_changes(rb_before, rb_after).items():
        for key, fields in diff.items():
            if fields == {"<added>"}:
                continue
            assert key in (holders[table][0],), f"{table} {key} changed but was not linked: {fields}"
            assert fields <= owned[table] | LINK, f"{table} {key}: {sorted(fields - owned[table] - LINK)} not owned"
    linked = customers["10500"]
    assert linked["name"] == so24_after["companies"][str(customer_id)]["Name"]  # owned: 24SO's value
    kept = {k: rb_before["customers"]["10500"][k] for k in ("ean", "their_reference", "attention", "locale", "currency",
                                                           "address_street2", "payment_terms_id", "customer_group_id")}  # fmt: skip
    assert {k: linked[k] for k in kept} == kept
    assert (suppliers["20500"]["currency"], suppliers["20500"]["locale"]) == ("SEK", "sv")
    product = products["P-001007"]
    assert (product["min_inventory_quantity"], product["supplier_product_number"], product["physical"]["height"]) == (5, "LEV-77", 12)
    assert rb.get_product("P-001007")["name"] == so24_after["products"]["1007"]["Name"]

    again = _run(_defs(sandbox, env), "rackbeat_initial_sync", env, **{"so24/flow": "R3"})
    assert set(h.writes(again).values()) == {0}, h.writes(again)


def test_an_ambiguous_match_is_held_with_a_reason(sandbox, env):
    """Two candidates for one record: nothing is linked, created or written; the reason names both."""
    rb = h.rackbeat(sandbox)
    # 24SO -> Rackbeat (R3): two unlinked Rackbeat customers carry the name of 24SO customer 10002.
    name = h.so24_company(sandbox, 10002)["Name"]
    twins = [sandbox.control("POST", "rackbeat/customers", json={"name": name}).json()["customer"]["number"] for _ in range(2)]
    # Rackbeat -> 24SO (R1 direction rackbeat): 24SO has two products numbered like a new Rackbeat product.
    for product_id in (1012, 1013):
        sandbox.control("PATCH", f"24so/products/{product_id}", json={"No": "DUP-1"})
    category = sandbox.control("GET", "24so/products/1012").json()["CategoryId"]
    rb.create_product_group({"number": category, "name": "Fra 24SO"})
    sandbox.control("POST", "rackbeat/products", json={"number": "DUP-1", "name": "Dobbel", "group": category, "sales_price": 10})
    so24_before, rb_before = _both(sandbox)

    r3 = h.run_job(_defs(sandbox, env, R3={"entities": ["customers"]}), "rackbeat_initial_sync", env["instance"], tags={"so24/flow": "R3"})
    assert "r2_customers_to_rackbeat" in h.metadata(r3), h.step_failures(r3)
    reason = h.failure_reasons(env["db"], "R2.customers.to_rackbeat")["10002"]
    assert all(str(n) in reason for n in twins) and name in reason, reason
    after = h.rackbeat_dump(sandbox)
    assert all(not h.field_value(after["customers"][str(n)], "24so customer id") for n in twins)
    assert [n for n, c in after["customers"].items() if c["name"] == name] == [str(n) for n in twins]  # no third
    assert not any(h.field_value(c, "24so customer id") == "10002" for c in after["customers"].values())

    so24_mid, rb_mid = _both(sandbox)
    r1 = h.run_job(_defs(sandbox, env, R1={"products": "rackbeat"}), "rackbeat_entities_sync", env["instance"])
    assert "r1_products_to_so24" in h.metadata(r1), h.step_failures(r1)
    reason = h.failure_reasons(env["db"], "R1.products.to_so24")["DUP-1"]
    assert "1012" in reason and "1013" in reason, reason
    assert h.system_changes(so24_mid, h.so24_dump(sandbox)) == {}
    assert h.system_changes(rb_mid, h.rackbeat_dump(sandbox)).get("products") is None
    assert so24_before["products"] == so24_mid["products"]

    # Held, not forgotten: the next tick tries again and holds it again, still writing nothing.
    again = h.run_job(_defs(sandbox, env, R1={"products": "rackbeat"}), "rackbeat_entities_sync", env["instance"])
    assert h.metadata(again)["r1_products_to_so24"]["failed"] == 1
    assert h.system_changes(so24_mid, h.so24_dump(sandbox)) == {}
    assert rb_before["products"]["DUP-1"] == h.rackbeat_dump(sandbox)["products"]["DUP-1"]


def test_the_hubs_own_writes_coming_back_write_nothing(sandbox, env):
    """R3 writes Rackbeat; its created events (webhook) and the next polls bring those writes back."""
    rb = h.rackbeat(sandbox)
    h.delete_seeded_parties(rb)  # every customer and supplier left is one the hub writes
    defs = _defs(sandbox, env, **RACKBEAT_DIRECTION)
    port = free_port()
    token = register_created_webhooks(rb, h.hook_url(port), ["customer.created"])["customer.created"]
    with h.receiver(env["inbox"], token, port):
        _run(defs, "rackbeat_initial_sync", env, **{"so24/flow": "R3"})
        created = len(list(rb.iter_customers()))
        h.wait_for_events(env["inbox"], "customer.created", created)
    so24_before, rb_before = _both(sandbox)

    sensor = next(s for s in defs.sensors if s.name == "rackbeat_created_events")
    inbox = h.resources(sandbox, env["db"], env["inbox"])["inbox"]
    with dg.build_sensor_context(instance=env["instance"], resources={"inbox": inbox}) as context:
        requests = sensor(context)
    assert len(requests) == created
    for request in (requests[0], requests[-1]):  # each run reads every Rackbeat customer
        result = _run(defs, "rackbeat_created_to_so24", env, **request.tags)
        assert set(h.writes(result).values()) == {0}, h.writes(result)
    poll = _run(defs, "rackbeat_entities_sync", env)
    assert set(h.writes(poll).values()) == {0}, h.writes(poll)
    assert h.system_changes(so24_before, h.so24_dump(sandbox)) == {}
    assert h.system_changes(rb_before, h.rackbeat_dump(sandbox)) == {}

    both = _defs(sandbox, env, R1={"products": "both"}, R2={"customers": "both", "suppliers": "both"})
    result = _run(both, "rackbeat_entities_sync", env)
    assert set(h.writes(result).values()) == {0}, h.writes(result)
    assert h.system_changes(so24_before, h.so24_dump(sandbox)) == {}
    assert h.system_changes(rb_before, h.rackbeat_dump(sandbox)) == {}
