"""Reading Netvisor answers: the status decides, failures are named, values are typed, XML is safe."""

from __future__ import annotations

from decimal import Decimal

import pytest

from so24_pipelines.connectors.errors import AuthError, ConnectorError, RecordRejected, TransientError
from so24_pipelines.connectors.netvisor import envelope
from so24_pipelines.connectors.netvisor.errors import (
    NetvisorAuthenticationFailed,
    NetvisorError,
    NetvisorFormatError,
    NetvisorInvalidData,
    NetvisorMaintenance,
    NetvisorRequestNotUnique,
    NetvisorTechnicalError,
)
from so24_pipelines.connectors.netvisor.records import to_dict

CALL = "netvisor GET /getcustomer.nv"


def answer(*statuses: str, body: str = "") -> bytes:
    status = "".join(f"<Status>{s}</Status>" for s in statuses)
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Root><ResponseStatus>'
        f"{status}<TimeStamp>1.10.2009 16:03:24</TimeStamp></ResponseStatus>{body}</Root>"
    ).encode()


def test_ok_is_no_failure_and_carries_netvisors_clock() -> None:
    root = envelope.parse(answer("OK"))
    assert envelope.failure(root, call=CALL) is None
    stamp = envelope.timestamp(root, "Europe/Helsinki", call=CALL)
    assert stamp is not None and stamp.isoformat() == "2009-10-01T16:03:24+03:00"


@pytest.mark.parametrize(("status", "kind", "family"), [
    ("AUTHENTICATION_FAILED :: Integraatiokumppania ei löydy, katso dokumentaatio",
     NetvisorAuthenticationFailed, AuthError),
    ("REQUEST_NOT_UNIQUE :: The transaction identifier has already been used: 1", NetvisorRequestNotUnique,
     ConnectorError),
    ("INVALID_DATA :: Data form incorrect:. Customer not found with Netvisor identifier: 123", NetvisorInvalidData,
     RecordRejected),
    ("TECHNICAL_ERROR :: busy", NetvisorTechnicalError, TransientError),
    ("SYSTEM_MAINTANANCE :: back soon", NetvisorMaintenance, TransientError),
    ("SOMETHING_NEW :: ?", NetvisorError, ConnectorError),
])  # fmt: skip
def test_a_failure_is_the_named_error_with_netvisors_text(status: str, kind: type, family: type) -> None:
    error = envelope.failure(envelope.parse(answer("FAILED", status)), call=CALL)
    assert isinstance(error, kind) and isinstance(error, family)
    assert error.status_text == status and error.code == status.split(" ::")[0]
    assert error.call == CALL and status in str(error)


def test_a_request_not_unique_is_not_transient_so_never_retried_blindly() -> None:
    error = envelope.failure(envelope.parse(answer("FAILED", "REQUEST_NOT_UNIQUE :: x")), call=CALL)
    assert not isinstance(error, TransientError)


def test_an_answer_without_a_status_is_an_error() -> None:
    with pytest.raises(ConnectorError, match="ResponseStatus"):
        envelope.failure(envelope.parse(b"<Root><Customer/></Root>"), call=CALL)


def test_broken_bodies_are_value_errors_so_reads_are_retried() -> None:
    full = answer("OK", body="<Customerlist><Customer><Name>x</Name></Customer></Customerlist>")
    for body in (full[: len(full) // 2], b"", b"<html><body>502</body></html"):
        with pytest.raises(ValueError):
            envelope.parse(body)


def test_dtds_and_entities_are_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE Root [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<Root><ResponseStatus><Status>&b;</Status></ResponseStatus></Root>")  # fmt: skip
    with pytest.raises(ConnectorError, match="DTD"):
        envelope.parse(bomb)
    external = b'<!DOCTYPE Root [<!ENTITY x SYSTEM "file:///etc/passwd">]><Root><Name>&x;</Name></Root>'
    with pytest.raises(ConnectorError):
        envelope.parse(external)


def test_iso_8859_15_answers_are_read_by_their_declaration() -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-15"?><Root><Name>Šiškin €</Name></Root>'.encode(
        "iso-8859-15"
    )
    assert envelope.parse(body).findtext("Name") == "Šiškin €"


def test_records_keep_netvisors_names_and_type_values_strictly() -> None:
    root = envelope.parse(answer("OK", body=(
        "<Product><ProductBaseInformation><NetvisorKey>165</NetvisorKey><ProductCode>007</ProductCode>"
        '<UnitPrice type="net">42,5</UnitPrice><IsActive>1</IsActive><Description></Description>'
        "</ProductBaseInformation><ProductInventoryDetails/></Product>"
    )))  # fmt: skip
    record = to_dict(root.find("Product"), call=CALL)
    base = record["ProductBaseInformation"]
    assert base == {"NetvisorKey": 165, "ProductCode": "007", "UnitPrice": Decimal("42.5"), "IsActive": True,
                    "Description": ""}  # fmt: skip
    assert record["ProductInventoryDetails"] == {}


@pytest.mark.parametrize(
    ("element", "value"), [("UnitPrice", "42.5"), ("IsActive", "true"), ("NetvisorKey", "A1")]
)
def test_a_value_out_of_form_names_its_field(element: str, value: str) -> None:
    root = envelope.parse(answer("OK", body=f"<Product><{element}>{value}</{element}></Product>"))
    with pytest.raises(NetvisorFormatError, match=element):
        to_dict(root.find("Product"), call=CALL)
