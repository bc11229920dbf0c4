"""Keeping the emulator safe to run: who may reach it, and how much a request may send.

- Loopback only by default. Binding anywhere else (``--host 0.0.0.0``) opens the control routes (faults,
  reset, scripted answers) to the network, so it takes an explicit ``allow_remote`` and an API key
  (:func:`check_exposure`); then every route needs the key, the control routes included.
- A request body over :data:`MAX_BODY_BYTES` answers 413: at once when its ``Content-Length`` says so, else as
  soon as the bytes received pass the limit (:func:`limit_body`), never buffering more than that.
- What a body may hold (nesting depth, valid Unicode) is checked where it is parsed (``wire.parse_json``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .wire import ApiError

__all__ = [
    "MAX_BODY_BYTES",
    "BodyTooLarge",
    "check_exposure",
    "declared_length",
    "is_loopback",
    "limit_body",
    "remote_warning",
]

MAX_BODY_BYTES = 32 * 1024 * 1024
"""The largest request body accepted (bytes): room for an ``add_runs`` of 1,000 inputs at the API's limits."""

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host.strip("[]").lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name may resolve anywhere


def check_exposure(host: str, *, allow_remote: bool, api_key: str | None) -> None:
    """Raise ``ValueError`` (a message for the user) unless ``host`` is loopback, or ``allow_remote`` is set and
    an ``api_key`` is given."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise ValueError(
            f"refusing to listen on {host}: the emulator's control routes (faults, reset) would be open to the "
            "network; listen on 127.0.0.1, or pass --allow-remote (allow_remote=True) with an API key"
        )
    if not api_key:
        raise ValueError(f"listening on {host} needs an API key (--api-key): every route will require it")


def remote_warning(host: str) -> str:
    """What the emulator prints when it listens beyond loopback."""
    return (
        f"warning: the Parallel API emulator listens on {host}, beyond this machine; every route, the "
        "/_emulator control routes included, requires the API key"
    )


class BodyTooLarge(ApiError):
    """A 413: the request body is larger than the emulator accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large: at most {limit} bytes")


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """The ``Content-Length`` a request declares, or ``None`` (absent or not a number)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def limit_body(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` once more than ``limit`` body bytes have arrived."""
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return limited
