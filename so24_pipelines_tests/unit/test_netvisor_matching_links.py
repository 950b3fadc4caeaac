"""N2's report applied to N1's records (links.py) and the card overwrite's field list (overwrite.py)."""

from __future__ import annotations

from so24_pipelines.flows.netvisor.links import NOT_MATCHED, apply_matches, links_of
from so24_pipelines.flows.netvisor.match_report import Entry
from so24_pipelines.flows.netvisor.overwrite import changes, describe_changes
from so24_pipelines.flows.netvisor.payloads import without
from so24_pipelines.sync import MappedRecord


def entry(
    key: str, outcome: str, rule: str | None = None, counterpart: str | None = None, reason: str | None = None
) -> Entry:
    keys = (counterpart,) if counterpart else ()
    return Entry("customers", "netvisor", key, None, "Name", outcome, rule, keys, None, "Other", reason)


def record(key: str, business_key: str | None = None) -> MappedRecord:
    return MappedRecord(key, {"number": business_key, "name": "Name"}, business_key=business_key)


ENTRIES = {
    "101": entry("101", "linked", "code", "10001"),
    "103": entry("103", "linked", "business_id", "10003"),
    "104": entry("104", "held", "non_numeric_code", reason="LL-12 is not digits only"),
    "108": entry("108", "unmatched"),
    "109": entry("109", "unmatched", reason="it has no code"),
}


def test_linked_records_stay_and_towards_rackbeat_are_found_by_their_counterpart() -> None:
    out = {r.source_key: r for r in apply_matches([record("101", "10001"), record("103", "3300")], ENTRIES,
                                                   counterpart_is_business_key=True)}  # fmt: skip
    assert out["103"].business_key == "10003" and out["103"].skip_reason is None and out["103"].payload
    kept = apply_matches([record("103", "3300")], ENTRIES, counterpart_is_business_key=False)
    assert kept[0].business_key == "3300"


def test_held_and_uncreatable_records_are_skipped_with_the_reason_and_send_nothing() -> None:
    out = {r.source_key: r for r in apply_matches([record("104"), record("109"), record("108", "5009")], ENTRIES,
                                                   counterpart_is_business_key=True)}  # fmt: skip
    assert out["104"].skip_reason == "held by N2 (non_numeric_code): LL-12 is not digits only"
    assert out["109"].skip_reason == "it has no code"
    assert out["104"].payload == {} and out["109"].payload == {}
    assert out["108"].skip_reason is None and out["108"].business_key == "5009"


def test_a_record_n2_did_not_see_is_never_created() -> None:
    [out] = apply_matches([record("999", "999")], ENTRIES, counterpart_is_business_key=True)
    assert out.skip_reason == NOT_MATCHED


def test_links_name_the_counterpart_and_the_rule() -> None:
    links = links_of(ENTRIES, "rackbeat")
    assert set(links) == {"101", "103"}
    assert (links["103"].key, links["103"].rule) == ("10003", "business_id")
    assert links["103"].what == "Rackbeat customer 10003 ('Other')"


def test_the_overwrite_lists_only_what_changes_and_never_the_customer_code() -> None:
    payload = {"customerbaseinformation": {"internalidentifier": "10003", "name": "Saimaan Puutarhat Oy",
                                           "city": "Lappeenranta", "externalidentifier": "2905187-2"}}  # fmt: skip
    card = {
        "name": "Saimaan Puutarha Oy",
        "city": "Lappeenranta",
        "business_id_text": "2905187-2",
        "code": "3300",
    }
    sent = without(payload, ["customerbaseinformation.internalidentifier"])
    assert "internalidentifier" not in sent["customerbaseinformation"]
    found = changes(sent, card)
    assert [str(c) for c in found] == ["name: 'Saimaan Puutarha Oy' → 'Saimaan Puutarhat Oy'"]
    assert describe_changes(changes(sent, {**card, "name": "Saimaan Puutarhat Oy"})).startswith(
        "nothing to overwrite"
    )


def test_without_drops_a_nested_field_and_an_object_it_empties() -> None:
    payload = {"vendorbaseinformation": {"code": "1"}, "name": "x"}
    assert without(payload, ["vendorbaseinformation.code", "missing.path"]) == {"name": "x"}
    assert payload == {"vendorbaseinformation": {"code": "1"}, "name": "x"}
