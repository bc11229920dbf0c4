"""One batch of task inputs against the emulator, in a fresh process, for ``run_all.py`` (stdlib only at import: it
also runs in langchain-parallel's virtualenv).

Run: ``<venv>/bin/python bench/_batch_worker.py KIND URL N [--trace]``; prints one JSON line: ``wall_s``, ``answers``
(inputs answered), ``failed`` and, with ``--trace``, ``peak_bytes`` (the ``tracemalloc`` peak during the batch).

Kinds: ``ours-runnable`` (``ParallelTaskRunnable.batch``), ``ours-run-batch`` (``task_groups.run_batch``, each
result taken and dropped), ``lcp-group`` (langchain-parallel's ``ParallelTaskGroup.run``, one call for all inputs)
and ``lcp-group-chunked`` (the same, one call per 1,000 inputs: the API takes at most 1,000 runs per request).

The emulator is reset first, its schedule set, and one answer scripted for every input, so it does no synthesis;
a 20-input warm-up batch runs first (imports, validators, pools).
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable
from typing import Any

API_KEY = "bench-key"
SCHEDULE = {"queued": 0.01, "running": 0.05}
ANSWER = "A one-paragraph answer that the emulator returns for every input of the batch."
CHUNK = 1000


def _post(url: str, body: Any) -> None:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


def prepare(url: str) -> None:
    """A fresh emulator: no runs, the schedule, one scripted answer for every input."""
    _post(url + "/_emulator/reset", {})
    _post(url + "/_emulator/schedule", SCHEDULE)
    _post(url + "/_emulator/scripts", {"input": None, "content": ANSWER})


def runner(kind: str, url: str) -> Callable[[list[str]], tuple[int, int]]:
    """A function of the inputs giving (answered, failed)."""
    if kind == "ours-runnable":
        from parallel_integrations.langchain import ParallelTaskRunnable

        runnable = ParallelTaskRunnable(api_key=API_KEY, base_url=url, processor="lite")

        def batch(inputs: list[str]) -> tuple[int, int]:
            answers = runnable.batch(inputs, return_exceptions=True)
            failed = sum(isinstance(answer, Exception) for answer in answers)
            return len(answers) - failed, failed

        return batch
    if kind == "ours-run-batch":
        from parallel_integrations import ParallelClient

        client = ParallelClient(API_KEY, base_url=url)

        def run_batch(inputs: list[str]) -> tuple[int, int]:
            answered = failed = 0
            for item in client.task_groups.run_batch(inputs, processor="lite"):
                failed += item.error is not None
                answered += item.error is None
            return answered, failed

        return run_batch
    from langchain_parallel import ParallelTaskGroup

    group = ParallelTaskGroup(api_key=API_KEY, base_url=url, processor="lite")
    size = CHUNK if kind == "lcp-group-chunked" else None

    def group_run(inputs: list[str]) -> tuple[int, int]:
        answers: list[Any] = []
        for start in range(0, len(inputs), size or len(inputs)):
            answers += group.run(inputs[start : start + (size or len(inputs))])
        done = sum(1 for answer in answers if answer.get("output"))
        return done, len(inputs) - done

    return group_run


def main() -> None:
    kind, url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    trace = "--trace" in sys.argv
    batch = runner(kind, url)
    prepare(url)
    batch([f"warm-up question {i}" for i in range(20)])
    prepare(url)
    inputs = [f"question number {i}: who founded company {i}?" for i in range(n)]
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        answered, failed = batch(inputs)
        error = None
    except Exception as problem:  # the page shows what went wrong
        answered, failed, error = 0, n, f"{type(problem).__name__}: {str(problem)[:300]}"
    wall = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(json.dumps({"wall_s": wall, "answers": answered, "failed": failed, "peak_bytes": peak, "error": error}))


if __name__ == "__main__":
    main()
