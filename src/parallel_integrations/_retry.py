"""Retry policy, pure: the one decision every attempt loop asks (retry after this delay, raise, or "ambiguous"),
and the pacing of creation requests.

Connection errors, 408, 429 and 5xx are retried with exponential backoff (0.5 s doubling, capped at 8 s) and up to
25% jitter. A ``Retry-After`` (seconds or an HTTP date; or ``retry-after-ms``) replaces the backoff when it is at
most the policy's ``max_retry_after`` (60 s by default); a longer one is not waited out: the error is raised at
once, carrying the server's value. ``x-should-retry`` from the server overrides the decision either way. 409 is
not retried: the API does not document it, and a conflict is a state that a retry a second later will not change.
A creation request that may have reached the server is never retried here: it is "ambiguous", for the caller to
reconcile (``add_runs``), report (``RunCreationUncertainError``), or, for a task group that costs nothing while
empty, retry with a warning that an empty group may be left behind (``Core.send``'s ``leftover``).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Literal

from ._effects import Plain
from ._errors import APIConnectionError, APIStatusError, ParallelError

__all__ = ["Decision", "RateWindow", "RetryPolicy", "decide", "is_retryable_status", "parse_retry_after"]

_RETRYABLE = frozenset({408, 429})


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
    """The wait the server asked for, in seconds (``retry-after-ms``, or ``retry-after`` as seconds or an HTTP
    date; a date in the past is 0); ``None`` when there is no such header or it cannot be read."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_tz(raw)
        if parsed is None:
            return None
        return max(0.0, email.utils.mktime_tz(parsed) - now())


class RetryPolicy(Plain):
    """Backoff parameters, and the longest server-asked wait (``Retry-After``) that is waited out."""

    __slots__ = ("initial_delay", "jitter", "max_delay", "max_retry_after")

    def __init__(
        self,
        initial_delay: float = 0.5,
        max_delay: float = 8.0,
        jitter: float = 0.25,
        max_retry_after: float = 60.0,
    ) -> None:
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.jitter = jitter
        self.max_retry_after = max_retry_after

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry ``attempt`` (0-based) when the server did not say."""
        base = min(self.initial_delay * (2.0**attempt), self.max_delay)
        return base * (1.0 - self.jitter * rand())


class Decision(Plain):
    """What to do after a failed attempt: ``retry`` after ``delay`` seconds, ``raise`` the failure, or treat a
    creation request as ``ambiguous`` (it may have landed). ``reason`` says why, for the log."""

    __slots__ = ("action", "delay", "reason")

    def __init__(self, action: Literal["retry", "raise", "ambiguous"], delay: float = 0.0, reason: str = "") -> None:
        self.action = action
        self.delay = delay
        self.reason = reason


def decide(
    failure: ParallelError,
    attempt: int,
    *,
    max_retries: int,
    policy: RetryPolicy,
    rand: Callable[[], float] = random.random,
    creation: bool = False,
    long_poll: bool = False,
) -> Decision:
    """The one retry decision, for plain requests, stream openings and reconnections, and add-runs resends.

    ``attempt`` counts the retries already made. ``creation`` marks a request that must not be sent twice once it
    may have reached the server (a 429, or a connection never made, are safe to resend); ``long_poll`` leaves a
    408 to the caller (it re-issues the poll, which is not a retry)."""
    if isinstance(failure, APIConnectionError):
        if creation and failure.request_sent:
            return Decision("ambiguous", reason=str(failure))
        if attempt >= max_retries:
            return Decision("raise", reason=f"{failure} after {attempt + 1} attempt(s)")
        return Decision("retry", policy.backoff(attempt, rand), f"connection failed: {failure}")
    if not isinstance(failure, APIStatusError):
        return Decision("raise", reason=str(failure))
    code = failure.status_code
    if not is_retryable_status(code, failure.headers) or (long_poll and code == 408):
        return Decision("raise", reason=f"status {code} is not retried")
    if creation and code != 429:
        return Decision("ambiguous", reason=f"status {code} on a creation request")
    asked = parse_retry_after(failure.headers)
    if asked is not None and asked > policy.max_retry_after:
        return Decision("raise", reason=f"the server asked for {asked:.0f} s, over the {policy.max_retry_after} s cap")
    if attempt >= max_retries:
        return Decision("raise", reason=f"status {code} after {attempt + 1} attempt(s)")
    delay = asked if asked is not None else policy.backoff(attempt, rand)
    return Decision("retry", delay, f"status {code}" + (" with Retry-After" if asked is not None else ""))


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
