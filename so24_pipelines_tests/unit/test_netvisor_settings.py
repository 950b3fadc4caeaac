"""The `netvisor` settings the connector takes: defaults are the reference's best reading, bad values stop loading."""

from __future__ import annotations

import pydantic
import pytest

from so24_pipelines.settings.netvisor import NetvisorSettings


def test_defaults_follow_the_reference() -> None:
    s = NetvisorSettings()
    assert (s.mac_algorithm, s.mac_text_encoding, s.request_encoding) == (
        "HMACSHA256",
        "iso-8859-15",
        "iso-8859-15",
    )
    assert s.use_http_status_codes is False and s.timezone == "Europe/Helsinki" and s.timeout_seconds == 120


@pytest.mark.parametrize(
    "bad",
    [{"timezone": "Helsinki"}, {"sender": "Jyväskylä"}, {"sender": ""}, {"mac_algorithm": "MD5"},
     {"request_encoding": "latin-1"}, {"language": "NO"}, {"use_http_status_codes": "yes"}, {"lock_wait_seconds": 0}],
)  # fmt: skip
def test_values_outside_what_the_connector_can_do_are_refused(bad: dict) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        NetvisorSettings(**bad)
    assert next(iter(bad)) in str(info.value)
