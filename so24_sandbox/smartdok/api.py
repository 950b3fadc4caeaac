"""The emulated Smartdok API v1 routes, relative to the sandbox's /smartdok mount (= https://api.smartdok.no).

Every call passes, in order: the fault injector (an outage answers before the application sees
the request), the bearer gate (401; not for `POST /Authorize/ApiToken`), then the handler, whose
refusals render as documented (answers.py). Paths keep the vendor's casing. Implemented: what the
hub calls, nothing more (see the module docs of users, projects, code_lists, hour_queries and
marking for each rule):

    POST /Authorize/ApiToken
    GET  /Users  /Users/current  /Users/{id}        POST /Users   PUT /Users/{id}
    GET  /Projects  /Projects/{id}                  POST /Projects   PUT /v3/Projects/{id}
    GET  /WorkDescriptions  /WorkDescriptions/{id}  GET /Wages  /Wages/{id}
    GET  /WorkHours  /WorkHours/v2  /WorkHours/{id}
    POST /WorkHours/MarkAsExported  /WorkHours/SetExportedExternal  /WorkHours/UnmarkExportedExternal

Creates answer `create_status` (201 by default, with `Location`) and the created resource.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from so24_sandbox.faults import FaultInjector
from so24_sandbox.smartdok import hour_queries, hours, marking, projects, query, users, validation
from so24_sandbox.smartdok.answers import Refused, invalid
from so24_sandbox.smartdok.behaviour import Behaviour
from so24_sandbox.smartdok.code_lists import ACTIVITIES, WAGES, CodeRegister
from so24_sandbox.smartdok.faults import Handler, with_faults
from so24_sandbox.smartdok.sessions import SessionIssuer
from so24_sandbox.smartdok.store import SmartdokStore
from so24_sandbox.system import guard


def _collection(items: list[dict[str, Any]]) -> JSONResponse:
    """The `{Count, Offset, TotalCount, Items}` envelope of an unpaged list."""
    return JSONResponse({"Count": len(items), "Offset": 0, "TotalCount": len(items), "Items": items})


def _flag(request: Request, name: str, default: bool) -> bool:
    try:
        value = query.boolean(request.query_params, name, default)
    except query.QueryError as exc:
        raise exc.as_bad_request() from None
    return bool(value)


class SmartdokApi:
    def __init__(
        self, store: SmartdokStore, behaviour: Behaviour, sessions: SessionIssuer, faults: FaultInjector
    ) -> None:
        self.store = store
        self.behaviour = behaviour
        self.sessions = sessions
        self.faults = faults

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Handler, str]] = [
            ("/Users", self.list_users, "GET"),
            ("/Users", self.create_user, "POST"),
            ("/Users/current", self.current_user, "GET"),
            ("/Users/{id}", self.get_user, "GET"),
            ("/Users/{id}", self.replace_user, "PUT"),
            ("/Projects", self.list_projects, "GET"),
            ("/Projects", self.create_project, "POST"),
            ("/Projects/{id:int}", self.get_project, "GET"),
            ("/v3/Projects/{id:int}", self.replace_project, "PUT"),
            ("/WorkDescriptions", self._code_list(ACTIVITIES), "GET"),
            ("/WorkDescriptions/{id:int}", self._code_one(ACTIVITIES), "GET"),
            ("/Wages", self._code_list(WAGES), "GET"),
            ("/Wages/{id:int}", self._code_one(WAGES), "GET"),
            ("/WorkHours", self.work_hours, "GET"),
            ("/WorkHours/v2", self.work_hours_v2, "GET"),
            ("/WorkHours/MarkAsExported", self.mark_as_exported, "POST"),
            ("/WorkHours/SetExportedExternal", self.set_exported_external, "POST"),
            ("/WorkHours/UnmarkExportedExternal", self.unmark_exported_external, "POST"),
            ("/WorkHours/{id:int}", self.work_hour, "GET"),
        ]
        routes = [Route("/Authorize/ApiToken", with_faults(self.faults, self._guard(self.session)), methods=["POST"])]
        routes += [
            Route(path, with_faults(self.faults, self._guard(self._gated(handler))), methods=[method])
            for path, handler, method in table
        ]
        return routes

    @staticmethod
    def _guard(handler: Handler) -> Handler:
        """Refusals raised anywhere below (auth included) answer in Smartdok's shapes."""
        return guard(handler, ((Refused, Refused.response),))

    def _gated(self, handler: Handler) -> Handler:
        async def gated(request: Request) -> Response:
            self.sessions.check(request.headers.get("Authorization"))
            return await handler(request)

        return gated

    def _created(self, request: Request, body: dict[str, Any], key: Any) -> JSONResponse:
        status = int(self.behaviour["create_status"])
        url = request.url
        location = f"{url.scheme}://{url.netloc}{url.path.rstrip('/')}/{key}"
        return JSONResponse(body, status_code=status, headers={"Location": location} if status == 201 else None)

    # ---- session -----------------------------------------------------------------------------

    async def session(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("Token"), str):
            raise invalid("Token", 'must be sent as {"Token": "<API access token>"}')
        return JSONResponse(self.sessions.issue(body["Token"]))

    # ---- users -------------------------------------------------------------------------------

    async def list_users(self, request: Request) -> Response:
        include_all = _flag(request, "all", False)
        active = _flag(request, "active", True)
        return _collection(users.listing(self.store, include_all=include_all, active=active))

    async def current_user(self, request: Request) -> Response:
        return JSONResponse(users.get(self.store, self.store.api_user_id))

    async def get_user(self, request: Request) -> Response:
        return JSONResponse(users.get(self.store, request.path_params["id"]))

    async def create_user(self, request: Request) -> Response:
        body = validation.parse_object(await request.body())
        created = users.create(self.store, self.behaviour, body)
        return self._created(request, created, created["Id"])

    async def replace_user(self, request: Request) -> Response:
        body = validation.parse_object(await request.body())
        return JSONResponse(users.replace(self.store, self.behaviour, request.path_params["id"], body))

    # ---- projects ----------------------------------------------------------------------------

    async def list_projects(self, request: Request) -> Response:
        params = request.query_params
        try:
            updated = query.moment(params, "updatedSince")
            created = query.moment(params, "createdSince")
        except query.QueryError as exc:
            raise exc.as_bad_request() from None
        found = projects.listing(
            self.store,
            number=query.text(params, "projectNumber"),
            name=query.text(params, "projectName"),
            include_all=_flag(request, "all", False),
            active=_flag(request, "active", True),
            include_orders=_flag(request, "includeOrders", False),
            updated_since=updated,
            created_since=created,
        )
        return _collection(found)

    async def get_project(self, request: Request) -> Response:
        return JSONResponse(projects.get(self.store, request.path_params["id"]))

    async def create_project(self, request: Request) -> Response:
        body = validation.parse_object(await request.body())
        created = projects.create(self.store, self.behaviour, body)
        return self._created(request, created, created["Id"])

    async def replace_project(self, request: Request) -> Response:
        body = validation.parse_object(await request.body())
        return JSONResponse(projects.replace(self.store, self.behaviour, request.path_params["id"], body))

    # ---- activities and wages ----------------------------------------------------------------

    def _code_list(self, register: CodeRegister) -> Handler:
        async def listing(request: Request) -> Response:
            params = request.query_params
            found = register.listing(
                self.store,
                number=query.text(params, register.number_param),
                name=query.text(params, register.name_param),
                include_all=_flag(request, "all", True),
                active=_flag(request, "active", False),
            )
            return JSONResponse(found)

        return listing

    def _code_one(self, register: CodeRegister) -> Handler:
        async def one(request: Request) -> Response:
            return JSONResponse(register.get(self.store, request.path_params["id"]))

        return one

    # ---- work hours --------------------------------------------------------------------------

    async def work_hours(self, request: Request) -> Response:
        return JSONResponse(hour_queries.read_v1(self.store, self.behaviour, request.query_params))

    async def work_hours_v2(self, request: Request) -> Response:
        answer = hour_queries.read_v2(self.store, self.behaviour, request.query_params, request.url.path)
        return JSONResponse(answer)

    async def work_hour(self, request: Request) -> Response:
        return JSONResponse(hours.get_v2(self.store, request.path_params["id"]))

    async def mark_as_exported(self, request: Request) -> Response:
        ids = validation.parse_id_list(await request.body())
        marking.mark_as_exported(self.store, self.behaviour, ids)
        return Response(b"", status_code=200)

    async def set_exported_external(self, request: Request) -> Response:
        ids = validation.parse_id_list(await request.body())
        tag = query.text(request.query_params, "exportedExternalId")
        mark = _flag(request, "setAsExportedExternal", True)
        marking.set_exported_external(self.store, self.behaviour, ids, tag, mark)
        return Response(b"", status_code=200)

    async def unmark_exported_external(self, request: Request) -> Response:
        tag = query.text(request.query_params, "exportedExternalId")
        marking.unmark_exported_external(self.store, self.behaviour, tag)
        return Response(b"", status_code=200)
