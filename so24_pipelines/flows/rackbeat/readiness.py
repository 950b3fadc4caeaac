"""Is the Rackbeat account ready for the 24SO flows? (X6, and the gate of R3 and every R asset.)

Rackbeat's 24SO guide makes the user set up three things before the integration may run, and the
API refuses the hub's writes without them: customer group 1 "Customers" and supplier group 1
"Suppliers" (new customers and suppliers land in them) and at least one payment term (a customer
or supplier cannot be created without one). They are business decisions (which terms, which
groups), so the hub reports them with what to create instead of inventing them.

The custom fields that hold 24SO ids ("24so product id", "24so customer id", "24so supplier id")
are the hub's own bookkeeping, so it creates them when they are missing (`ensure_fields=True`).
Custom fields are a Premium-plan feature: if the field calls fail the report says so, since no
flow can find its records again without them.

Checks are reads, so the report may be produced at any time (asset check, preflight, dry run);
only `ensure_fields` writes, and only field definitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from so24_pipelines.connectors.errors import AuthError, ConfigError, ConnectorError, TransientError
from so24_pipelines.connectors.rackbeat import RackbeatClient

CUSTOMER_GROUP = (1, "Customers")
SUPPLIER_GROUP = (1, "Suppliers")

# resource -> (field name, Rackbeat `available_for`): where each 24SO id lives in Rackbeat.
HUB_FIELDS: dict[str, tuple[str, str]] = {
    "products": ("24so product id", "item"),
    "customers": ("24so customer id", "customer"),
    "suppliers": ("24so supplier id", "supplier"),
}


@dataclass(frozen=True)
class Prerequisite:
    """One thing the account must have. `fix` is the instruction a user can act on when not ok."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class ReadinessReport:
    """Every prerequisite with its state, plus the ids of the hub's custom fields found or made."""

    items: tuple[Prerequisite, ...]
    field_ids: Mapping[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def problems(self) -> list[str]:
        """One actionable sentence per missing prerequisite (what to create, and where)."""
        return [item.fix or f"{item.name}: {item.detail}" for item in self.items if not item.ok]

    def field_id(self, resource: str) -> int:
        """The id of the hub's custom field on `resource`; ConfigError when it is not there."""
        try:
            return int(self.field_ids[resource])
        except KeyError:
            name, target = HUB_FIELDS.get(resource, (resource, resource))
            raise ConfigError(
                f"Rackbeat custom field {name!r} ({target}) is missing; run the readiness check"
            ) from None

    def to_markdown(self) -> str:
        verdict = "ready" if self.ok else f"NOT ready: {len(self.problems)} to fix"
        lines = [f"**Rackbeat readiness: {verdict}**", "", "| prerequisite | ok | state | what to do |"]
        lines.append("|---|---|---|---|")
        for item in self.items:
            cells = (item.name, "yes" if item.ok else "**no**", item.detail, "" if item.ok else item.fix or "")
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        return "\n".join(lines)


def check_readiness(
    client: RackbeatClient,
    *,
    ensure_fields: bool = True,
    fields: Mapping[str, tuple[str, str]] | None = None,
) -> ReadinessReport:
    """Check every prerequisite and report; never raises for a missing one.

    `fields` replaces HUB_FIELDS (resource -> (name, available_for)), so a flow with fields of
    its own (orders) checks them in the same report. TransientError still escapes: a Rackbeat
    outage says nothing about readiness and the caller's retry policy should handle it.
    """
    try:
        account = client.whoami().get("user_account", {})
    except AuthError:
        return ReadinessReport(
            (
                Prerequisite(
                    "API key",
                    False,
                    "Rackbeat refused the API key",
                    "Create an API key in Rackbeat (Company settings -> API) and set it in RACKBEAT_API_TOKEN",
                ),
            )
        )
    items = [Prerequisite("API key", True, f"account {account.get('company_name') or account.get('id')}")]
    items.append(_group(client.get_customer_group(CUSTOMER_GROUP[0]), "customer", *CUSTOMER_GROUP))
    items.append(_group(client.get_supplier_group(SUPPLIER_GROUP[0]), "supplier", *SUPPLIER_GROUP))
    terms = client.list_payment_terms()
    items.append(
        Prerequisite(
            "payment term",
            bool(terms),
            f"{len(terms)} defined" if terms else "none defined",
            None if terms else "Create at least one payment term in Rackbeat (Settings -> Payment terms)",
        )
    )
    field_items, ids = _fields(client, fields if fields is not None else HUB_FIELDS, ensure=ensure_fields)
    return ReadinessReport(tuple(items + field_items), ids)


def require_ready(
    client: RackbeatClient,
    *,
    ensure_fields: bool = True,
    fields: Mapping[str, tuple[str, str]] | None = None,
) -> ReadinessReport:
    """The report when everything is in place; otherwise ConfigError naming what to create."""
    report = check_readiness(client, ensure_fields=ensure_fields, fields=fields)
    if not report.ok:
        raise ConfigError("Rackbeat is not ready for the 24SO integration: " + "; ".join(report.problems))
    return report


def _group(found: dict | None, kind: str, number: int, name: str) -> Prerequisite:
    label = f"{kind} group {number} {name!r}"
    where = f"Settings -> {kind.capitalize()} groups"
    if found is None:
        return Prerequisite(
            label, False, "missing", f"Create {kind} group number {number} named {name!r} in Rackbeat ({where})"
        )
    actual = str(found.get("name") or "").strip()
    if actual.casefold() != name.casefold():
        return Prerequisite(
            label,
            False,
            f"group {number} is named {actual!r}",
            f"Rename {kind} group number {number} to {name!r} in Rackbeat ({where})",
        )
    return Prerequisite(label, True, "present")


def _fields(
    client: RackbeatClient, wanted: Mapping[str, tuple[str, str]], *, ensure: bool
) -> tuple[list[Prerequisite], dict[str, int]]:
    items: list[Prerequisite] = []
    ids: dict[str, int] = {}
    for resource, (name, target) in wanted.items():
        label = f"custom field {name!r} ({target})"
        try:
            found = client.find_field(name, available_for=target)
            created = False
            if found is None and ensure:
                found = client.create_field(name, available_for=target)
                created = True
        except (TransientError, AuthError):
            raise
        except ConnectorError as exc:
            items.append(
                Prerequisite(
                    label,
                    False,
                    f"custom fields unavailable: {exc}",
                    "Custom fields are a Rackbeat Premium feature: upgrade the plan, or create the text field "
                    f"{name!r} for {target} records (Settings -> Custom fields)",
                )
            )
            continue
        if found is None:
            items.append(
                Prerequisite(
                    label,
                    False,
                    "missing",
                    f"Create a text custom field named {name!r} for {target} records in Rackbeat "
                    "(Settings -> Custom fields), or let the hub create it",
                )
            )
            continue
        ids[resource] = int(found["id"])
        items.append(Prerequisite(label, True, "created by the hub" if created else f"id {found['id']}"))
    return items, ids


def _cell(value: str) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")
