"""Control API at /_sandbox/smartdok: act as the people in the company, read its state, tune it.

    GET  /credentials                  base URL, API access token, the env var the hub reads it from
    GET  /behaviour  POST /behaviour   the switches of behaviour.py (what the reference is unsure of)
    GET  /sessions                     session tokens issued, live, refused; 401s answered
    POST /sessions/expire              end every session now (the next call answers 401)
    GET  /users | /projects | /activities | /wages     everything, as the API renders it (all
                                       states, orders and ended users included)
    GET  /hours                        every hour in the v1 rendering, whatever its state
    POST /users/{id} | /projects/{id} | /activities/{id} | /wages/{id}
                                       an administrator edits fields in the UI, e.g.
                                       {"EmployeeNo": "5008"} or {"Number": "5"} (the readiness fixes)
    POST /hours                        an employee registers an hour:
                                       {"employeeNo"|"userId", "projectNumber"|"projectId",
                                        "activityNumber"|"activityId", "wageNumber"|"wageId",
                                        "date"?: today, "from"?: "07:00", "to"?: "15:00", "break"?: "00:30",
                                        "comment"?}
    POST /hours/{id}/attest            a foreman / project admin / administrator attests (or rejects):
                                       {"levels"?: ["foreman", "project_admin", "admin"], "value"?: true}
    POST /hours/{id}/edit              someone edits a registration, attested or not: {"from", "to",
                                       "break", "date", "comment", "adminComment", codes as for POST
                                       /hours, "keepAttestation"?: true}

Every change a person makes stamps the hour's `LastUpdated`, as the UI would. Faults and auth
never apply here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from so24_sandbox.smartdok import hours, projects, times, users, validation
from so24_sandbox.smartdok.answers import Refused, invalid, not_found
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.code_lists import ACTIVITIES, WAGES, CodeRegister
from so24_sandbox.smartdok.faults import Handler
from so24_sandbox.smartdok.sessions import API_TOKEN, SessionIssuer
from so24_sandbox.smartdok.store import SmartdokStore
from so24_sandbox.system import Rescue, guarded_routes

TOKEN_ENV = "SMARTDOK_API_TOKEN"  # noqa: S105 - the name of an env var
USER_EDITS = ("EmployeeNo", "Name", "Email", "PhonePrefix", "PhoneNumber", "IsEnded", "Role", "DepartmentId")
PROJECT_EDITS = ("ProjectNumber", "ProjectName", "IsActive", "Finished", "DescriptionText", "Location")
# A refused control call reads as the API's refusal would; a caller's other mistakes as `{"error"}`.
RESCUES: tuple[Rescue, ...] = (
    (Refused, Refused.response),
    (ValueError, lambda exc: JSONResponse({"error": str(exc)}, status_code=400)),
)


class SmartdokControl:
    def __init__(
        self, store: SmartdokStore, behaviour: Behaviour, sessions: SessionIssuer, base_url: str
    ) -> None:
        self.store = store
        self.behaviour = behaviour
        self.sessions = sessions
        self.base_url = base_url.rstrip("/")

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, list[str]]] = [
            ("/credentials", self.credentials, ["GET"]),
            ("/behaviour", self.settings, ["GET", "POST"]),
            ("/sessions", self.session_stats, ["GET"]),
            ("/sessions/expire", self.expire_sessions, ["POST"]),
            ("/users", self.dump_users, ["GET"]),
            ("/projects", self.dump_projects, ["GET"]),
            ("/activities", self._dump_codes(ACTIVITIES), ["GET"]),
            ("/wages", self._dump_codes(WAGES), ["GET"]),
            ("/hours", self.dump_hours, ["GET"]),
            ("/hours", self.register_hour, ["POST"]),
            ("/users/{id}", self.edit_user, ["POST"]),
            ("/projects/{id:int}", self.edit_project, ["POST"]),
            ("/activities/{id:int}", self._edit_code(ACTIVITIES), ["POST"]),
            ("/wages/{id:int}", self._edit_code(WAGES), ["POST"]),
            ("/hours/{id:int}/attest", self.attest_hour, ["POST"]),
            ("/hours/{id:int}/edit", self.edit_hour, ["POST"]),
        ]
        return guarded_routes(table, RESCUES)

    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        return validation.parse_object(raw) if raw.strip() else {}

    # ---- settings ----------------------------------------------------------------------------

    async def credentials(self, request: Request) -> Response:
        return JSONResponse({"baseUrl": f"{self.base_url}/smartdok", "apiToken": API_TOKEN, "envVar": TOKEN_ENV})

    async def settings(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.behaviour.configure(await self._body(request)))
        return JSONResponse(self.behaviour.describe())

    async def session_stats(self, request: Request) -> Response:
        return JSONResponse(self.sessions.describe())

    async def expire_sessions(self, request: Request) -> Response:
        return JSONResponse({"expired": self.sessions.expire_all(), **self.sessions.describe()})

    # ---- reading the company ----------------------------------------------------------------

    async def dump_users(self, request: Request) -> Response:
        with self.store.lock:
            return JSONResponse([users.render(u) for u in self.store.users.values()])

    async def dump_projects(self, request: Request) -> Response:
        with self.store.lock:
            totals = projects.time_consumption(self.store)
            return JSONResponse([projects.render(p, totals.get(p["Id"], 0.0)) for p in self.store.projects.values()])

    def _dump_codes(self, register: CodeRegister) -> Handler:
        async def dump(request: Request) -> Response:
            with self.store.lock:
                return JSONResponse([register.render(r) for r in register.records(self.store).values()])

        return dump

    async def dump_hours(self, request: Request) -> Response:
        with self.store.lock:
            return JSONResponse([hours.render_v1(self.store, h) for h in self.store.hours.values()])

    # ---- an administrator's edits in the UI -------------------------------------------------

    async def edit_user(self, request: Request) -> Response:
        changes = await self._body(request)
        _allowed(changes, USER_EDITS)
        with self.store.lock:
            record = self.store.users.get(str(request.path_params["id"]).lower())
            if record is None:
                raise not_found()
            record.update(changes)
            return JSONResponse(users.render(record))

    async def edit_project(self, request: Request) -> Response:
        changes = await self._body(request)
        _allowed(changes, PROJECT_EDITS)
        with self.store.lock:
            record = self.store.projects.get(request.path_params["id"])
            if record is None:
                raise not_found()
            record.update(changes, Updated=self.store.now())
            return JSONResponse(projects.render(record))

    def _edit_code(self, register: CodeRegister) -> Handler:
        async def edit(request: Request) -> Response:
            return JSONResponse(register.edit(self.store, request.path_params["id"], await self._body(request)))

        return edit

    # ---- hours: employees, foremen, administrators ------------------------------------------

    def _refs(self, body: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resolve {employeeNo|userId, projectNumber|projectId, ...} to ids (kept from `current`)."""
        store = self.store

        def pick(by_id: str, by_number: str, lookup: Any, table: dict, key: str) -> Any:
            if body.get(by_id) is not None:
                value = str(body[by_id]).lower() if key == "UserId" else body[by_id]
                if value not in table:
                    raise invalid(by_id, f"names no record ({body[by_id]!r})")
                return value
            if body.get(by_number) is not None:
                found = lookup(str(body[by_number]))
                if found is None:
                    raise invalid(by_number, f"names no record ({body[by_number]!r})")
                return found["Id"]
            if current is not None:
                return current[key]
            raise invalid(by_number, f"or {by_id} is required")

        return {
            "UserId": pick("userId", "employeeNo", store.user_by_employee_no, store.users, "UserId"),
            "ProjectId": pick("projectId", "projectNumber", store.project_by_number, store.projects, "ProjectId"),
            "ActivityId": pick("activityId", "activityNumber", store.activity_by_number, store.activities,
                               "ActivityId"),  # fmt: skip
            "WageId": pick("wageId", "wageNumber", store.wage_by_number, store.wages, "WageId"),
        }

    async def register_hour(self, request: Request) -> Response:
        body = await self._body(request)
        with self.store.lock:
            refs = self._refs(body)
            hour = hours.new_record(
                self.store, user_id=refs["UserId"], day=_day(body, self.store.now().date()),
                time_from=_span(body, "from", 7 * 60), time_to=_span(body, "to", 15 * 60),
                break_minutes=_span(body, "break", 30), project_id=refs["ProjectId"],
                activity_id=refs["ActivityId"], wage_id=refs["WageId"], comment=body.get("comment"),
            )  # fmt: skip
            return JSONResponse(hours.render_v1(self.store, hour), status_code=201)

    async def attest_hour(self, request: Request) -> Response:
        body = await self._body(request)
        levels = body.get("levels", list(hours.LEVELS))
        if not isinstance(levels, list) or any(lvl not in hours.LEVELS for lvl in levels):
            raise invalid("levels", f"must list some of {', '.join(hours.LEVELS)}")
        value = body.get("value", True)
        if value is not None and not isinstance(value, bool):
            raise invalid("value", "must be true, false or null")
        with self.store.lock:
            hour = self._hour(request)
            for level in levels:
                hour[hours.FLAGS[level]] = value
            hour["LastUpdated"] = self.store.now()
            return JSONResponse(hours.render_v1(self.store, hour))

    async def edit_hour(self, request: Request) -> Response:
        body = await self._body(request)
        with self.store.lock:
            hour = self._hour(request)
            refs = self._refs(body, current=hour)
            hours.check_refs(self.store, user_id=refs["UserId"], project_id=refs["ProjectId"],
                             activity_id=refs["ActivityId"], wage_id=refs["WageId"])  # fmt: skip
            time_from = _span(body, "from", hour["TimeFrom"])
            time_to = _span(body, "to", hour["TimeTo"])
            pause = _span(body, "break", hour["BreakMinutes"])
            hours.check_times(time_from, time_to, pause)
            hour.update(refs, TimeFrom=time_from, TimeTo=time_to, BreakMinutes=pause, Date=_day(body, hour["Date"]))
            if "comment" in body:
                hour["Comment"] = body["comment"]
            if "adminComment" in body:
                hour["AdminComment"] = body["adminComment"]
            if body.get("keepAttestation", True) is False:
                for flag in hours.FLAGS.values():
                    hour[flag] = None
            hour["LastUpdated"] = self.store.now()
            return JSONResponse(hours.render_v1(self.store, hour))

    def _hour(self, request: Request) -> dict[str, Any]:
        hour = self.store.hours.get(request.path_params["id"])
        if hour is None:
            raise not_found()
        return hour


def _allowed(changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValueError(f"cannot edit {unknown} here; editable: {list(allowed)}")


def _day(body: dict[str, Any], default: date) -> date:
    value = body.get("date")
    if value is None:
        return default
    try:
        return times.parse(str(value)).date()
    except ValueError:
        raise invalid("date", "must be YYYY-MM-DD") from None


def _span(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    try:
        return times.parse_span(str(value))
    except ValueError:
        raise invalid(name, "must be hh:mm") from None
