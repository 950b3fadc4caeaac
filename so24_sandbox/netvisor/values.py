"""How the emulated Netvisor writes and reads numbers, flags and times.

- Numbers carry a decimal comma both ways (`42,5`); a dot is refused in a request, because a
  client that sends `42.5` would otherwise be caught only by the real service (how Netvisor reads
  a dot is not documented).
- Flags are `1` / `0`.
- `ResponseStatus/TimeStamp` is `d.M.yyyy H:mm:ss` (no leading zeros on day, month and hour) in the
  company's time zone. Netvisor is a Finnish service and the reference gives no zone, so the
  sandbox uses Europe/Helsinki (`behaviour.timezone`).
- `changedsince` is `YYYY-MM-DDThh:mm:ss` (customers, products) or also `YYYY-MM-DD` (vendors), read
  in that same zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

_NUMBER = re.compile(r"-?\d+(?:,\d+)?")


class BadValue(ValueError):
    """A request value in a form Netvisor would not accept; the message names the form expected."""


def number(value: Decimal, places: int | None = None) -> str:
    """`Decimal('42.5')` -> `42,5`; with `places`, exactly that many decimals (`1,960000000000`)."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f").replace(".", ",")


def parse_number(text: str) -> Decimal:
    cleaned = text.strip()
    if not _NUMBER.fullmatch(cleaned):
        raise BadValue(f"'{cleaned}' is not a number with a decimal comma (e.g. 42,5)")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        raise BadValue(f"'{cleaned}' is not a number") from None


def flag(value: bool) -> str:
    return "1" if value else "0"


def parse_flag(text: str) -> bool:
    cleaned = text.strip()
    if cleaned not in ("0", "1"):
        raise BadValue(f"'{cleaned}' is not 1 or 0")
    return cleaned == "1"


def stamp(moment: datetime, zone: str) -> str:
    """`d.M.yyyy H:mm:ss` in `zone`: `1.10.2009 16:03:24`."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.day}.{local.month}.{local.year} {local.hour}:{local.minute:02d}:{local.second:02d}"


def parse_changed_since(text: str, zone: str, *, date_only_ok: bool) -> datetime:
    """A `changedsince` value as an aware UTC time; BadValue for any other form."""
    cleaned = text.strip()
    try:
        if date_only_ok and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            local = datetime.combine(date.fromisoformat(cleaned), time(0, 0))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", cleaned):
            local = datetime.strptime(cleaned, "%Y-%m-%dT%H:%M:%S")
        else:
            raise ValueError
    except ValueError:
        form = "YYYY-MM-DD or YYYY-MM-DDThh:mm:ss" if date_only_ok else "YYYY-MM-DDThh:mm:ss"
        raise BadValue(f"changedsince '{cleaned}' is not {form}") from None
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def now() -> datetime:
    """Now in UTC, to whole seconds: what TimeStamp can show is what changedsince can ask for."""
    return datetime.now(UTC).replace(microsecond=0)
