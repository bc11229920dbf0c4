"""A log of the requests the emulator received, so a test can count attempts (retries, duplicates) and look at
the headers a client sent. Credentials are never kept: ``x-api-key``, ``Authorization`` (its scheme kept:
``Bearer <redacted>``), ``Proxy-Authorization`` and ``Cookie`` values are replaced."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

__all__ = ["RequestLog", "RequestRecord"]


@dataclass
class RequestRecord:
    """One request: method, path, query string, headers (lowercase names; the API key redacted), the status
    answered (``None`` when the connection was dropped or the answer is still streaming) and the fault applied
    (its route), if any."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    fault: str | None = None

    @property
    def route(self) -> str:
        """``"METHOD /path"``, the form faults use."""
        return f"{self.method} {self.path}"


class RequestLog:
    """The most recent requests (at most ``limit``), oldest first; thread-safe."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=limit)

    def add(self, record: RequestRecord) -> None:
        """Append ``record`` (its ``status`` may be filled in later)."""
        with self._lock:
            self._records.append(record)

    def records(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """The logged requests, optionally only those with this method and/or exact path."""
        with self._lock:
            found = list(self._records)
        return [r for r in found if (method is None or r.method == method.upper()) and (path is None or r.path == path)]

    def clear(self) -> None:
        """Forget every logged request."""
        with self._lock:
            self._records.clear()


REDACTED = "<redacted>"
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie"})


def redact(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI headers as a dict with lowercase names, credentials replaced (an ``Authorization`` scheme such as
    ``Bearer`` is kept, so a test can still see which kind was sent)."""
    result: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in _SECRET_HEADERS:
            scheme, _, credentials = value.strip().partition(" ")
            value = f"{scheme} {REDACTED}" if name.endswith("authorization") and credentials else REDACTED
        result[name] = value
    return result
