"""The N2 cascade (seed 003): which Netvisor record and which Rackbeat record are the same.

Pure: records in, cases out; reads.py stages the registers, match_report.py stores the outcome.

- Products: the product code decides (letters or digits), compared exactly: Rackbeat's product
  number is its code. Two Netvisor products with one code are held.
- Customers: the customer code decides and must be digits only; Rackbeat numbers customers, so
  the code matches when it is that number. Else the business ID (Y-tunnus, compared in one form,
  business_ids.py) matches, and the Netvisor customer card is then overwritten with Rackbeat's data
  (overwrite.py, N2's load). Else the name matches, exactly up to letter case and spacing.
- Suppliers (Netvisor vendors): the customers' cascade, without the overwrite, which seed 003
  names for the customer card only.

Each rule runs over what the rules before it left open, so a record is linked once, by the
strongest rule that applies. Nothing is guessed:
- a business ID or name shared by more than one open record on either side holds every one of
  them (`ambiguous`), with the keys named;
- a record the business ID or the name would link whose Netvisor code is not digits only is held
  (`non_numeric_code`): the code decides and must be digits, so the pair is reported for the user
  to renumber, never linked past the code;
- two namesakes whose business IDs differ are held (`conflict`): the business IDs say they are
  two companies, the name says one.
A held record is neither linked nor created on the other side (links.py), so a second run after
the user's fix links it. A Netvisor record left unmatched whose code is not digits (or empty)
cannot become a Rackbeat customer or supplier, whose numbers are digits: its `reason` says so.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Register = Literal["customers", "suppliers", "products"]
Side = Literal["netvisor", "rackbeat"]
Outcome = Literal["linked", "held", "unmatched"]

RULES = ("code", "business_id", "name")
HOLDS = ("ambiguous", "non_numeric_code", "conflict")
RULE_WORDS = {"code": "code", "business_id": "business ID (Y-tunnus)", "name": "name"}
NOUNS: dict[str, dict[str, str]] = {
    "customers": {"netvisor": "customer", "rackbeat": "customer"},
    "suppliers": {"netvisor": "vendor", "rackbeat": "supplier"},
    "products": {"netvisor": "product", "rackbeat": "product"},
}


@dataclass(frozen=True)
class Record:
    """One record as the cascade sees it: its key in its system, its code (Rackbeat: its number),
    its name and its business ID in the one form (None when it has none)."""

    key: str
    code: str | None
    name: str
    business_id: str | None = None

    @property
    def numeric_code(self) -> int | None:
        code = (self.code or "").strip()
        return int(code) if code.isdigit() else None

    @property
    def code_is_not_numeric(self) -> bool:
        """The code is there but not digits only (an empty code is no code, not a wrong one)."""
        return bool((self.code or "").strip()) and self.numeric_code is None


@dataclass(frozen=True)
class Case:
    """One decision of the cascade: a link (one record each side, `rule`), a hold (every record it
    involves, `rule` = the kind of hold, `reason`), or one unmatched record (`reason` set when it
    cannot be created on the other side)."""

    register: Register
    outcome: Outcome
    rule: str | None
    netvisor: tuple[Record, ...]
    rackbeat: tuple[Record, ...]
    reason: str | None = None


def name_key(name: str | None) -> str:
    """The name as compared: Unicode-composed, spaces collapsed, letter case folded."""
    return " ".join(unicodedata.normalize("NFC", name or "").split()).casefold()


def describe(register: str, side: Side, record: Record) -> str:
    """A record in words for reasons: `Netvisor customer 105 (code '4101', 'Kahvila Aalto')`."""
    system = "Netvisor" if side == "netvisor" else "Rackbeat"
    if side == "netvisor":
        code = f"code {record.code!r}" if record.code else "no code"
        return f"{system} {NOUNS[register][side]} {record.key} ({code}, {record.name!r})"
    return f"{system} {NOUNS[register][side]} {record.key} ({record.name!r})"


class _Open:
    """The records no rule has decided yet, on both sides, in key order."""

    def __init__(self, netvisor: Iterable[Record], rackbeat: Iterable[Record]) -> None:
        self.netvisor = {r.key: r for r in netvisor}
        self.rackbeat = {r.key: r for r in rackbeat}

    def close(self, case: Case) -> Case:
        for record in case.netvisor:
            self.netvisor.pop(record.key, None)
        for record in case.rackbeat:
            self.rackbeat.pop(record.key, None)
        return case


def _groups(records: Iterable[Record], key: Callable[[Record], object]) -> dict[object, list[Record]]:
    out: dict[object, list[Record]] = defaultdict(list)
    for record in records:
        value = key(record)
        if value:
            out[value].append(record)
    return out


def _listing(register: str, side: Side, records: Sequence[Record]) -> str:
    return ", ".join(describe(register, side, r) for r in records)


def _code_cases(register: Register, open_: _Open) -> list[Case]:
    """The code rule: the Netvisor code (digits only) equals the Rackbeat number."""
    by_code = _groups(open_.netvisor.values(), lambda r: r.numeric_code)
    cases = []
    for rb in list(open_.rackbeat.values()):
        number = rb.numeric_code
        found = by_code.get(number, []) if number is not None else []
        if len(found) == 1:
            cases.append(open_.close(Case(register, "linked", "code", (found[0],), (rb,))))
        elif len(found) > 1:
            reason = (
                f"{_listing(register, 'netvisor', found)} all have the code {number} of "
                f"{describe(register, 'rackbeat', rb)}: held, never guessed; give all but one another code in Netvisor"
            )
            cases.append(open_.close(Case(register, "held", "ambiguous", tuple(found), (rb,), reason)))
    return cases


def _pair_cases(register: Register, open_: _Open, rule: str, key: Callable[[Record], object]) -> list[Case]:
    """The business-ID or the name rule over the open records: one each side links, more hold all."""
    nv_groups = _groups(open_.netvisor.values(), key)
    rb_groups = _groups(open_.rackbeat.values(), key)
    cases = []
    for value in sorted(set(nv_groups) & set(rb_groups), key=str):
        nvs, rbs = tuple(nv_groups[value]), tuple(rb_groups[value])
        shown = ", ".join(
            [describe(register, "netvisor", r) for r in nvs]
            + [describe(register, "rackbeat", r) for r in rbs]
        )
        what = f"the business ID {value}" if rule == "business_id" else "the name"
        if len(nvs) > 1 or len(rbs) > 1:
            reason = (
                f"{shown} share {what}: held, never guessed; rename, renumber or correct the others so that "
                "one record on each side is left (or give the pair the same code), then run N2 again"
            )
            cases.append(open_.close(Case(register, "held", "ambiguous", nvs, rbs, reason)))
            continue
        nv, rb = nvs[0], rbs[0]
        if rule == "name" and nv.business_id and rb.business_id and nv.business_id != rb.business_id:
            reason = (
                f"{shown} share the name but not the business ID ({nv.business_id} in Netvisor, "
                f"{rb.business_id} in Rackbeat): held; correct the business ID or give the pair the same code"
            )
            cases.append(open_.close(Case(register, "held", "conflict", nvs, rbs, reason)))
        elif register != "products" and nv.code_is_not_numeric:
            reason = (
                f"{shown} share {what}, but the Netvisor code {nv.code!r} is not digits only; the code decides and "
                f"must be digits (seed 003), so they are not linked: give the Netvisor {NOUNS[register]['netvisor']} "
                f"the code {rb.key} (or another number), then run N2 again"
            )
            cases.append(open_.close(Case(register, "held", "non_numeric_code", nvs, rbs, reason)))
        else:
            cases.append(open_.close(Case(register, "linked", rule, nvs, rbs)))
    return cases


def _unmatched(register: Register, open_: _Open) -> list[Case]:
    cases = []
    for nv in open_.netvisor.values():
        reason = None
        if register != "products" and nv.numeric_code is None:
            what = f"its code {nv.code!r} is not digits only" if nv.code_is_not_numeric else "it has no code"
            reason = (
                f"{describe(register, 'netvisor', nv)} has no Rackbeat counterpart, and {what}: "
                f"Rackbeat numbers {register} with digits and the code decides (seed 003), so it cannot be "
                f"created there; give it a numeric code in Netvisor"
            )
        elif register == "products" and not (nv.code or "").strip():
            reason = f"{describe(register, 'netvisor', nv)} has no product code: Rackbeat keys products by it"
        cases.append(Case(register, "unmatched", None, (nv,), (), reason))
    cases += [Case(register, "unmatched", None, (), (rb,)) for rb in open_.rackbeat.values()]
    return cases


def match_parties(register: Register, netvisor: Sequence[Record], rackbeat: Sequence[Record]) -> list[Case]:
    """Customers or suppliers: code (digits only), else business ID, else name (module doc)."""
    if register not in ("customers", "suppliers"):
        raise ValueError(f"match_parties matches customers or suppliers, not {register!r}")
    open_ = _Open(sorted(netvisor, key=_order), sorted(rackbeat, key=_order))
    cases = _code_cases(register, open_)
    cases += _pair_cases(register, open_, "business_id", lambda r: r.business_id)
    cases += _pair_cases(register, open_, "name", lambda r: name_key(r.name))
    return cases + _unmatched(register, open_)


def match_products(netvisor: Sequence[Record], rackbeat: Sequence[Record]) -> list[Case]:
    """Products: the product code decides, exactly (letters or digits)."""
    open_ = _Open(sorted(netvisor, key=_order), sorted(rackbeat, key=_order))
    by_code = _groups(open_.netvisor.values(), lambda r: (r.code or "").strip())
    cases: list[Case] = []
    for rb in list(open_.rackbeat.values()):
        found = by_code.get(rb.key.strip(), [])
        if len(found) == 1:
            cases.append(open_.close(Case("products", "linked", "code", (found[0],), (rb,))))
        elif len(found) > 1:
            reason = (
                f"{_listing('products', 'netvisor', found)} all have the product code {rb.key!r} of "
                f"{describe('products', 'rackbeat', rb)}: held, never guessed; give all but one another code"
            )
            cases.append(open_.close(Case("products", "held", "ambiguous", tuple(found), (rb,), reason)))
    return cases + _unmatched("products", open_)


def match_register(register: Register, netvisor: Sequence[Record], rackbeat: Sequence[Record]) -> list[Case]:
    if register == "products":
        return match_products(netvisor, rackbeat)
    return match_parties(register, netvisor, rackbeat)


def _order(record: Record) -> tuple[int, str]:
    """Numeric keys in number order, others after them as text: a stable, readable report."""
    return (int(record.key), "") if record.key.isdigit() else (1 << 62, record.key)


def summary(cases: Iterable[Case]) -> dict[str, int]:
    """How many cases each rule decided: `linked_<rule>`, `held_<kind>`, `unmatched_<side>`."""
    counts = {f"linked_{rule}": 0 for rule in RULES} | {f"held_{kind}": 0 for kind in HOLDS}
    counts |= {"unmatched_netvisor": 0, "unmatched_rackbeat": 0}
    for case in cases:
        if case.outcome == "unmatched":
            counts["unmatched_netvisor" if case.netvisor else "unmatched_rackbeat"] += 1
        else:
            counts[f"{case.outcome}_{case.rule}"] += 1
    return counts
