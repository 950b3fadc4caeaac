"""The N2 cascade (flows/netvisor/matching.py), one function per rule of seed 003, without a sandbox."""

from __future__ import annotations

from so24_pipelines.flows.netvisor.matching import Case, Record, match_parties, match_products, summary


def nv(key: str, code: str | None, name: str, business_id: str | None = None) -> Record:
    return Record(key, code, name, business_id)


def rb(number: int, name: str, business_id: str | None = None) -> Record:
    return Record(str(number), str(number), name, business_id)


def case_of(cases: list[Case], *, netvisor: str | None = None, rackbeat: str | None = None) -> Case:
    found = [
        c for c in cases
        if (netvisor is None or netvisor in {r.key for r in c.netvisor})
        and (rackbeat is None or rackbeat in {r.key for r in c.rackbeat})
    ]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def test_the_customer_code_decides_even_when_the_names_differ() -> None:
    cases = match_parties(
        "customers", [nv("101", "10001", "Fjordkaffe AS Suomen sivuliike")], [rb(10001, "Fjordkaffe AS")]
    )
    case = case_of(cases, rackbeat="10001")
    assert (case.outcome, case.rule, case.netvisor[0].key) == ("linked", "code", "101")


def test_the_code_wins_over_a_business_id_and_a_name_pointing_elsewhere() -> None:
    netvisor = [nv("1", "500", "Alpha Oy", "2905187-2"), nv("2", "600", "Beta Oy")]
    rackbeat = [rb(600, "Alpha Oy", "2905187-2")]
    case = case_of(match_parties("customers", netvisor, rackbeat), rackbeat="600")
    assert (case.rule, case.netvisor[0].key) == ("code", "2")


def test_a_business_id_links_when_no_code_does() -> None:
    cases = match_parties(
        "customers",
        [nv("103", "3300", "Saimaan Puutarha Oy", "2905187-2")],
        [rb(10003, "Saimaan Puutarhat Oy", "2905187-2")],
    )
    case = case_of(cases, rackbeat="10003")
    assert (case.outcome, case.rule, case.netvisor[0].key) == ("linked", "business_id", "103")


def test_an_exact_name_links_when_neither_code_nor_business_id_does() -> None:
    cases = match_parties(
        "customers", [nv("102", "7002", "Nordlys  Interiør AS")], [rb(10002, "nordlys interiør as")]
    )
    case = case_of(cases, rackbeat="10002")
    assert (case.outcome, case.rule) == ("linked", "name")


def test_a_similar_name_is_not_the_same_name() -> None:
    cases = match_parties(
        "customers", [nv("103", "3300", "Saimaan Puutarha Oy")], [rb(10003, "Saimaan Puutarhat Oy")]
    )
    assert {c.outcome for c in cases} == {"unmatched"}


def test_a_non_numeric_code_is_reported_and_never_linked_by_name_or_business_id() -> None:
    netvisor = [nv("104", "LL-12", "Lapin Lanka Oy"), nv("9", "X-1", "Other Oy", "0737546-2")]
    rackbeat = [rb(10004, "Lapin Lanka Oy"), rb(10006, "Someone Else", "0737546-2")]
    cases = match_parties("customers", netvisor, rackbeat)
    by_name = case_of(cases, rackbeat="10004")
    by_business_id = case_of(cases, rackbeat="10006")
    for case in (by_name, by_business_id):
        assert (case.outcome, case.rule) == ("held", "non_numeric_code")
        assert "is not digits only" in (case.reason or "")
    assert "'LL-12'" in (by_name.reason or "") and "10004" in (by_name.reason or "")


def test_a_netvisor_customer_without_a_numeric_code_and_no_counterpart_says_why_it_cannot_be_created() -> (
    None
):
    cases = match_parties("customers", [nv("104", "LL-12", "Lapin Lanka Oy"), nv("109", None, "Matti")], [])
    assert {c.netvisor[0].key: c.outcome for c in cases} == {"104": "unmatched", "109": "unmatched"}
    assert "'LL-12' is not digits only" in (case_of(cases, netvisor="104").reason or "")
    assert "it has no code" in (case_of(cases, netvisor="109").reason or "")


def test_an_ambiguous_name_holds_every_record_it_involves_with_their_keys() -> None:
    netvisor = [nv("105", "4101", "Kahvila Aalto"), nv("106", "4102", "Kahvila Aalto")]
    cases = match_parties("customers", netvisor, [rb(10005, "Kahvila Aalto")])
    assert len(cases) == 1
    case = cases[0]
    assert (case.outcome, case.rule) == ("held", "ambiguous")
    assert {r.key for r in case.netvisor} == {"105", "106"} and [r.key for r in case.rackbeat] == ["10005"]
    assert all(key in (case.reason or "") for key in ("105", "106", "10005"))


def test_two_rackbeat_customers_with_one_business_id_are_held_not_picked() -> None:
    cases = match_parties(
        "customers",
        [nv("1", "1", "A Oy", "2905187-2")],
        [rb(20, "A Oy", "2905187-2"), rb(21, "A Oy Ab", "2905187-2")],
    )
    assert [(c.outcome, c.rule) for c in cases] == [("held", "ambiguous")]


def test_namesakes_with_different_business_ids_are_held_as_a_conflict() -> None:
    cases = match_parties(
        "customers", [nv("1", "1", "Kauppa Oy", "2905187-2")], [rb(20, "Kauppa Oy", "0737546-2")]
    )
    assert [(c.outcome, c.rule) for c in cases] == [("held", "conflict")]


def test_two_netvisor_customers_with_the_rackbeat_number_as_code_are_held() -> None:
    cases = match_parties("customers", [nv("1", "10001", "A"), nv("2", "10001", "B")], [rb(10001, "A")])
    assert [(c.outcome, c.rule) for c in cases] == [("held", "ambiguous")]


def test_suppliers_follow_the_customer_cascade() -> None:
    cases = match_parties(
        "suppliers", [nv("201", "20001", "Bergen Emballasje AS"), nv("202", "V-300", "Pakkaus Virtanen Oy")],
        [rb(20001, "Bergen Emballasje AS")],
    )  # fmt: skip
    assert (case_of(cases, netvisor="201").rule, case_of(cases, netvisor="202").outcome) == (
        "code",
        "unmatched",
    )
    assert "vendor 202" in (case_of(cases, netvisor="202").reason or "")


def test_products_match_by_exact_code_with_letters_or_digits_only() -> None:
    netvisor = [nv("301", "RB-1001", "Varastohylly"), nv("304", "4001", "Lava"), nv("305", "rb-1002", "x")]
    rackbeat = [
        Record("RB-1001", "RB-1001", "Lagerhylle"),
        Record("4001", "4001", "Pall"),
        Record("RB-1002", "RB-1002", "x"),
    ]
    cases = match_products(netvisor, rackbeat)
    assert (
        case_of(cases, rackbeat="RB-1001").rule == "code" and case_of(cases, rackbeat="4001").rule == "code"
    )
    assert (
        case_of(cases, rackbeat="RB-1002").outcome == "unmatched"
    )  # the code is compared exactly, not by its case


def test_every_record_is_decided_once_and_the_summary_counts_cases_by_rule() -> None:
    netvisor = [
        nv("101", "10001", "A"),
        nv("102", "7002", "B"),
        nv("103", "3300", "C", "2905187-2"),
        nv("108", "5009", "D"),
    ]
    rackbeat = [rb(10001, "A2"), rb(10002, "b"), rb(10003, "C2", "2905187-2"), rb(10009, "E")]
    cases = match_parties("customers", netvisor, rackbeat)
    decided = [r.key for c in cases for r in (*c.netvisor, *c.rackbeat)]
    assert sorted(decided) == sorted([r.key for r in netvisor + rackbeat])
    counts = summary(cases)
    assert (counts["linked_code"], counts["linked_business_id"], counts["linked_name"]) == (1, 1, 1)
    assert (counts["unmatched_netvisor"], counts["unmatched_rackbeat"]) == (1, 1)
