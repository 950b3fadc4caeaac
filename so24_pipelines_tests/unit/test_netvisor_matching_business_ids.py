"""Finnish business IDs read in one form (flows/netvisor/business_ids.py): the key of N2's second rule."""

from __future__ import annotations

import pytest

from so24_pipelines.flows.netvisor.business_ids import business_id, check_digit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2905187-2", "2905187-2"),
        ("FI29051872", "2905187-2"),
        ("fi 2905 1872", "2905187-2"),
        (" 0737546-2 ", "0737546-2"),
        ("737546-2", "0737546-2"),  # a six-digit business ID from before 1991 takes a leading zero
        ("29051872", "2905187-2"),
    ],
)
def test_every_common_spelling_reads_as_the_dashed_business_id(text: str, expected: str) -> None:
    assert business_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "2905187-3",
        "FI29051873",
        "NO912345670MVA",
        "SE556677889901",
        "1234567-2",
        "12345678-9",
        "abc",
    ],
)
def test_a_wrong_check_digit_or_a_foreign_number_is_no_business_id(text: str | None) -> None:
    assert business_id(text) is None


def test_the_check_digit_follows_the_tax_administrations_weights() -> None:
    assert check_digit("2745291") == 2 and check_digit("0737546") == 2
    assert check_digit("1572860") == 0  # remainder 0 gives 0
    assert [check_digit(f"{n:07d}") for n in range(0, 40)].count(None) > 0  # remainder 1 is never issued
