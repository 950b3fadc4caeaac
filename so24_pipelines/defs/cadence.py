"""Cron for a cadence in minutes, one spelling for every schedule of every system.

Cadences come from so24.yaml in minutes. Under an hour, `*/n` fires at the minutes divisible by n
(so 45 fires at :00 and :45); from an hour up, every n // 60 hours on the hour.
"""

from __future__ import annotations


def cron_for(minutes: int) -> str:
    if minutes < 60:
        return f"*/{minutes} * * * *"
    return f"0 */{minutes // 60} * * *"
