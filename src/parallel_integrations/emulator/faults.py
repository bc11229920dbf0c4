"""Faults on demand, for testing how a client copes: an error status (with ``Retry-After``) for the next N
requests of a route, added latency, an event stream cut after N events, and the "reached the server" case where
the request is handled (runs are created) but the connection drops before the answer.

A :class:`Fault` names its route as ``"METHOD /path"``; ``*`` in the path matches one segment
(``"GET /v1beta/tasks/groups/*/events"``), ``"*"`` as the method or as the whole route matches any. Faults are
consumed in the order they were added: each matching request uses up one of ``times``.

Dropping a connection needs the server's transport. Under uvicorn the emulator closes it, so the client sees a
connection closed without an answer (or mid-stream); under another server it raises :class:`ConnectionCut`
instead, which most servers turn into a closed connection or a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import math
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from .wire import error_body

__all__ = ["ConnectionCut", "Fault", "FaultPlan", "run_with_fault"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_MESSAGES = {
    402: "Payment required: insufficient credit",
    408: "Request timed out",
    429: "Too many requests: quota temporarily exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


class ConnectionCut(ConnectionError):
    """Raised inside the app to end a connection without an answer when the server's transport is not at hand."""


@dataclass
class Fault:
    """One injected failure for requests matching ``route``.

    - ``status``: answer this status (an ``ErrorResponse`` body; ``message`` overrides its text) instead of
      handling the request; ``retry_after`` (seconds) adds a ``Retry-After`` header.
    - ``latency``: wait this many seconds first (alone, the request is then handled normally).
    - ``cut_after_events``: handle normally, but drop the connection after this many SSE events (``0``: right
      after the headers).
    - ``reached_server``: handle the request (a create really creates), discard the answer, then drop the
      connection, or answer ``status`` when one is given.

    ``times`` is how many matching requests it affects (``None``: all, until reset).
    """

    route: str = "*"
    status: int | None = None
    retry_after: float | None = None
    latency: float = 0.0
    cut_after_events: int | None = None
    reached_server: bool = False
    message: str | None = None
    times: int | None = 1

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"Fault.status: an HTTP status between 100 and 599 (got {self.status})")
        if not (self.latency >= 0 and math.isfinite(self.latency)):
            raise ValueError(f"Fault.latency: seconds >= 0 (got {self.latency})")
        if self.cut_after_events is not None and self.cut_after_events < 0:
            raise ValueError(f"Fault.cut_after_events: >= 0 (got {self.cut_after_events})")
        if self.times is not None and self.times < 1:
            raise ValueError(f"Fault.times: at least 1, or None for every request (got {self.times})")
        if self.status is None and not (self.latency or self.cut_after_events is not None or self.reached_server):
            raise ValueError("Fault: give a status, a latency, cut_after_events or reached_server=True")
        self._method, self._segments = _parse_route(self.route)

    @classmethod
    def error(
        cls,
        route: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> Fault:
        """Answer ``status`` to the next ``times`` matching requests, without handling them."""
        return cls(route, status=status, times=times, retry_after=retry_after, message=message)

    @classmethod
    def slow(cls, route: str, seconds: float, *, times: int | None = None) -> Fault:
        """Delay matching requests by ``seconds`` (every one, unless ``times`` is given)."""
        return cls(route, latency=seconds, times=times)

    @classmethod
    def cut_stream(cls, route: str, after_events: int, *, times: int | None = 1) -> Fault:
        """Drop the connection of matching event streams after ``after_events`` events."""
        return cls(route, cut_after_events=after_events, times=times)

    @classmethod
    def after_handling(cls, route: str, status: int | None = None, *, times: int | None = 1) -> Fault:
        """Handle matching requests, then drop the connection (or answer ``status``): the work was done but
        the client cannot know."""
        return cls(route, status=status, reached_server=True, times=times)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request ``method path`` is one this fault targets."""
        if self._method not in ("*", method.upper()):
            return False
        if self._segments is None:
            return True
        parts = path.rstrip("/").split("/")
        return len(parts) == len(self._segments) and all(
            fnmatch.fnmatchcase(part, pattern) for part, pattern in zip(parts, self._segments, strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        """The fault as the JSON the control route ``POST /_emulator/faults`` accepts."""
        return {
            "route": self.route,
            "status": self.status,
            "retry_after": self.retry_after,
            "latency": self.latency,
            "cut_after_events": self.cut_after_events,
            "reached_server": self.reached_server,
            "message": self.message,
            "times": self.times,
        }


def _parse_route(route: str) -> tuple[str, list[str] | None]:
    route = route.strip()
    if route in ("", "*"):
        return "*", None
    method, _, path = route.partition(" ") if " " in route else ("*", "", route)
    path = path.strip()
    if not path.startswith("/"):
        raise ValueError(f"Fault.route: 'METHOD /path' such as 'POST /v1/tasks/runs' (got {route!r})")
    return method.upper(), path.rstrip("/").split("/")


class FaultPlan:
    """The faults waiting to fire, in the order they were added; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue ``fault``."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Remove every pending fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """The faults that have not fired all their times yet."""
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, using up one of its times; ``None`` when none matches."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None


class _Stop(Exception):
    """Stops the app from sending any more of a response we discard or cut."""


async def run_with_fault(
    fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, raw_send: Send | None = None
) -> None:
    """Serve one request under ``fault`` (see :class:`Fault`). ``raw_send`` is the server's own ``send``
    (needed to drop the connection) when ``send`` wraps it."""
    raw_send = raw_send or send
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.reached_server:
        await _discarding(app, scope, receive)
        if fault.status is None:
            await drop_connection(raw_send)
            return
    elif fault.status is None:
        if fault.cut_after_events is None:
            await app(scope, receive, send)
        else:
            await _cutting(app, scope, receive, send, raw_send, fault.cut_after_events)
        return
    await _send_fault(fault, send)


async def _send_fault(fault: Fault, send: Send) -> None:
    import json

    assert fault.status is not None
    message = fault.message or _MESSAGES.get(fault.status, f"Injected fault ({fault.status})")
    body = json.dumps(error_body(message), separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        value = f"{fault.retry_after:g}" if fault.retry_after % 1 else str(int(fault.retry_after))
        headers.append((b"retry-after", value.encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _discarding(app: ASGIApp, scope: Scope, receive: Receive) -> None:
    async def discard(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("more_body"):
            raise _Stop  # a streaming answer: stop it rather than produce it into the void

    with contextlib.suppress(_Stop):
        await app(scope, receive, discard)


async def _cutting(app: ASGIApp, scope: Scope, receive: Receive, send: Send, raw_send: Send, after: int) -> None:
    sent = 0

    async def cutting(message: Message) -> None:
        nonlocal sent
        await send(message)
        if message["type"] == "http.response.start":
            if after == 0:
                raise _Stop
        elif message["type"] == "http.response.body" and message.get("body", b"").startswith((b"event:", b"data:")):
            sent += 1
            if sent >= after:
                raise _Stop

    try:
        await app(scope, receive, cutting)
    except _Stop:
        await drop_connection(raw_send)


async def drop_connection(send: Send) -> None:
    """Close the client's connection without (the rest of) an answer."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionCut("connection dropped by an emulator fault")
    transport.close()
    # Let the server notice the closed connection, so it neither answers 500 nor logs an unfinished response.
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0.005)
