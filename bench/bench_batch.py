"""Batches of N inputs through one Task Group: wall time, requests by route, client heap, result fetches in flight.

Run: ``.venv/bin/python bench/bench_batch.py [--sizes 500,2000,8000] [--runners sync,sdk] [--list-sizes 8000]
[--async-sizes 8000] [--concurrency 16] [--queued 0.01] [--running 0.05] [--sdk-poll 0.2] [--no-memory]
[--pace-n 2500] [--pace-window 1/0.3] [--fallback-check]``

The emulator runs in its own process; each case in a fresh child that resets it, scripts one JSON answer for
every input, warms up on 20 inputs, then takes N results one by one without keeping them: ``sync``/``async``
(``task_groups.run_batch``), ``sdk`` (the official SDK's create / add_runs / poll retrieve / get_runs pattern),
``sdk-list`` (the same, keeping every result; memory only). Each case runs once alone for time and once under
``tracemalloc`` for the heap. bench/README.md explains the cases and columns. Figures only: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import itertools
import json
import os
import platform
import queue
import re
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeAlias

import httpx
from pydantic import BaseModel

API_KEY = "bench-key"
PROCESSOR = "lite"
WARMUP_N = 20
ANSWER = {"name": "Example Corp", "founded": 1999, "tags": ["software", "services"]}
POOL = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # the package's own default pool
EMULATOR_LOG_LIMIT = 10_000  # the emulator keeps the most recent 10,000 requests
MEMORY_ONLY = {"sdk-list"}  # the sdk case plus a list: only its heap is of interest
RESULT = "GET runs/{id}/result"
Emulator: TypeAlias = "tuple[subprocess.Popen[str], str]"  # the process and its base URL


class Company(BaseModel):
    """The output class every case parses into."""

    name: str
    founded: int
    tags: list[str]


def inputs(n: int) -> Iterator[str]:
    """N distinct string inputs, made lazily so that no case holds them all."""
    return (f"company number {i}" for i in range(n))


# --- counting requests on the client side ----------------------------------------------------------------------


def route_of(method: str, path: str) -> str:
    """``"GET runs/{id}/result"``: the path without its API prefix, ids replaced."""
    path = re.sub(r"/(tgrp|trun)_[0-9a-f]+", "/{id}", re.sub(r"^/v1(beta)?/tasks/", "", path))
    return f"{method} {path}"


class Traffic:
    """Requests seen by the client's transport: counts and peak concurrency per route, creation POST times."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.creation_times: list[float] = []

    def begin(self, request: httpx.Request) -> Callable[[], None]:
        """Count ``request`` as in flight; returns the callback that ends it (safe to call twice)."""
        route = route_of(request.method, request.url.path)
        with self._lock:
            self.count[route] += 1
            self.in_flight[route] += 1
            self.peak[route] = max(self.peak[route], self.in_flight[route])
            if route in ("POST runs", "POST groups/{id}/runs"):  # what the 2,000-per-minute limit counts
                self.creation_times.append(time.perf_counter())
        ended = False

        def end() -> None:
            nonlocal ended
            with self._lock:
                if not ended:
                    ended = True
                    self.in_flight[route] -= 1

        return end


class _ClosingStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, end: Callable[[], None]) -> None:
        self._inner, self._end = inner, end

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._end()


class _AsyncClosingStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, end: Callable[[], None]) -> None:
        self._inner, self._end = inner, end

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._end()


class CountingTransport(httpx.BaseTransport):
    """The default transport, counted: a request is in flight from its start (pool wait included) until its
    response body is closed."""

    def __init__(self, traffic: Traffic) -> None:
        self._inner, self._traffic = httpx.HTTPTransport(limits=POOL), traffic

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        end = self._traffic.begin(request)
        try:
            response = self._inner.handle_request(request)
        except BaseException:
            end()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _ClosingStream(response.stream, end)
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncCountingTransport(httpx.AsyncBaseTransport):
    """The async twin of :class:`CountingTransport`."""

    def __init__(self, traffic: Traffic) -> None:
        self._inner, self._traffic = httpx.AsyncHTTPTransport(limits=POOL), traffic

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        end = self._traffic.begin(request)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            end()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncClosingStream(response.stream, end)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# --- the cases -------------------------------------------------------------------------------------------------


def run_sync(base_url: str, n: int, traffic: Traffic, concurrency: int, pace: tuple[int, float] | None) -> int:
    """This package's sync runner; returns the number of items that parsed."""
    from parallel_integrations import ParallelClient

    with httpx.Client(transport=CountingTransport(traffic)) as http:
        client = ParallelClient(api_key=API_KEY, base_url=base_url, http_client=http)
        if pace is not None:
            from parallel_integrations._retry import RateWindow

            client._core.pacer = RateWindow(*pace)  # private hook: a small window shows pacing at small N
        batch = client.task_groups.run_batch(
            inputs(n), processor=PROCESSOR, output=Company, max_concurrency=concurrency
        )
        return sum(isinstance(item.parsed, Company) for item in batch)


def run_async(base_url: str, n: int, traffic: Traffic, concurrency: int) -> int:
    """This package's async runner, in one ``asyncio.run``."""
    from parallel_integrations import AsyncParallelClient

    async def main() -> int:
        async with httpx.AsyncClient(transport=AsyncCountingTransport(traffic)) as http:
            client = AsyncParallelClient(api_key=API_KEY, base_url=base_url, http_client=http)
            batch = client.task_groups.run_batch(
                inputs(n), processor=PROCESSOR, output=Company, max_concurrency=concurrency
            )
            taken = 0
            async for item in batch:
                taken += isinstance(item.parsed, Company)
            return taken

    return asyncio.run(main())


def run_sdk(base_url: str, n: int, traffic: Traffic, poll: float, keep: bool) -> int:
    """The official SDK's documented pattern: create, add in chunks of 1,000, poll, then read the runs stream."""
    from parallel import Parallel

    spec = {"output_schema": {"type": "json", "json_schema": Company.model_json_schema()}}
    kept: list[tuple[str, Any, Company]] = []
    with httpx.Client(transport=CountingTransport(traffic)) as http:
        client = Parallel(api_key=API_KEY, base_url=base_url, http_client=http)
        group_id = client.task_group.create().task_group_id
        source = inputs(n)
        while chunk := list(itertools.islice(source, 1_000)):
            runs = [{"input": text, "processor": PROCESSOR} for text in chunk]
            client.task_group.add_runs(group_id, inputs=runs, default_task_spec=spec)  # type: ignore[arg-type]
        while client.task_group.retrieve(group_id).status.is_active:
            time.sleep(poll)
        taken = 0
        for event in client.task_group.get_runs(group_id, include_input=True, include_output=True):
            if event.type != "task_run.state" or event.output is None:
                raise RuntimeError(f"unexpected event {event!r}")
            parsed = Company.model_validate(event.output.content)
            if keep:
                kept.append((event.run.run_id, event.input, parsed))
            taken += 1
        return taken


def emulator_cpu(pid: int) -> float:
    """User + system CPU seconds of the emulator process so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(control: httpx.Client, queued: float, running: float) -> None:
    """Fresh emulator state: no runs, no log, the schedule, one scripted answer for every input."""
    control.post("/_emulator/reset").raise_for_status()
    control.post("/_emulator/schedule", json={"queued": queued, "running": running}).raise_for_status()
    control.post("/_emulator/scripts", json={"input": None, "content": ANSWER}).raise_for_status()


def child(args: argparse.Namespace) -> None:
    """Run one case (in a fresh process) and print its figures as one JSON line."""
    limit, period = args.pace.split("/") if args.pace else ("0", "0")
    pace = (int(limit), float(period)) if args.pace else None

    def once(n: int, traffic: Traffic) -> int:
        if args.runner == "sync":
            return run_sync(args.base_url, n, traffic, args.concurrency, pace)
        if args.runner == "async":
            return run_async(args.base_url, n, traffic, args.concurrency)
        return run_sdk(args.base_url, n, traffic, args.sdk_poll, keep=args.runner == "sdk-list")

    with httpx.Client(base_url=args.base_url) as control:
        prepare(control, args.queued, args.running)
        once(WARMUP_N, Traffic())  # lazy imports, validators, pools
        prepare(control, args.queued, args.running)
        traffic = Traffic()
        if args.trace:
            tracemalloc.start()
        emulator_before, cpu_before, start = emulator_cpu(args.emulator_pid), time.process_time(), time.perf_counter()
        taken = once(args.n, traffic)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_before
        emulator = emulator_cpu(args.emulator_pid) - emulator_before
        held, peak = tracemalloc.get_traced_memory() if args.trace else (0, 0)
        tracemalloc.stop()
        logged = control.get("/_emulator/requests").json()["requests"]
    figures = {
        "runner": args.runner, "n": args.n, "taken": taken, "wall_s": wall, "cpu_s": cpu, "emulator_cpu_s": emulator,
        "peak_heap": peak, "held_heap": held, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "peak_result_fetches": traffic.peak[RESULT], "client_routes": dict(traffic.count),
        "server_routes": dict(Counter(route_of(r["method"], r["path"]) for r in logged)),
        "server_log_full": len(logged) >= EMULATOR_LOG_LIMIT,
        "creation_offsets_s": [t - start for t in traffic.creation_times],
    }  # fmt: skip
    print(json.dumps(figures))


def fallback_check(n: int, concurrency: int, running: float) -> None:
    """The path a batch takes when the group's event stream ends with runs still unreported: the rest are collected
    through ``GET .../result``. An in-process emulator closes every event stream after 0.05 s and runs take
    ``running`` seconds, so the stream gives up (three empty reconnects) before any run ends. Counts only."""
    from parallel_integrations.emulator import serve

    for mode in ("sync", "async"):
        with serve(group_events_lifetime=0.05) as emulator:
            emulator.set_schedule(queued=0.01, running=running)
            emulator.script_output(None, ANSWER)
            traffic, start, url = Traffic(), time.perf_counter(), emulator.base_url
            if mode == "sync":
                ok = run_sync(url, n, traffic, concurrency, None)
            else:
                ok = run_async(url, n, traffic, concurrency)
            print(
                f"fallback check, {mode} N={n:,} max_concurrency={concurrency}: {ok:,} ok in "
                f"{time.perf_counter() - start:.2f} s; event stream requests {traffic.count['GET groups/{id}/events']};"
                f" result fetches {traffic.count[RESULT]:,}, at most {traffic.peak[RESULT]:,} in flight"
            )


# --- the parent: emulator, cases, tables -----------------------------------------------------------------------


def start_emulator(queued: float, running: float) -> Emulator:
    """The emulator in its own process; returns it and its base URL (read from its banner line)."""
    command = [sys.executable, "-m", "parallel_integrations.emulator"]
    command += ["--queued", str(queued), "--running", str(running)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    banner = process.stdout.readline().strip()
    if not banner.startswith("Parallel API emulator on "):
        process.kill()
        raise RuntimeError(f"the emulator did not start: {banner!r}")
    return process, banner.rsplit(" ", 1)[-1]


def run_case(args: argparse.Namespace, url: str, pid: int, runner: str, n: int, trace: bool, pace: str = "") -> Any:
    """One case in a fresh child process; its figures."""
    command = [sys.executable, __file__, "--child", "--runner", runner, "--n", str(n), "--base-url", url,
               "--emulator-pid", str(pid), "--concurrency", str(args.concurrency), "--queued", str(args.queued),
               "--running", str(args.running), "--sdk-poll", str(args.sdk_poll), "--pace", pace]  # fmt: skip
    if trace:
        command.append("--trace")
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{runner} N={n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def traced_passes(args: argparse.Namespace, plan: list[tuple[str, int]], emulators: list[Emulator]) -> Any:
    """The tracemalloc passes, two at a time, each child with an emulator of its own: their times are not used (tracing
    slows the client 2-3x), so they need not run alone. Longest first, which packs the two slots best."""
    free: queue.Queue[Emulator] = queue.Queue()
    for emulator in emulators:
        free.put(emulator)

    def one(case: tuple[str, int]) -> Any:
        process, url = free.get()
        try:
            return run_case(args, url, process.pid, *case, trace=True)
        finally:
            free.put((process, url))

    start = time.perf_counter()
    ordered = sorted(plan, key=lambda case: -case[1])
    with concurrent.futures.ThreadPoolExecutor(len(emulators)) as pool:
        traced = dict(zip(ordered, pool.map(one, ordered), strict=True))
    print(f"  traced passes: {time.perf_counter() - start:.1f} s", flush=True)
    return traced


def routes_text(routes: dict[str, int]) -> str:
    order = ["POST groups", "POST groups/{id}/runs", "GET groups/{id}", "GET groups/{id}/events",
             "GET groups/{id}/runs", RESULT]  # fmt: skip
    keys = [k for k in order if k in routes] + sorted(k for k in routes if k not in order)
    return ", ".join(f"{k} x{routes[k]:,}" for k in keys)


def report(cases: list[tuple[Any, Any]]) -> None:
    """The tables: time and memory per case, then requests per case, then the heap's growth per run."""
    print("\n| runner | N | wall s | runs/s | client CPU s | emulator CPU s | peak heap MiB | held after MiB "
          "| max RSS MiB | peak result fetches |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    for timed, traced in cases:
        heap = f"{traced['peak_heap'] / 2**20:.2f} | {traced['held_heap'] / 2**20:.2f}" if traced else "- | -"
        if timed["runner"] in MEMORY_ONLY:  # its only run was traced: its times and RSS would mislead
            row = f"- | - | - | - | {heap} | -"
        else:
            row = (f"{timed['wall_s']:.2f} | {timed['n'] / timed['wall_s']:,.0f} | {timed['cpu_s']:.2f} "
                   f"| {timed['emulator_cpu_s']:.2f} | {heap} | {timed['maxrss_kb'] / 1024:.0f}")  # fmt: skip
        print(f"| {timed['runner']} | {timed['n']:,} | {row} | {timed['peak_result_fetches'] or '-'} |")
    print("\n| runner | N | requests the emulator logged, by route |\n|---|---:|---|")
    for timed, _ in cases:
        note = " (log full: counts short)" if timed["server_log_full"] else ""
        if timed["server_routes"] != timed["client_routes"]:
            note += f" (client side: {routes_text(timed['client_routes'])})"
        print(f"| {timed['runner']} | {timed['n']:,} | {routes_text(timed['server_routes'])}{note} |")
    slopes = []
    for runner in dict.fromkeys(timed["runner"] for timed, _ in cases):
        traced = sorted((tr["n"], tr["peak_heap"]) for t, tr in cases if tr and t["runner"] == runner)
        if len(traced) >= 2:
            (n0, p0), (n1, p1) = traced[0], traced[-1]
            slopes.append(f"{runner} {(p1 - p0) / (n1 - n0):,.0f} B/run")
    if slopes:
        print("\npeak heap growth per extra run (smallest to largest N): " + ", ".join(slopes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,8000", help="batch sizes (default 500,2000,8000)")
    parser.add_argument("--runners", default="sync,sdk", help="run at every size, of sync, sdk (default: both)")
    parser.add_argument("--list-sizes", help="sizes for sdk-list (default: the largest; 0: none)")
    parser.add_argument("--async-sizes", help="sizes for the async runner (default: the largest; 0: none)")
    parser.add_argument("--concurrency", type=int, default=16, help="run_batch max_concurrency (default 16)")
    parser.add_argument("--queued", type=float, default=0.01, help="emulator: seconds queued (default 0.01)")
    parser.add_argument("--running", type=float, default=0.05, help="emulator: seconds running (default 0.05)")
    parser.add_argument("--sdk-poll", type=float, default=0.2, help="SDK pattern: seconds between polls")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    parser.add_argument("--pace-n", type=int, default=2500, help="pacing check batch size (0: skip)")
    parser.add_argument("--pace-window", default="1/0.3", help="pacing check window LIMIT/SECONDS")
    parser.add_argument("--fallback-check", action="store_true", help="also run the fallback check")
    for hidden in ("--runner", "--base-url", "--pace"):  # a child's own arguments
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    for hidden in ("--n", "--emulator-pid"):
        parser.add_argument(hidden, type=int, help=argparse.SUPPRESS)
    for flag in ("--child", "--trace"):
        parser.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    import parallel
    import pydantic

    sizes = [int(s) for s in args.sizes.split(",")]

    def sizes_of(option: str | None) -> list[int]:
        return [int(s) for s in option.split(",") if int(s)] if option else [max(sizes)]

    plan = [(r, n) for r in args.runners.split(",") if r for n in sizes]
    plan += [("sdk-list", n) for n in sizes_of(args.list_sizes) if not args.no_memory]
    plan += [("async", n) for n in sizes_of(args.async_sizes)]
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"httpx {httpx.__version__}, pydantic {pydantic.VERSION}, parallel-web {parallel.__version__}; schedule "
          f"queued {args.queued} s, running {args.running} s; max_concurrency {args.concurrency}; "
          f"SDK poll {args.sdk_poll} s")  # fmt: skip
    began = time.perf_counter()
    emulators = [start_emulator(args.queued, args.running) for _ in range(1 if args.no_memory else 2)]
    try:
        process, url = emulators[0]
        timed = {}
        for runner, n in plan:
            if runner not in MEMORY_ONLY:
                timed[runner, n] = run_case(args, url, process.pid, runner, n, trace=False)
                print(f"  {runner} N={n:,}: {timed[runner, n]['wall_s']:.2f} s", flush=True)
        traced = {} if args.no_memory else traced_passes(args, plan, emulators)
        report([(timed.get(case, traced.get(case)), traced.get(case)) for case in plan])
        if args.pace_n:
            paced = run_case(args, url, process.pid, "sync", args.pace_n, trace=False, pace=args.pace_window)
            limit, period = args.pace_window.split("/")
            times = paced["creation_offsets_s"]
            gaps = ", ".join(f"{b - a:.3f}" for a, b in itertools.pairwise(times))
            print(f"\npacing check, sync N={args.pace_n:,}, the window shrunk to {limit} per {period} s: creation "
                  f"POSTs left at [{', '.join(f'{t:.3f}' for t in times)}] s after the batch began, gaps [{gaps}] s; "
                  f"wall {paced['wall_s']:.2f} s")  # fmt: skip
    finally:
        for process, _ in emulators:
            process.terminate()
            process.wait(timeout=15)
    if args.fallback_check:
        fallback_check(300, 4, 4.0)
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
