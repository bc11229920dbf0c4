"""One timing loop for the benchmarks that time a call in a loop (stdlib only: it also runs in other virtualenvs)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_us(case: Callable[[], Any], calls: int, warmup: int) -> float:
    """Median microseconds of ``calls`` timed calls of ``case``, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        case()
    samples = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        case()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000
