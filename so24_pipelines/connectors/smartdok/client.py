"""SmartdokClient: every Smartdok call the S-flows need, on one paced, retrying, session-keeping client.

Build it with `SmartdokClient.from_env()` (SMARTDOK_API_TOKEN) or with the base URL and the API
access token; share one per step (thread-safe: one session token, one request budget). The
quirks of each area live in the module that serves it: base.py (session, 401, envelopes,
refusals), users.py, projects.py, codes.py, hours.py (windows, paging, approval), marking.py.
"""

from __future__ import annotations

from so24_pipelines.connectors.smartdok.codes import CodeCalls
from so24_pipelines.connectors.smartdok.hours import HourCalls
from so24_pipelines.connectors.smartdok.marking import MarkingCalls
from so24_pipelines.connectors.smartdok.projects import ProjectCalls
from so24_pipelines.connectors.smartdok.users import UserCalls


class SmartdokClient(UserCalls, ProjectCalls, CodeCalls, HourCalls, MarkingCalls):
    """One Smartdok company (one API access token)."""
