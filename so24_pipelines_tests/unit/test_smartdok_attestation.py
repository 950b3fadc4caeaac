"""Which Smartdok hours count as approved at each attestation level (the hub decides, not the server)."""

from __future__ import annotations

import pytest

from so24_pipelines.connectors.smartdok.attestation import highest_level, is_attested


def _row(foreman: bool | None = None, project_admin: bool | None = None, admin: bool | None = None) -> dict:
    return {"ForemanAttested": foreman, "ProjectAdminAttested": project_admin, "AdminAttested": admin}


@pytest.mark.parametrize(
    ("row", "foreman", "project_admin", "admin"),
    [
        (_row(), False, False, False),
        (_row(True), True, False, False),
        (_row(True, True), True, True, False),
        (_row(True, True, True), True, True, True),
        (_row(None, None, True), True, True, True),  # the administrator attested without the foreman
        (_row(False), False, False, False),  # rejected by the foreman
        (_row(False, None, True), True, True, True),  # rejected, then attested above: the higher word counts
    ],
)
def test_a_level_is_met_by_that_level_or_above(row: dict, foreman: bool, project_admin: bool, admin: bool) -> None:
    assert (is_attested(row, "foreman"), is_attested(row, "project_admin"), is_attested(row, "admin")) == (
        foreman, project_admin, admin,
    )  # fmt: skip


def test_highest_level_names_who_attested() -> None:
    assert highest_level(_row(True, True)) == "project_admin"
    assert highest_level(_row(False)) is None


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="attestation level"):
        is_attested(_row(True), "boss")  # type: ignore[arg-type]
