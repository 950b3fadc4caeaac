"""docs/mapping.md lists every spec in mapping/specs: a new spec without its row fails here."""

from __future__ import annotations

import re
from pathlib import Path

import so24_pipelines.mapping as mapping

DOC = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"
SPECS = Path(mapping.__file__).resolve().parent / "specs"


def test_every_spec_has_its_row_in_the_mapping_doc() -> None:
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \| [A-Z][0-9]", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))
    specs = {path.stem for path in SPECS.glob("*.yaml")}
    assert specs, f"no specs found in {SPECS}"
    assert specs - listed == set(), f"specs without a row in docs/mapping.md: {sorted(specs - listed)}"
    assert listed - specs == set(), f"rows in docs/mapping.md naming no spec: {sorted(listed - specs)}"
