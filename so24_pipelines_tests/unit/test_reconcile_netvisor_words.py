"""X7's Rackbeat <-> Netvisor pair in its own words: Netvisor's records at N3's spec paths, counts and
kinds named by system, and the differences table headed Rackbeat | Netvisor (its so24_value
column holds Rackbeat's value)."""

from __future__ import annotations

from datetime import datetime

from so24_pipelines.flows.reconcile.compare import Difference, EntityComparison
from so24_pipelines.flows.reconcile.netvisor import NetvisorReport, _netvisor_side
from so24_pipelines.sync.differences import DifferenceRow


def test_netvisor_records_are_read_at_the_specs_paths_with_one_business_id_form() -> None:
    card = {
        "CustomerBaseInformation": {
            "NetvisorKey": 103,
            "Name": "Saimaan Puutarha Oy",
            "ExternalIdentifier": "FI29051872",
        }
    }
    vendor = {"NetvisorKey": 201, "VendorBaseInformation": {"Code": "20001", "OrganizationId": "NO987654321"}}
    (customer,) = _netvisor_side([card], "customers").items()
    assert customer[0] == "103"
    assert customer[1]["customerbaseinformation"]["name"] == "Saimaan Puutarha Oy"
    assert customer[1]["customerbaseinformation"]["externalidentifier"] == "2905187-2"
    # Not a Finnish business ID: compared as Netvisor holds it.
    assert (
        _netvisor_side([vendor], "suppliers")["201"]["vendorbaseinformation"]["organizationid"]
        == "NO987654321"
    )


def test_the_report_names_counts_and_kinds_by_system() -> None:
    report = NetvisorReport("netvisor", "Rackbeat <-> Netvisor", "netvisor", "2745291-2")
    report.comparisons.append(EntityComparison("customers", so24_count=8, other_count=10, paired=6))
    report.differences += [
        Difference(
            "customers", "40001", "customerbaseinformation.city", "field", "Pori", "Tampere", pending=True
        ),
        Difference("customers", "netvisor:109", "<record>", "only_in_netvisor", None, "present"),
        Difference("customers", "10009", "<record>", "missing_in_rackbeat", None, "netvisor 111"),
    ]
    report.linked_as_is["customers"] = 3
    meta = report.metadata()
    assert (meta["customers_rackbeat"], meta["customers_netvisor"], meta["customers_linked_as_is"]) == (
        8,
        10,
        3,
    )
    assert meta["netvisor_company"] == "2745291-2" and "so24_company" not in meta
    assert not any(key.endswith("_so24") or "in_so24" in key for key in meta)
    assert (meta["kind_field"], meta["kind_only_in_netvisor"], meta["kind_missing_in_rackbeat"]) == (1, 1, 1)
    assert (meta["pending"], meta["unexplained"]) == (1, 2)


def test_the_table_is_headed_rackbeat_and_netvisor() -> None:
    now = datetime(2026, 12, 1, 2, 0)
    row = DifferenceRow(
        "netvisor", "customers", "40001", "customerbaseinformation.city", "field", "Pori", "Tampere", True,
        "changed in Rackbeat", "N3 writes city=Pori", now, now, None, "run",
    )  # fmt: skip
    table = NetvisorReport("netvisor", "t", "netvisor", "org", rows=[row]).markdown()
    assert table.splitlines()[0].startswith("| entity | key | field | kind | Rackbeat | Netvisor |")
    assert "| Pori | Tampere | yes |" in table and "24SO" not in table
