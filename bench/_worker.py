"""A measuring process for ``run_all.py``: runs in any of the suite's virtualenvs (stdlib only at import) and times
the cases of ``_cases.py`` that its environment can build, on request.

Run: ``<venv>/bin/python bench/_worker.py URL``. It reads one JSON request a line on stdin and answers one JSON line:

- ``{"case": "search/ours", "mode": "sync", "calls": 500, "warmup": 50, "expect": 10, "budget_s": 1.5}``: the
  median µs of ``calls`` sequential calls, after ``warmup`` untimed ones (fewer calls, at least 5, when the warm-up
  shows they would take longer than ``budget_s``);
- ``{"case": ..., "mode": "concurrent", "calls": 40, "warmup": 4, "width": 32, "expect": 10}``: ``width`` calls
  started at once with ``asyncio.gather``, ``calls`` times; the median wall time of a batch divided by ``width``
  (µs per call at that concurrency).

The answer is ``{"us": ..., "cpu_us": ...}`` (``cpu_us``: this process's CPU time per call, the client's own work),
``{"skip": why}`` when the case has no such mode, or ``{"error": why}``. Each call's
count (results, documents, events) must equal ``expect``: a contender that returns nothing cannot look fast.
Cases are built once and kept, so their clients keep their connections between requests.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from _cases import Case, build
from _timing import median_us


def _checking(call: Callable[[], int], expect: int, name: str) -> Callable[[], int]:
    def checked() -> int:
        count = call()
        if count != expect:
            raise RuntimeError(f"{name} gave {count}, expected {expect}")
        return count

    return checked


def _affordable(call: Callable[[], Any], count: int, warmup: int, budget_s: float) -> int:
    """Run the ``warmup`` calls, and return how many timed calls fit in ``budget_s`` (at most ``count``, at least 5):
    a contender ten times slower gets fewer calls, not ten times the wall time."""
    start = time.perf_counter()
    for _ in range(warmup):
        call()
    each = (time.perf_counter() - start) / max(warmup, 1)
    return count if each * count <= budget_s else max(5, min(count, int(budget_s / each)))


def concurrent_us(
    case: Case, name: str, batches: int, warmup: int, width: int, expect: int, budget_s: float, loop: Any
) -> tuple[float, float]:
    """Median wall µs per call of ``batches`` batches of ``width`` concurrent calls, and the process's CPU µs per
    call over them (every thread counted: a contender that hands calls to a thread pool pays for it here)."""
    assert case.run is not None

    async def batch() -> None:
        counts = await asyncio.gather(*(case.run() for _ in range(width)))  # type: ignore[misc]
        if any(count != expect for count in counts):
            raise RuntimeError(f"{name} gave {sorted(set(counts))}, expected {expect}")

    batches = _affordable(lambda: loop.run_until_complete(batch()), batches, warmup, budget_s)
    samples = []
    cpu = time.process_time()
    for _ in range(batches):
        start = time.perf_counter_ns()
        loop.run_until_complete(batch())
        samples.append(time.perf_counter_ns() - start)
    cpu_us = (time.process_time() - cpu) / (batches * width) * 1e6
    return statistics.median(samples) / 1000 / width, cpu_us


def answer(request: dict[str, Any], cases: dict[str, Case], url: str, loop: Any) -> dict[str, Any]:
    name, mode = request["case"], request["mode"]
    if name not in cases:
        cases[name] = build(name, url)
    case = cases[name]
    calls, warmup, expect, budget = request["calls"], request["warmup"], request["expect"], request["budget_s"]
    if mode == "sync":
        if case.sync is None:
            return {"skip": "no sync call"}
        call = _checking(case.sync, expect, name)
        calls = _affordable(call, calls, warmup, budget)
        cpu = time.process_time()
        wall = median_us(call, calls, 0)
        return {"us": wall, "cpu_us": (time.process_time() - cpu) / calls * 1e6}
    if case.run is None:
        return {"skip": "no async call"}
    wall, cpu_us = concurrent_us(case, name, calls, warmup, request["width"], expect, budget, loop)
    return {"us": wall, "cpu_us": cpu_us}


def main() -> None:
    url = sys.argv[1]
    cases: dict[str, Case] = {}
    loop = asyncio.new_event_loop()  # one loop for the worker's life: async clients stay bound to it
    for line in sys.stdin:
        try:
            reply = answer(json.loads(line), cases, url, loop)
        except Exception as error:  # reported to the parent, which shows it on the page
            reply = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc(limit=4)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
