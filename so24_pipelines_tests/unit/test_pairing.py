"""One rule pairs every target system with a 24SO company (flows/pairing.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from so24_pipelines.connectors.errors import ConfigError
from so24_pipelines.flows.pairing import paired_identity
from so24_pipelines.flows.so24.tables import ensure_schema
from so24_pipelines.settings import Settings
from so24_pipelines.staging.db import transaction

A = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
B = "9b2f7c1e-0d4a-4e8b-a6f3-5c1d2e3f4a5b"


def _staged(tmp_path: Path, *identities: str) -> Path:
    db = tmp_path / "staging.duckdb"
    with transaction(db) as con:
        ensure_schema(con)
        for n, identity in enumerate(identities):
            con.execute(
                "INSERT INTO staging.so24_products (identity, id, name, _row_hash, _extracted_at) "
                "VALUES (?, ?, 'p', 1, now())",
                [identity, n + 1],
            )
    return db


def _never() -> str:
    raise AssertionError("must not log in")


def test_the_systems_own_setting_wins_then_the_first_configured_company(tmp_path: Path) -> None:
    db = _staged(tmp_path, A, B)
    assert paired_identity(db, "ongoing", chosen=B, configured=[A, B], login_company=_never) == B
    assert paired_identity(db, "ongoing", chosen=None, configured=[A, B], login_company=_never) == A


def test_with_nothing_chosen_the_one_staged_company_else_the_logins(tmp_path: Path) -> None:
    assert paired_identity(_staged(tmp_path, A), "rackbeat", chosen=None, configured=[], login_company=_never) == A
    empty = _staged(tmp_path / "empty")
    assert paired_identity(empty, "rackbeat", chosen=None, configured=[], login_company=lambda: B) == B
    with pytest.raises(ConfigError, match="materialize the so24 assets"):
        paired_identity(empty, "ongoing", chosen=None, configured=[])


def test_two_staged_companies_and_nothing_chosen_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"set ongoing\.so24_identity"):
        paired_identity(_staged(tmp_path, A, B), "ongoing", chosen=None, configured=[], login_company=_never)


def test_settings_refuse_a_pairing_with_a_company_the_extraction_does_not_read() -> None:
    with pytest.raises(ValidationError, match=r"is not in so24\.identities; list it there"):
        Settings.model_validate({"rackbeat": {"enabled": True, "so24_identity": A}})
    paired = Settings.model_validate(
        {"so24": {"identities": [A, B]}, "rackbeat": {"enabled": True, "so24_identity": B.upper()}}
    )
    assert paired.rackbeat.so24_identity == B
