"""Finnish business IDs (Y-tunnus): the one form the N2 cascade compares.

The same company reaches the two systems in different spellings: Netvisor keeps the business ID
as `1234567-8`, Rackbeat's `company_vat` holds the VAT number `FI12345678` or the business ID
itself, sometimes with spaces or lower case. `business_id` reads any of them into `1234567-8`,
and only when the check digit is right: a mistyped number must never link two companies, so it
is read as no business ID at all (the cascade then falls through to the name). A foreign VAT
number (`NO912345670MVA`) is no Finnish business ID either.

Check digit (Finnish Tax Administration): weights 7, 9, 10, 5, 8, 4, 2 over the seven digits;
remainder 0 gives 0, remainder 1 is never issued, otherwise 11 minus the remainder. Business IDs
older than 1991 have six digits and take a leading zero.
"""

from __future__ import annotations

import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_DASHED = re.compile(r"(\d{6,7})-(\d)")
_VAT = re.compile(r"FI(\d{8})")
_BARE = re.compile(r"\d{8}")


def check_digit(digits: str) -> int | None:
    """The check digit of seven digits, or None when that number cannot be a business ID."""
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def business_id(text: object) -> str | None:
    """`1234567-8` from a business ID or Finnish VAT number in any common spelling, else None."""
    if text is None:
        return None
    compact = "".join(str(text).split()).upper()
    if not compact:
        return None
    if match := _DASHED.fullmatch(compact):
        body, check = match.group(1).zfill(7), match.group(2)
    elif match := _VAT.fullmatch(compact):
        body, check = match.group(1)[:7], match.group(1)[7]
    elif _BARE.fullmatch(compact):
        body, check = compact[:7], compact[7]
    else:
        return None
    return f"{body}-{check}" if check_digit(body) == int(check) else None
