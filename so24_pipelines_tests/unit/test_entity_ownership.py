"""Field ownership and match before create, piece by piece (the whole-system proof is
safety/test_entity_ownership.py): the spec's owned and create-only fields, the 24SO company
read-modify-write, the sandbox's entry modes, and the Rackbeat/24SO targets' matching rules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from so24_pipelines.connectors.errors import RecordRejected, So24Refused
from so24_pipelines.connectors.so24 import writes
from so24_pipelines.flows.rackbeat import entities_flow as ef
from so24_pipelines.flows.rackbeat.entities_pairs import Baseline, Side, changed_since
from so24_pipelines.flows.rackbeat.entities_targets_rackbeat import (
    RackbeatParties,
    WriteLog,
    _PartyIndex,
    without,
)
from so24_pipelines.flows.rackbeat.entities_targets_so24 import So24Companies, So24Invoices, So24Products
from so24_pipelines.flows.result import FlowRun
from so24_pipelines.mapping import SpecError, load_spec, parse_spec, spec_markdown
from so24_pipelines.staging.db import connect
from so24_pipelines.sync import Found, LoadReport, MappedRecord
from so24_pipelines.sync.loader import load
from so24_pipelines.sync.records import key_of
from so24_sandbox.so24.credentials import DEFAULT_IDENTITY
from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.operations import companies as sandbox_companies

FIELD = 7  # the hub's custom field id in these stubs
T0 = datetime(2025, 3, 1, 12, 0)


# ---- the spec: owned and create-only fields -----------------------------------------------------


def _spec(fields: list[dict[str, Any]]) -> Any:
    return parse_spec({"flow": "R2", "source": {"table": "staging.t", "key": "id"}, "fields": fields}, "t")


def test_the_fields_a_spec_maps_are_the_fields_it_owns_and_create_only_ones_are_named() -> None:
    spec = _spec([
        {"to": "Type", "const": "Business", "create_only": True},
        {"to": "Name", "from": "name"},
        {"to": "Addresses.Post.City", "from": "city"},
        {"to": "currency", "from": "currency", "not_sent": "Rackbeat keeps its own"},
    ])  # fmt: skip
    assert spec.owned_fields == ("Type", "Name", "Addresses.Post.City")
    assert spec.create_only_fields == ("Type",)
    assert "| Type | 'Business' |  | create only |" in spec_markdown(spec)


def test_create_only_must_be_a_flag_and_cannot_go_with_not_sent() -> None:
    with pytest.raises(SpecError, match="create_only: must be true or false"):
        _spec([{"to": "Type", "const": "B", "create_only": "yes"}])
    with pytest.raises(SpecError, match="not sent cannot be create_only"):
        _spec([{"to": "Type", "from": "t", "not_sent": "x", "create_only": True}])


def test_the_shipped_company_specs_send_type_and_the_hubs_marker_only_on_create() -> None:
    for name in ("rackbeat_customers_to_so24", "rackbeat_suppliers_to_so24"):
        spec = load_spec(name)
        assert spec.create_only_fields == ("Type", "ExternalId")
        assert "Addresses.Post.PostalArea" not in spec.owned_fields  # so 24SO's PostalArea is never touched
    assert load_spec("rackbeat_products_to_so24").create_only_fields == ()


def test_without_drops_dotted_paths_and_empty_parents_and_leaves_the_payload_alone() -> None:
    payload = {"Type": "B", "Name": "N", "Addresses": {"Post": {"City": "Oslo"}}, "X": {"a": 1, "b": 2}}
    assert without(payload, ["Type", "Addresses.Post.City", "X.a", "Missing.path"]) == {"Name": "N", "X": {"b": 2}}
    assert payload["Addresses"] == {"Post": {"City": "Oslo"}} and payload["Type"] == "B"


# ---- 24SO company updates: read-modify-write ----------------------------------------------------


class StubSo24:
    """Answers GetCompanies/GetProducts from a table and echoes saves; records every call."""

    def __init__(self, companies: dict[int, dict[str, Any]] | None = None, products: dict[int, dict[str, Any]] | None = None) -> None:
        self.companies = companies or {}
        self.products = products or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, service: str, operation: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        self.calls.append((operation, kwargs))
        if operation in ("GetCompanies", "GetProducts"):
            table = self.companies if operation == "GetCompanies" else self.products
            search = kwargs["searchParams"]
            wanted = search.get("CompanyId", search.get("Id"))
            out = [dict(r) for r in table.values() if wanted is None or r["Id"] == wanted]
            for key in ("ExternalId", "No"):
                if key in search:
                    out = [r for r in out if r.get(key) == search[key]]
            if "CompanyName" in search:
                out = [r for r in out if search["CompanyName"].lower() in r.get("Name", "").lower()]
            return out
        item = next(iter(kwargs.values()))
        item = next(iter(item.values()))[0]
        return [{**item, "Id": item.get("Id", 99), "DateChanged": T0}]

    def saves(self) -> list[dict[str, Any]]:
        return [next(iter(next(iter(k.values())).values()))[0] for op, k in self.calls if op.startswith("Save")]


ADDRESSES = {
    "Post": {"Street": "Gata 1", "PostalCode": "0150", "PostalArea": "Oslo", "City": "Oslo", "Country": "NO"},
    "Delivery": {"Street": "Lager 2", "PostalCode": "0580", "PostalArea": "Oslo", "City": "Oslo", "Country": "NO"},
    "Visit": {"Street": None, "PostalCode": None, "PostalArea": None, "City": None, "Country": None},  # zeep's nil entry
}


def test_an_update_with_addresses_is_merged_into_the_company_as_read_so_postal_area_stays() -> None:
    client = StubSo24({8: {"Id": 8, "Addresses": ADDRESSES, "EmailAddresses": {"Invoice": {"Value": "a@b", "Name": "Faktura"}}}})
    owned = {"Id": 8, "Name": "Ny", "Addresses": {"Post": {"Street": "Ny gate 3", "City": "Oslo"},
                                                  "Invoice": {"Street": "Ny gate 3"}},
             "EmailAddresses": {"Invoice": {"Value": "ny@b"}}}  # fmt: skip
    writes.save_company(client, owned, idempotent=True)
    [(read_op, read), (_, _)] = client.calls
    assert read_op == "GetCompanies" and read["returnProperties"] == {"string": ["Id", "Addresses", "EmailAddresses"]}
    [sent] = client.saves()
    assert sent["Name"] == "Ny" and "PhoneNumbers" not in sent
    assert sent["Addresses"] == {
        "Post": {**ADDRESSES["Post"], "Street": "Ny gate 3"},  # PostalArea kept
        "Delivery": ADDRESSES["Delivery"],  # an entry not owned goes back as it was
        "Invoice": {"Street": "Ny gate 3"},
    }
    assert sent["EmailAddresses"] == {"Invoice": {"Value": "ny@b", "Name": "Faktura"}}


def test_a_create_or_an_update_without_structures_is_not_read_first() -> None:
    client = StubSo24()
    writes.save_company(client, {"Name": "Ny", "Addresses": {"Post": {"City": "Bergen"}}}, idempotent=False)
    writes.save_company(client, {"Id": 8, "Name": "Ny"}, idempotent=True)
    assert [op for op, _ in client.calls] == ["SaveCompanies", "SaveCompanies"]


def test_an_update_of_a_company_24so_does_not_have_is_refused_before_saving() -> None:
    client = StubSo24()
    with pytest.raises(So24Refused, match="24SO has no company 8"):
        writes.save_company(client, {"Id": 8, "Addresses": {"Post": {"City": "Bergen"}}}, idempotent=True)
    assert [op for op, _ in client.calls] == ["GetCompanies"]


@pytest.mark.parametrize(
    ("mode", "post", "delivery"),
    [
        ("entry", {"Street": "Ny 3"}, ADDRESSES["Delivery"]),  # the sent entry as sent; PostalArea lost
        ("structure", {"Street": "Ny 3"}, None),  # the whole structure as sent
        ("field", {**ADDRESSES["Post"], "Street": "Ny 3"}, ADDRESSES["Delivery"]),
    ],
)
def test_the_sandbox_stores_sent_address_entries_as_its_setting_says(monkeypatch, mode, post, delivery) -> None:
    monkeypatch.setenv(sandbox_companies.ENTRIES_SETTING, mode)
    ds = DataSet(DEFAULT_IDENTITY)
    addresses = {k: v for k, v in ADDRESSES.items() if k != "Visit"}
    ds.companies[5] = {"Id": 5, "Name": "A", "Addresses": addresses}
    saved = sandbox_companies.save_company(ds, {"Id": 5, "Addresses": {"Post": {"Street": "Ny 3"}}}, T0)
    assert saved["Addresses"].get("Post") == post and saved["Addresses"].get("Delivery") == delivery
    assert ds.companies[5]["Addresses"] is saved["Addresses"] and addresses["Post"]["PostalArea"] == "Oslo"


def test_the_sandbox_refuses_an_unknown_entry_mode(monkeypatch) -> None:
    monkeypatch.setenv(sandbox_companies.ENTRIES_SETTING, "sometimes")
    with pytest.raises(ValueError, match="one of entry, structure, field"):
        sandbox_companies.entries_mode()


def test_the_hubs_merged_update_keeps_every_entry_whatever_the_sandbox_mode(monkeypatch) -> None:
    for mode in sandbox_companies.ENTRY_MODES:
        monkeypatch.setenv(sandbox_companies.ENTRIES_SETTING, mode)
        ds = DataSet(DEFAULT_IDENTITY)
        ds.companies[5] = {"Id": 5, "Name": "A", "Addresses": {k: v for k, v in ADDRESSES.items() if k != "Visit"}}
        client = StubSo24({5: ds.companies[5]})
        merged = writes.merged_company(client, {"Id": 5, "Addresses": {"Post": {"Street": "Ny 3"}}})
        saved = sandbox_companies.save_company(ds, merged, T0)
        assert saved["Addresses"] == {"Post": {**ADDRESSES["Post"], "Street": "Ny 3"}, "Delivery": ADDRESSES["Delivery"]}


# ---- match before create: Rackbeat parties ----------------------------------------------------


def _party(number: int, name: str, so24_id: str | None = None, vat: str | None = None) -> dict[str, Any]:
    values = [{"field_id": FIELD, "value": so24_id}] if so24_id else []
    return {"number": number, "name": name, "company_vat": vat, "field_values": values, "updated_at": "2025-03-01T12:00:00+00:00"}


def test_a_party_is_found_by_the_link_then_by_its_24so_external_number_then_by_its_one_namesake() -> None:
    index = _PartyIndex([_party(1, "A AS", "501"), _party(2, "Omdøpt"), _party(3, "C AS"), _party(4, "D AS", vat="NO 912 345 670")],
                        FIELD, "customers")  # fmt: skip
    assert index.claim("501", "A AS", "", None) == (1, "linked")
    assert index.claim("502", "Annet navn", "", "2") == (2, "number")
    assert index.claim("503", " c  as ", "", None) == (3, "name")
    assert index.claim("504", "D AS", "999999999", None) is None  # a namesake with another VAT number
    assert index.claim("505", "D AS", "912345670", None) == (4, "name")
    assert index.claim("506", "C AS", "", None) is None  # claimed above: never adopted twice


def test_two_candidates_are_held_naming_both_and_nothing_is_claimed() -> None:
    index = _PartyIndex([_party(1, "Twin"), _party(2, "twin"), _party(3, "X", "9"), _party(4, "Y", "9")], FIELD, "customers")
    with pytest.raises(RecordRejected, match=r"held: Rackbeat customers 1, 2 are all named 'Twin'.*24so customer id"):
        index.claim("501", "Twin", "", None)
    with pytest.raises(RecordRejected, match="held: Rackbeat customers 3, 4 all hold 24SO id 9"):
        index.claim("9", "X", "", None)
    assert sorted(index.unlinked) == [1, 2]
    index.unlinked[1]["company_vat"] = "NO912345670"
    assert index.claim("501", "Twin", "912345670", None) == (1, "name")  # the one with the same VAT number


def _key(number: Any) -> Any:
    return int(number) if str(number).isdigit() else str(number)


class StubRackbeat:
    """Customers with field values, a field lookup, and every write recorded."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records: dict[Any, dict[str, Any]] = {_key(r["number"]): r for r in records}
        self.writes: list[tuple[str, Any, Any]] = []

    def iter_customers(self, **_: Any) -> list[dict[str, Any]]:
        return list(self.records.values())

    def get_customer(self, number: int, **_: Any) -> dict[str, Any]:
        return self.records[number]

    def update_customer(self, number: int, body: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("update", number, body))
        return {**self.records[number], **body}

    def create_customer(self, body: dict[str, Any]) -> dict[str, Any]:
        self.writes.append(("create", None, body))
        return {"number": 900}

    def list_payment_terms(self) -> list[dict[str, Any]]:
        return [{"number": 1}]

    def set_field_value(self, resource: str, key: Any, field_id: int, value: Any) -> None:
        self.writes.append(("field", key, value))

    def get_field_values(self, resource: str, key: Any) -> dict[int, Any]:
        record = self.records.get(_key(key))
        return {v["field_id"]: v["value"] for v in (record or {}).get("field_values", [])}

    def find_by_field_value(self, resource: str, field_id: int, value: str) -> list[dict[str, Any]]:
        return [r for r in self.records.values() if any(v["value"] == value for v in r.get("field_values", []))]


def _record(key: str, payload: dict[str, Any]) -> MappedRecord:
    return MappedRecord(source_key=key, payload=payload, business_key=key)


def test_a_linked_rackbeat_party_is_linked_as_it_is_unless_24so_changed_since() -> None:
    rb = StubRackbeat([_party(10, "A AS", "501"), _party(11, "B AS", "502"), _party(12, "Omdøpt")])
    target = RackbeatParties(rb, "customers", FIELD, numbers={"503": "12"})  # type: ignore[arg-type]
    target.changed = frozenset({"502"})
    assert key_of(target.create(_record("501", {"name": "A AS"}))) == "10"
    assert key_of(target.create(_record("502", {"name": "B2 AS"}))) == "11"
    assert key_of(target.create(_record("503", {"name": "C AS"}))) == "12"
    assert rb.writes == [("update", 11, {"name": "B2 AS"}), ("update", 12, {"name": "C AS"}), ("field", 12, "503")]
    assert (target.linked, target.adopted) == ({"501"}, {"502", "503"})
    assert target.written["501"] == ("10", T0)


# ---- match before create: 24SO products and companies ---------------------------------------------


def test_a_24so_product_is_linked_by_its_number_and_never_written_when_found() -> None:
    so24 = StubSo24(products={1012: {"Id": 1012, "No": "P-1", "DateChanged": T0}})
    rb = StubRackbeat([{"number": "P-1", "field_values": []}])
    target = So24Products(so24, rb, FIELD)  # type: ignore[arg-type]
    assert key_of(target.create(_record("P-1", {"No": "P-1", "Name": "Fra Rackbeat"}))) == "1012"
    assert so24.saves() == [] and rb.writes == [("field", "P-1", "1012")]
    assert target.linked == {"P-1"} and target.written["P-1"] == ("1012", T0)


def test_two_24so_products_with_the_number_are_held_and_one_linked_elsewhere_is_no_candidate() -> None:
    products = {1012: {"Id": 1012, "No": "P-1"}, 1013: {"Id": 1013, "No": "P-1"}}
    rb = StubRackbeat([{"number": "P-1", "field_values": []}])
    with pytest.raises(RecordRejected, match=r"held: 24SO products 1012 and 1013 all match Rackbeat product P-1"):
        So24Products(StubSo24(products=products), rb, FIELD).create(_record("P-1", {"No": "P-1"}))  # type: ignore[arg-type]
    assert rb.writes == []
    rb.records["OTHER"] = {"number": "OTHER", "field_values": [{"field_id": FIELD, "value": "1013"}]}
    assert key_of(So24Products(StubSo24(products=products), rb, FIELD).create(_record("P-1", {"No": "P-1"}))) == "1012"  # type: ignore[arg-type]


def test_a_rackbeat_link_to_a_24so_record_that_is_gone_is_held() -> None:
    rb = StubRackbeat([{"number": 10, "field_values": [{"field_id": FIELD, "value": "777"}]}])
    target = So24Companies(StubSo24(), rb, "customers", FIELD, currency="NOK", language="NO")  # type: ignore[arg-type]
    with pytest.raises(RecordRejected, match="holds 24SO id 777 in '24so customer id', but 24SO has no customer 777"):
        target.create(_record("10", {"Name": "A"}))


def test_a_company_update_sends_only_owned_fields_without_type_and_marker() -> None:
    so24 = StubSo24({8: {"Id": 8, "Type": "Consumer", "ExternalId": "EXT-8", "Addresses": ADDRESSES}})
    rb = StubRackbeat([{"number": 10, "field_values": [{"field_id": FIELD, "value": "8"}]}])
    target = So24Companies(so24, rb, "customers", FIELD, currency="NOK", language="NO")  # type: ignore[arg-type]
    target.update("8", _record("10", {"Type": "Business", "ExternalId": "10", "Name": "A",
                                      "Addresses": {"Post": {"City": "Bergen"}}}))  # fmt: skip
    [sent] = so24.saves()
    assert set(sent) == {"Id", "Name", "Addresses"}
    assert sent["Addresses"]["Post"] == {**ADDRESSES["Post"], "City": "Bergen"}


def test_a_company_found_by_the_rackbeat_number_in_external_id_is_linked_or_held() -> None:
    companies = {5: {"Id": 5, "Type": "Business", "ExternalId": "10", "Name": "A"},
                 6: {"Id": 6, "Type": "Supplier", "ExternalId": "10", "Name": "S"}}  # fmt: skip
    rb = StubRackbeat([{"number": 10, "field_values": []}])
    target = So24Companies(StubSo24(companies), rb, "customers", FIELD, currency="NOK", language="NO")  # type: ignore[arg-type]
    assert key_of(target.create(_record("10", {"ExternalId": "10", "Name": "B"}))) == "5"  # the supplier is no candidate
    companies[7] = {"Id": 7, "Type": "Consumer", "ExternalId": "10", "Name": "C"}
    target = So24Companies(StubSo24(companies), rb, "customers", FIELD, currency="NOK", language="NO")  # type: ignore[arg-type]
    with pytest.raises(RecordRejected, match="24SO customers 5 and 7 all match"):
        target.create(_record("10", {"ExternalId": "10", "Name": "B"}))


def test_the_loaders_lookup_after_a_lost_create_links_what_it_finds() -> None:
    so24 = StubSo24(products={1012: {"Id": 1012, "No": "P-1", "DateChanged": T0}})
    rb = StubRackbeat([{"number": "P-1", "field_values": []}])
    target = So24Products(so24, rb, FIELD)  # type: ignore[arg-type]
    assert target.find_by_business_key("P-1") == "1012"
    target.update("1012", _record("P-1", {"No": "P-1", "Name": "X"}))
    assert so24.saves() == [] and rb.writes == [("field", "P-1", "1012")]


# ---- the flow: what changed since the pair agreed, and what the run reports ---------------------


def test_changed_since_knows_the_hubs_own_write_and_a_real_edit() -> None:
    assert not changed_since(Side("h", T0), Baseline(None, T0))  # our write, seen again
    assert changed_since(Side("h", datetime(2025, 3, 1, 12, 5)), Baseline(None, T0))  # edited after it
    assert not changed_since(Side("h", datetime(2025, 3, 1, 12, 5)), Baseline("h", T0))  # touched, same content


def test_creates_that_found_their_record_are_noted_as_linked_or_adopted() -> None:
    log = WriteLog()
    log.linked, log.adopted = {"a", "b"}, {"c"}
    run = FlowRun("R2", False, reports=(LoadReport(run_id="r", created=1, resolved=3),))
    noted = ef.note_links(run, log)
    assert noted.counts()["created"] == 1 and noted.counts()["resolved"] == 3
    assert noted.notes["linked"] == 2 and noted.notes["adopted"] == 1


def test_a_create_that_found_its_record_is_logged_resolved_with_how(tmp_path: Path) -> None:
    """The sync log says what happened: no "create" row for a record nobody created."""

    class FindsOne(WriteLog):
        system, entity = "rackbeat", "customers"

        def create(self, record: MappedRecord) -> str | Found:
            if record.source_key == "old":
                return self.note_link(record.source_key, "7", None)
            return "8"

        def update(self, target_key: str, record: MappedRecord) -> None:
            raise AssertionError("not called")

        def find_by_business_key(self, business_key: str) -> str | None:
            return None

    records = [MappedRecord("old", {"name": "A"}, business_key="old"), MappedRecord("new", {"name": "B"}, business_key="new")]
    _, report = load(tmp_path / "s.duckdb", "R2.customers.to_rackbeat", records, FindsOne(), run_id="r1")
    assert (report.created, report.resolved) == (1, 1)
    with connect(tmp_path / "s.duckdb") as con:
        log = dict(con.execute("SELECT source_key, action || ': ' || COALESCE(reason, '') FROM sync.sync_log").fetchall())
    assert log["new"] == "create: "
    assert log["old"].startswith("resolved: linked to rackbeat customers 7, found before creating")


class StubInvoices:
    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders
        self.calls: list[str] = []

    def call(self, service: str, operation: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        self.calls.append(operation)
        if operation == "GetInvoices":
            return [dict(o) for o in self.orders]
        return [{"OrderId": 700}]


def test_an_invoice_24so_already_has_for_the_customer_is_linked_not_made_twice() -> None:
    client = StubInvoices([{"OrderId": 600, "ReferenceNumber": "55"}])
    target = So24Invoices(client)  # type: ignore[arg-type]
    record = MappedRecord(source_key="55", payload={"CustomerId": 8, "ReferenceNumber": "55"}, business_key="55@8")
    assert key_of(target.create(record)) == "600" and target.linked == {"55"}
    assert client.calls == ["GetInvoices"]
    assert key_of(target.create(MappedRecord(source_key="56", payload={"CustomerId": 8}, business_key="56@8"))) == "700"
    assert client.calls[-2:] == ["GetInvoices", "SaveInvoices"]
