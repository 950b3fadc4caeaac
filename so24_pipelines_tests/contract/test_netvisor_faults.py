"""Faults on the Netvisor sandbox: reads and edits are retried; an add is never repeated blindly."""

from __future__ import annotations

from typing import Any

import pytest

from so24_pipelines.connectors.errors import TransientError
from so24_pipelines.connectors.netvisor.errors import NetvisorTechnicalError
from so24_pipelines_tests.contract.test_netvisor_client import make_client

pytestmark = pytest.mark.contract

KINDS = ["5xx", "limit", "latency", "drop", "malformed", "html"]


@pytest.fixture
def creds(sandbox) -> dict[str, Any]:
    return sandbox.control("GET", "netvisor/credentials").json()


def products_named(sandbox, code: str) -> list[dict[str, Any]]:
    return [
        p for p in sandbox.control("GET", "netvisor/products").json()["products"] if p["productcode"] == code
    ]


def test_reads_complete_under_ten_percent_faults_of_every_kind(creds, tmp_path, sandbox):
    client = make_client(creds, tmp_path)
    expected = (
        [c["Netvisorkey"] for c in client.list_customers()],
        [p["ProductCode"] for p in client.list_products()],
    )
    sandbox.control(
        "POST", "netvisor/faults", json={"rate": 0.1, "seed": 7, "latency_ms": 20, "kinds": KINDS}
    )
    for _ in range(8):
        assert [c["Netvisorkey"] for c in client.list_customers()] == expected[0]
        assert [p["ProductCode"] for p in client.list_products()] == expected[1]
        assert client.get_customer(103)["CustomerBaseInformation"]["ExternalIdentifier"] == "2905187-2"
        assert [v["NetvisorKey"] for v in client.get_vendors([201, 202])] == [201, 202]
    injected = sandbox.control("GET", "netvisor/faults").json()["injected"]
    assert sum(injected.values()) >= 3


@pytest.mark.parametrize("kind", KINDS)
def test_each_fault_kind_on_a_read_is_retried(creds, tmp_path, sandbox, kind):
    client = make_client(creds, tmp_path)
    sandbox.control("POST", "netvisor/faults", json={"next": kind, "count": 2, "latency_ms": 20})
    assert client.product_by_code("RB-1002")["NetvisorKey"] == 302
    slow_only = kind == "latency"  # a late answer is a good answer: one call, one fault
    assert sandbox.control("GET", "netvisor/faults").json()["injected"] == {kind: 1 if slow_only else 2}


@pytest.mark.parametrize("kind", ["5xx", "drop", "malformed", "limit", "html"])
def test_an_edit_is_retried_because_sending_it_twice_is_harmless(creds, tmp_path, sandbox, kind):
    client = make_client(creds, tmp_path)
    sandbox.control("POST", "netvisor/faults", json={"next": kind, "count": 1})
    client.edit_product(303, {"productbaseinformation": {"name": "Tarrakirjoitin Pro"}})
    assert products_named(sandbox, "NV-2001")[0]["name"] == "Tarrakirjoitin Pro"


def test_an_add_whose_answer_is_lost_is_not_repeated_and_the_lookup_finds_it(creds, tmp_path, sandbox):
    client = make_client(creds, tmp_path)
    sandbox.control("POST", "netvisor/faults", json={"next": "drop", "count": 1})
    with pytest.raises(TransientError):
        client.add_product({"productbaseinformation": {"productcode": "NV-5000", "name": "Kadonnut vastaus"}})
    assert len(products_named(sandbox, "NV-5000")) == 1
    assert client.product_by_code("NV-5000")["Name"] == "Kadonnut vastaus"


@pytest.mark.parametrize(("kind", "error"), [("5xx", TransientError), ("limit", NetvisorTechnicalError)])
def test_an_add_refused_before_any_work_raises_transient_and_writes_nothing(
    creds, tmp_path, sandbox, kind, error
):
    client = make_client(creds, tmp_path)
    sandbox.control("POST", "netvisor/faults", json={"next": kind, "count": 1})
    with pytest.raises(error):
        client.add_product({"productbaseinformation": {"productcode": "NV-6000", "name": "Ei tallennettu"}})
    assert products_named(sandbox, "NV-6000") == []
    assert client.add_product({"productbaseinformation": {"productcode": "NV-6000", "name": "Nyt"}}) > 305
