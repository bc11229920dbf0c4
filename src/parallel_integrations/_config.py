"""Client configuration, resolved once: the argument, then the environment variable, then the default."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

from ._errors import ParallelValidationError

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "ClientConfig", "Endpoints", "Secret", "resolve_config"]

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
            timeout=self.timeout if timeout is None else timeout,
            max_retries=self.max_retries if max_retries is None else _check_retries(max_retries),
            max_retry_after=self.max_retry_after if max_retry_after is None else _check_wait(max_retry_after),
        )


def resolve_config(
    api_key: str | None,
    base_url: str | None,
    timeout: float | None,
    max_retries: int | None,
    endpoints: Endpoints | None,
    *,
    max_retry_after: float | None = None,
) -> ClientConfig:
    """Resolve each setting from its argument, else ``PARALLEL_API_KEY`` / ``PARALLEL_BASE_URL`` /
    ``PARALLEL_ENDPOINTS``, else the default. A missing key is refused here, before any request. ``"auto"``
    endpoints become ``"current"`` for the hosted API and ``"seed"`` for any other base URL."""
    key = api_key if api_key is not None else os.environ.get("PARALLEL_API_KEY")
    if not key:
        raise ParallelValidationError(
            "api_key",
            "no API key: pass api_key=... or set the PARALLEL_API_KEY environment variable "
            "(for offline work, run the emulator: python -m parallel_integrations.emulator)",
        )
    url = base_url or os.environ.get("PARALLEL_BASE_URL") or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise ParallelValidationError("base_url", f"must start with http:// or https:// (got {url!r})")
    chosen = endpoints or os.environ.get("PARALLEL_ENDPOINTS") or "auto"
    if chosen not in ("auto", "seed", "current"):
        raise ParallelValidationError("endpoints", f"must be 'auto', 'seed' or 'current' (got {chosen!r})")
    url = url.rstrip("/")
    if chosen == "auto":
        chosen = "current" if url == DEFAULT_BASE_URL else "seed"
    seconds = DEFAULT_TIMEOUT if timeout is None else float(timeout)
    if seconds <= 0:
        raise ParallelValidationError("timeout", f"must be a positive number of seconds (got {timeout})")
    return ClientConfig(
        api_key=Secret(key),
        base_url=url,
        timeout=seconds,
        max_retries=_check_retries(DEFAULT_MAX_RETRIES if max_retries is None else max_retries),
        endpoints=chosen,  # type: ignore[arg-type]
        max_retry_after=_check_wait(DEFAULT_MAX_RETRY_AFTER if max_retry_after is None else max_retry_after),
    )


def _check_wait(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ParallelValidationError("max_retry_after", f"must be a number of seconds, 0 or more (got {value!r})")
    return float(value)


def _check_retries(value: int) -> int:
    if value < 0:
        raise ParallelValidationError("max_retries", f"must be 0 or more (got {value})")
    return value
