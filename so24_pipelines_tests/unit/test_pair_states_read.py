"""The pair memory is read for the pairs a tick asks about, not all of them (entities_pairs.read_states).

A quiet R1 tick asks for none (its records are settled and never written); a create that may find
its counterpart linked asks for its own pair. Either way the answer for a pair is the one a read
of every pair gives.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from so24_pipelines.flows.rackbeat import entities_pairs as pairs

T0 = datetime(2026, 11, 30, 10, 0)


def _state(rb_key: str) -> pairs.PairState:
    return pairs.PairState(rb_key, pairs.Baseline(f"h{rb_key}", T0, {"name": "x"}), pairs.Baseline(None, T0))


def test_read_for_some_ids_gives_those_as_a_full_read_does(tmp_path: Path) -> None:
    db = tmp_path / "staging.duckdb"
    assert pairs.read_states(db, "products", {"1"}) == {}  # before anything was remembered
    pairs.write_states(db, "products", {str(n): _state(f"P-{n}") for n in range(1, 6)})
    pairs.write_states(db, "customers", {"2": _state("C-2")})

    everything = pairs.read_states(db, "products")
    some = pairs.read_states(db, "products", {"2", "4", "99"})

    assert set(everything) == {"1", "2", "3", "4", "5"}
    assert some == {"2": everything["2"], "4": everything["4"]}  # 99 was never remembered
    assert pairs.read_states(db, "products", set()) == {}
    assert pairs.read_states(db, "customers", ["2"]) == {"2": _state("C-2")}
