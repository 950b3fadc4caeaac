"""Each 24SO company's stock has one master (settings/cross.py): R8 (Rackbeat) and O5 (Ongoing) on
together are refused when they would write the same company, and allowed when the two systems are
paired with different companies (X9, the demo's layout)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from so24_pipelines.settings import Settings, SettingsError
from so24_pipelines.settings.messages import describe_validation_error

ONE = "4a1d7c2e-0b6f-4e1a-9c24-000000000001"
TWO = "4a1d7c2e-0b6f-4e1a-9c24-000000000002"
BOTH_ON = {"R8": {"enabled": True}, "O5": {"enabled": True}}


def _settings(rackbeat: str | None, ongoing: str | None, identities: list[str], flows: dict[str, Any]) -> dict:
    data: dict[str, Any] = {
        "so24": {"identities": identities},
        "rackbeat": {"enabled": True},
        "ongoing": {"enabled": True},
        "flows": flows,
    }
    if rackbeat:
        data["rackbeat"]["so24_identity"] = rackbeat
    if ongoing:
        data["ongoing"]["so24_identity"] = ongoing
    return data


def _problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises((pydantic.ValidationError, SettingsError)) as caught:
        Settings.model_validate(data)
    return describe_validation_error(caught.value, Settings)


@pytest.mark.parametrize(
    ("rackbeat", "ongoing"),
    [(ONE, TWO), (TWO, ONE), (TWO, None)],  # (TWO, None): Ongoing takes the first identity, ONE
    ids=["demo", "swapped", "ongoing-on-the-first-identity"],
)
def test_two_companies_each_have_their_own_stock_master(rackbeat: str, ongoing: str | None) -> None:
    settings = Settings.model_validate(_settings(rackbeat, ongoing, [ONE, TWO], BOTH_ON))
    assert settings.flows.R8.enabled and settings.flows.O5.enabled


@pytest.mark.parametrize(
    ("rackbeat", "ongoing", "identities", "named"),
    [
        (ONE, ONE, [ONE, TWO], f"company {ONE}"),
        (ONE, None, [ONE, TWO], f"company {ONE}"),  # Ongoing falls back to the first identity: ONE
        (None, None, [TWO, ONE], f"company {TWO}"),
        (None, None, [], "the login's default company"),
    ],
    ids=["same-identity", "one-unset-falls-back-to-it", "both-on-the-first", "no-identities"],
)
def test_one_company_with_two_stock_masters_is_refused_naming_both_keys_and_the_company(
    rackbeat: str | None, ongoing: str | None, identities: list[str], named: str
) -> None:
    problems = _problems(_settings(rackbeat, ongoing, identities, BOTH_ON))
    assert [key for key, _ in problems] == ["flows.R8.enabled", "flows.O5.enabled"]
    reason = problems[0][1]
    assert "24SO stock would be set by both Rackbeat (R8) and Ongoing (O5): switch one off" in reason
    assert "pair the two systems with different companies (rackbeat.so24_identity, ongoing.so24_identity)" in reason
    assert reason.endswith(f"both write {named}")


def test_one_master_is_never_refused_and_the_defaults_still_prefer_rackbeat() -> None:
    for flows in ({"R8": {"enabled": True}, "O5": {"enabled": False}}, {"O5": {"enabled": True}}, {}):
        Settings.model_validate(_settings(ONE, ONE, [ONE, TWO], flows))
    # Two companies do not change the defaults: R8 on, O5 off until switched on explicitly.
    demo = Settings.model_validate(_settings(ONE, TWO, [ONE, TWO], {}))
    assert (demo.flows.R8.enabled, demo.flows.O5.enabled) == (True, False)
