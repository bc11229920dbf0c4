"""Client configuration, resolved once: the argument, then the environment variable, then the default."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias
from urllib.parse import urlsplit

from ._errors import ParallelValidationError
from ._validate import number, whole_number

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "Endpoints",
    "Secret",
    "check_transport",
    "resolve_config",
]

DEFAULT_BASE_URL = "https://api.parallel.ai"
DEFAULT_TIMEOUT = 600.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RETRY_AFTER = 60.0

Endpoints: TypeAlias = Literal["auto", "seed", "current"]
"""Which API paths the client calls: ``"current"`` (``/v1/search`` with its nested body, ``/v1/tasks/groups``),
``"seed"`` (``/alpha/search``, ``/v1beta/tasks/groups``), or ``"auto"`` (the default): ``"current"`` for the hosted
API at ``https://api.parallel.ai``, ``"seed"`` for any other base URL (the emulator serves both)."""


class Secret:
    """Holds the API key so that it never shows in a repr, a str, a log line or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The key itself, for the ``x-api-key`` header only."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a client needs, after resolution. Immutable: ``with_options`` makes a changed copy."""

    api_key: Secret
    base_url: str
    timeout: float
    max_retries: int
    endpoints: Literal["seed", "current"]
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER

    def changed(
        self, *, timeout: float | None = None, max_retries: int | None = None, max_retry_after: float | None = None
    ) -> ClientConfig:
        """A copy with the given settings replaced."""
        return replace(
            self,
            timeout=self.timeout if timeout is None else _check_timeout(timeout),
            max_retries=self.max_retries if max_retries is None else _check_retries(max_retries),
            max_retry_after=self.max_retry_after if max_retry_after is None else _check_wait(max_retry_after),
        )


def resolve_config(
    api_key: str | None,
    base_url: str | None,
    timeout: float | None,
    max_retries: int | None,
    endpoints: Endpoints | None,
    allow_insecure_http: bool | None = None,
    *,
    max_retry_after: float | None = None,
) -> ClientConfig:
    """Resolve each setting from its argument, else ``PARALLEL_API_KEY`` / ``PARALLEL_BASE_URL`` /
    ``PARALLEL_ENDPOINTS`` / ``PARALLEL_ALLOW_INSECURE_HTTP``, else the default. Every setting is checked here,
    before any request: a missing or malformed key, a wrong type, and a plain ``http://`` URL to a host that is not
    this machine (unless allowed) are refused. ``"auto"`` endpoints become ``"current"`` for the hosted API and
    ``"seed"`` for any other base URL."""
    key = _api_key(api_key if api_key is not None else os.environ.get("PARALLEL_API_KEY"))
    if base_url is not None and not isinstance(base_url, str):
        raise ParallelValidationError("base_url", f"must be a string (got {type(base_url).__name__})")
    url = (base_url or os.environ.get("PARALLEL_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    insecure_ok = _insecure_http_allowed(allow_insecure_http)
    check_transport(url, allow_insecure_http=insecure_ok)
    chosen = endpoints if endpoints is not None else os.environ.get("PARALLEL_ENDPOINTS") or "auto"
    if chosen not in ("auto", "seed", "current"):
        shown = repr(chosen) if isinstance(chosen, str) else type(chosen).__name__
        raise ParallelValidationError("endpoints", f"must be 'auto', 'seed' or 'current' (got {shown})")
    if chosen == "auto":
        chosen = "current" if url == DEFAULT_BASE_URL else "seed"
    return ClientConfig(
        api_key=Secret(key),
        base_url=url,
        timeout=_check_timeout(DEFAULT_TIMEOUT if timeout is None else timeout),
        max_retries=_check_retries(DEFAULT_MAX_RETRIES if max_retries is None else max_retries),
        endpoints=chosen,  # type: ignore[arg-type]
        max_retry_after=_check_wait(DEFAULT_MAX_RETRY_AFTER if max_retry_after is None else max_retry_after),
    )


def _api_key(value: object) -> str:
    """The key, without the whitespace around it (a key read from a file ends in a newline). The messages never
    contain the key: a malformed one is described, not shown."""
    if value is not None and not isinstance(value, str):
        raise ParallelValidationError("api_key", f"must be a string (got {type(value).__name__})")
    key = (value or "").strip()
    if not key:
        raise ParallelValidationError(
            "api_key",
            "no API key: pass api_key=... or set the PARALLEL_API_KEY environment variable "
            "(for offline work, run the emulator: python -m parallel_integrations.emulator)",
        )
    if not (key.isascii() and key.isprintable()):
        raise ParallelValidationError(
            "api_key",
            "must be printable ASCII, but it contains a control or non-ASCII character (the key is not shown; "
            "check api_key= or PARALLEL_API_KEY for a stray character)",
        )
    return key


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _insecure_http_allowed(argument: bool | None) -> bool:
    if argument is not None:
        if not isinstance(argument, bool):
            raise ParallelValidationError(
                "allow_insecure_http", f"must be True or False (got {type(argument).__name__})"
            )
        return argument
    raw = os.environ.get("PARALLEL_ALLOW_INSECURE_HTTP", "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise ParallelValidationError(
            "PARALLEL_ALLOW_INSECURE_HTTP", f"must be 1/true/yes/on or 0/false/no/off (got {raw!r})"
        )
    return raw in _TRUE


def check_transport(url: str, *, allow_insecure_http: bool) -> None:
    """Refuse a base URL the key should not be sent to: not http(s), without a host, carrying a query or fragment,
    or plain ``http://`` to a host other than this machine (``localhost``, ``127.0.0.0/8``, ``::1``: the
    emulator) unless ``allow_insecure_http``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ParallelValidationError("base_url", f"is not a valid URL (got {url!r})") from None
    if "@" in parts.netloc:
        # Checked first, and the URL is not repeated: it holds a password.
        raise ParallelValidationError(
            "base_url", "must not carry a user name or password (the URL is not shown); the key goes in api_key"
        )
    if parts.scheme not in ("http", "https"):
        raise ParallelValidationError("base_url", f"must start with http:// or https:// (got {url!r})")
    if not host:
        raise ParallelValidationError("base_url", f"must name a host (got {url!r})")
    if parts.query or parts.fragment:
        raise ParallelValidationError("base_url", f"must not carry a query or a fragment (got {url!r})")
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(host):
        raise ParallelValidationError(
            "base_url",
            f"plain http:// to {host} would send the API key in clear: use https://, or, on a network you trust, "
            "pass allow_insecure_http=True or set PARALLEL_ALLOW_INSECURE_HTTP=1",
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_wait(value: object) -> float:
    seconds = number(value, "max_retry_after")
    if seconds < 0:
        raise ParallelValidationError("max_retry_after", f"must be a number of seconds, 0 or more (got {value!r})")
    return seconds


def _check_timeout(value: object) -> float:
    seconds = number(value, "timeout")
    if seconds <= 0:
        raise ParallelValidationError("timeout", f"must be a positive number of seconds (got {value})")
    return seconds


def _check_retries(value: object) -> int:
    whole_number(value, "max_retries", optional=False)
    assert isinstance(value, int)
    if value < 0:
        raise ParallelValidationError("max_retries", f"must be 0 or more (got {value})")
    return value
