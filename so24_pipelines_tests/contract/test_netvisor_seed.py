"""The N2 matching cases line up with both sandboxes' data (so neither seed can drift from the other)."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.contract


def business_id_digits(value: str | None) -> str:
    """`FI29051872`, `2905187-2` -> `29051872`; anything else (a Norwegian VAT number) -> ''."""
    text = (value or "").strip().upper().removeprefix("FI").replace("-", "")
    return text if re.fullmatch(r"\d{8}", text) else ""


@pytest.fixture
def both(sandbox) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    cases = sandbox.control("GET", "netvisor/matching-cases").json()
    for customer in cases["rackbeat_customers"]:
        sandbox.control("POST", "rackbeat/customers", json=customer)
    netvisor = {
        r: sandbox.control("GET", f"netvisor/{r}").json()[r] for r in ("customers", "vendors", "products")
    }
    rackbeat = {
        r: sandbox.control("GET", f"rackbeat/{r}").json()[r] for r in ("customers", "suppliers", "products")
    }
    return cases, netvisor, rackbeat


NETVISOR_REGISTER = {"customers": "customers", "suppliers": "vendors", "products": "products"}
CODE_FIELD = {"customers": "internalidentifier", "vendors": "code", "products": "productcode"}


def test_every_case_names_records_that_exist_with_the_outcome_their_data_gives(both):
    cases, netvisor, rackbeat = both
    outcomes: dict[str, int] = {}
    for case in cases["cases"]:
        register = NETVISOR_REGISTER[case["register"]]
        field = CODE_FIELD[register]
        by_key = {r["netvisorkey"]: r for r in netvisor[register]}
        ours = [by_key[n["key"]] for n in case["netvisor"]]
        assert [r[field] or "" for r in ours] == [n["code"] for n in case["netvisor"]], case
        outcomes[case["outcome"]] = outcomes.get(case["outcome"], 0) + 1
        if case["rackbeat"] is None:
            assert case["outcome"] == "netvisor_only"
            continue
        theirs = next((r for r in rackbeat[case["register"]] if r["number"] == case["rackbeat"]), None)
        if case["outcome"] == "rackbeat_only":
            assert theirs is not None and not ours
            continue
        assert theirs is not None, case
        name = theirs.get("name")
        if case["outcome"] == "code":
            assert ours[0][field] == str(case["rackbeat"])
        elif case["outcome"] == "business_id":
            assert (
                business_id_digits(theirs["company_vat"])
                == business_id_digits(ours[0]["externalidentifier"])
                != ""
            )
            assert name != ours[0]["name"]
        elif case["outcome"] == "name":
            assert name == ours[0]["name"] and ours[0][field] != str(case["rackbeat"])
            assert not business_id_digits(theirs.get("company_vat"))
        elif case["outcome"] == "non_numeric_code":
            assert not ours[0][field].isdigit() and name == ours[0]["name"]
        elif case["outcome"] == "ambiguous":
            same_name = [r for r in netvisor["customers"] if r["name"] == name]
            assert len(same_name) == len(ours) == 2
        else:
            pytest.fail(f"unknown outcome {case['outcome']}")
    assert outcomes == {"code": 4, "name": 2, "business_id": 2, "non_numeric_code": 1, "ambiguous": 1,
                        "netvisor_only": 6, "rackbeat_only": 1}  # fmt: skip
