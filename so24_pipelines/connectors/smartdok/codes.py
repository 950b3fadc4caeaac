"""Activities (`/WorkDescriptions`) and wage types (`/Wages`): the codes S3 maps and S4 checks.

Both answer a bare JSON array, everything by default (`all=true`). The code is `Number`: an
activity's Number must equal a 24SO work type id, a wage's Number a 24SO salary type id. An
activity may have no Number (Smartdok then writes ""), which S4 reports. A wage's `Export`
tells whether payroll exports it; v1 leaves hours on non-exported wages out unless asked.
The hub only reads these registers: codes are fixed by a person in Smartdok (24SO ids cannot
change), which is what the readiness report asks for.
"""

from __future__ import annotations

from typing import Any

from so24_pipelines.connectors.smartdok.base import SmartdokBase


class CodeCalls(SmartdokBase):
    def list_activities(self) -> list[dict[str, Any]]:
        """Every activity (ActivityOutput: Id, Number, Name, IsActive, ...), inactive ones included."""
        return self.array("WorkDescriptions", {"all": "true"})

    def list_wages(self) -> list[dict[str, Any]]:
        """Every wage type (WageOutput: Id, Number, Name, IsActive, Export, IsAbsence, ...)."""
        return self.array("Wages", {"all": "true"})
