"""What every operation handler gets and gives back, and helpers the services share.

A handler is `handler(call, args) -> Answer`: `args` are the request's parameters read against
the WSDL types (absent / nil / sentinel values are simply missing), `Answer.result` is the value
of `<Op>Result`. Three kinds of failure, as 24SO has them:
- ItemError: one item of a Save* call is refused; it comes back in that item's APIException and
  the rest of the batch goes on (not a fault);
- ServerFault: the call as a whole fails (soap:Server, HTTP 500, ASMX wording);
- ClientFault (from parse): the request itself is malformed (soap:Client).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from so24_sandbox.so24.dataset import DataSet
from so24_sandbox.so24.parse import ClientFault
from so24_sandbox.so24.serialize import ALL, Select
from so24_sandbox.so24.sessions import Session
from so24_sandbox.so24.store import Store
from so24_sandbox.so24.types import ServiceSchema

API_EXCEPTION_TYPE = "So24Sandbox.ValidationException"


class ItemError(Exception):
    """One saved item is refused; the message names the field."""


NOT_AUTHENTICATED = "Client is not authenticated on this identity"


class ServerFault(Exception):
    """The whole call fails as an ASMX server exception (wrapped in ASMX's standard wording)."""

    def __init__(self, message: str, *, wrapped: bool = True) -> None:
        super().__init__(f"Server was unable to process request. ---> {message}" if wrapped else message)


@dataclass
class Call:
    store: Store
    schema: ServiceSchema
    session: Session | None
    now: datetime
    new_session: Session | None = None  # set by Login: the answer carries Set-Cookie

    @property
    def dataset(self) -> DataSet:
        if self.session is None:
            raise ServerFault(NOT_AUTHENTICATED, wrapped=False)
        return self.store.dataset(self.session.identity_id)


@dataclass
class Answer:
    result: object
    select: Select = field(default_factory=lambda: ALL)


Handler = Callable[[Call, dict], Answer]


def api_exception(message: str) -> dict:
    return {"Type": API_EXCEPTION_TYPE, "Message": message}


def selection(
    schema: ServiceSchema, type_name: str, names: Iterable[str] | None, what: str
) -> frozenset[str]:
    """returnProperties as a field set; an unknown name is refused (24SO cannot return it either).

    Without returnProperties 24SO fills nothing ("you have to specify which properties you want
    returned"), so an empty selection gives items with only their required elements.
    """
    known = {f.name for f in schema.fields(type_name)} - {"APIException"}
    wanted = frozenset(n.strip() for n in (names or []) if n and n.strip())
    unknown = sorted(wanted - known)
    if unknown:
        raise ClientFault(f"{what}: {', '.join(unknown)} is not a property of {type_name}.")
    return wanted


def ids(values: list | None) -> set[int] | None:
    """An ArrayOfInt search field as a set; None when the field was not sent (an empty list matches nothing)."""
    return None if values is None else set(values)


def by_ids(table: dict[int, dict], id_list: list | None, single: int | None = None) -> Iterable[dict]:
    """Records a search names by an ArrayOfInt (and/or one Id), in id order; all of them when none is sent."""
    wanted = ids(id_list)
    if single is not None:
        wanted = {single} if wanted is None else wanted & {single}
    if wanted is None:
        return table.values()
    return (table[i] for i in sorted(wanted) if i in table)


def check_length(item: dict, limits: dict[str, int]) -> None:
    for name, limit in limits.items():
        value = item.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise ItemError(f"{name} is longer than {limit} characters ({len(value)}).")


def merged(record: dict, item: dict, read_only: Iterable[str]) -> dict:
    """A copy of `record` with the item's fields laid over it (read-only fields ignored)."""
    skip = set(read_only) | {"APIException"}
    out = dict(record)
    out.update({k: v for k, v in item.items() if k not in skip})
    return out


def echo_failure(item: dict, error: ItemError) -> dict:
    out = dict(item)
    out["APIException"] = api_exception(str(error))
    return out
