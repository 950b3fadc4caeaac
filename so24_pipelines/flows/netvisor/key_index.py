"""A register's codes as the target system holds them now, read once per load.

Every N1 target looks a record's code up before it adds one (Netvisor has no upsert, and a lost
answer to `method=add` may hide a created record): one list call per load instead of one search
per record, which matters when every Netvisor call waits its turn. The index is read at the
load's first create or look-up, so a load after a crash sees what the crashed one made, and every
record this load makes is added to it. Thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


class KeyIndex:
    """code -> the keys of the records carrying it, loaded lazily by `read` ((code, key) pairs)."""

    def __init__(self, read: Callable[[], Iterable[tuple[str | None, str]]]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._keys: dict[str, list[str]] | None = None

    def _loaded(self) -> dict[str, list[str]]:
        if self._keys is None:
            keys: dict[str, list[str]] = {}
            for code, key in self._read():
                text = (code or "").strip()
                if text:
                    keys.setdefault(text, []).append(str(key))
            self._keys = keys
        return self._keys

    def get(self, code: str) -> list[str]:
        with self._lock:
            return list(self._loaded().get(code.strip(), []))

    def add(self, code: str, key: str) -> None:
        with self._lock:
            self._loaded().setdefault(code.strip(), []).append(str(key))
