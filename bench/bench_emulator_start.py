"""Time from nothing to "emulator started and first search answered", two ways, median of a few runs.

Run: ``.venv/bin/python bench/bench_emulator_start.py [--runs N]``

- ``subprocess``: ``python -m parallel_integrations.emulator`` is launched; the clock starts before the launch,
  "started" is when its banner line (with the port) is read, "answered" is when ``POST /v1/search`` returns 200.
  Includes the interpreter start, imports, binding and building the default corpus (on the first search).
- ``in-process``: a fresh interpreter runs ``from parallel_integrations.emulator import serve`` then
  ``with serve() as e:`` and one search through httpx; the clock starts at the first line of that script
  (imports included, interpreter start excluded, since a test session has already paid it).

Each run is a new process, so nothing is warm but the OS file cache and the corpus cache (the standard-library
pages, built once per machine and Python: a first, uncounted run makes sure it exists). Target: under 2 s for both.

``--cold`` also times the first build: a subprocess run with ``PARALLEL_EMULATOR_CACHE`` set to a new, empty
folder, so the standard-library pages are rendered (in child processes, one per core) before the first search.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

SEARCH = {"search_queries": ["decorator"], "objective": "How do decorators work?"}
HEADERS = {"x-api-key": "bench"}

IN_PROCESS = f"""
import time
t0 = time.perf_counter()
from parallel_integrations.emulator import serve
import httpx
with serve() as emulator:
    started = time.perf_counter() - t0
    response = httpx.post(emulator.base_url + "/v1/search", json={SEARCH!r}, headers={HEADERS!r})
    assert response.status_code == 200, response.text
    answered = time.perf_counter() - t0
print(started, answered)
"""


def run_subprocess(env: dict[str, str] | None = None) -> tuple[float, float]:
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "parallel_integrations.emulator"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline().strip()
        started = time.perf_counter() - t0
        base_url = banner.rsplit(" ", 1)[-1]
        response = httpx.post(f"{base_url}/v1/search", json=SEARCH, headers=HEADERS, timeout=300)
        assert response.status_code == 200, response.text
        answered = time.perf_counter() - t0
    finally:
        process.terminate()
        process.wait(timeout=15)
    return started, answered


def run_in_process() -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", IN_PROCESS], capture_output=True, text=True, check=True).stdout
    started, answered = (float(x) for x in out.split())
    return started, answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per way (default 5)")
    parser.add_argument("--cold", action="store_true", help="also time one start that builds the corpus cache")
    args = parser.parse_args()
    figures = {}
    if args.cold:
        with tempfile.TemporaryDirectory() as cache:
            started, answered = run_subprocess({**os.environ, "PARALLEL_EMULATOR_CACHE": cache})
        figures["cold"] = {"started_s": round(started, 3), "first_search_s": round(answered, 3)}
        print(
            f"{'cold':>11}: started {started * 1000:7.1f} ms, first search answered {answered * 1000:7.1f} ms "
            f"(builds the standard-library pages)"
        )
    run_subprocess()  # the corpus cache exists from here on
    for name, measure in (("subprocess", run_subprocess), ("in-process", run_in_process)):
        samples = [measure() for _ in range(args.runs)]
        started = statistics.median(s for s, _ in samples)
        answered = statistics.median(a for _, a in samples)
        figures[name] = {"started_s": round(started, 3), "first_search_s": round(answered, 3)}
        print(
            f"{name:>11}: started {started * 1000:7.1f} ms, first search answered {answered * 1000:7.1f} ms "
            f"(median of {args.runs}; target < 2000 ms)"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
