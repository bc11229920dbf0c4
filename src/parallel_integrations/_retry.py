"""Retry policy, pure: which failures are worth another attempt, and how long to wait before it.

Connection errors, 408, 409, 429 and 5xx are retried with exponential backoff (0.5 s doubling, capped at 8 s) and
up to 25% jitter; a ``Retry-After`` (or ``retry-after-ms``) of 0 to 60 seconds from the server replaces the backoff;
``x-should-retry`` from the server overrides the decision either way.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["RateWindow", "RetryPolicy", "is_retryable_status", "parse_retry_after"]

_RETRYABLE = frozenset({408, 409, 429})
_MAX_SERVER_DELAY = 60.0


def is_retryable_status(status_code: int, headers: Mapping[str, str] | None = None) -> bool:
    """Whether a response with this status deserves another attempt."""
    if headers is not None:
        override = headers.get("x-should-retry")
        if override == "true":
            return True
        if override == "false":
            return False
    return status_code in _RETRYABLE or status_code >= 500


def parse_retry_after(headers: Mapping[str, str] | None, now: Callable[[], float] = time.time) -> float | None:
    """The wait the server asked for, in seconds, if it is between 0 and 60 s; else ``None``."""
    if not headers:
        return None
    seconds: float | None = None
    raw_ms = headers.get("retry-after-ms")
    raw = headers.get("retry-after")
    if raw_ms is not None:
        try:
            seconds = float(raw_ms) / 1000.0
        except ValueError:
            seconds = None
    if seconds is None and raw is not None:
        try:
            seconds = float(raw)
        except ValueError:
            parsed = email.utils.parsedate_tz(raw)
            if parsed is not None:
                seconds = email.utils.mktime_tz(parsed) - now()
    if seconds is None or not 0 <= seconds <= _MAX_SERVER_DELAY:
        return None
    return seconds


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff parameters. ``delay(n)`` is the wait before retry number ``n`` (0-based)."""

    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25

    def delay(
        self,
        attempt: int,
        headers: Mapping[str, str] | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry ``attempt``: the server's ``Retry-After`` when usable, else backoff."""
        asked = parse_retry_after(headers)
        if asked is not None:
            return asked
        base = min(self.initial_delay * (2.0**attempt), self.max_delay)
        return base * (1.0 - self.jitter * rand())


class RateWindow:
    """Paces requests so that at most ``limit`` start in any ``period`` seconds (the API counts creation POSTs:
    2,000 a minute). ``reserve(now)`` books the next slot and returns how long to wait for it."""

    def __init__(self, limit: int = 2_000, period: float = 60.0) -> None:
        self.limit = limit
        self.period = period
        self._starts: deque[float] = deque()

    def reserve(self, now: float) -> float:
        """Book a slot; the wait (0 when the window has room) before the request may go."""
        while self._starts and self._starts[0] <= now - self.period:
            self._starts.popleft()
        if len(self._starts) < self.limit:
            self._starts.append(now)
            return 0.0
        slot = self._starts.popleft() + self.period
        self._starts.append(slot)
        return max(0.0, slot - now)
