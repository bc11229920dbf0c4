"""Per-call cost of a search: raw httpx, this package's clients and the official SDK, against one local server.

Run: ``.venv/bin/python bench/bench_client.py [--calls N] [--warmup W] [--rounds R] [--server threading|uvicorn]``

A server process on 127.0.0.1 (``bench/_server.py``) answers ``POST /alpha/search`` and ``POST /v1/search`` with the
same 47 KB body (10 results, four long excerpts each). Each client makes W warm-up calls, then N timed calls split
over R interleaved rounds (so drift hits every client alike). Printed per client: median and p90 per call in µs,
calls per second, the benchmark process's average CPU time per call (the client's own work: the server runs in
another process, on the other core), and the connections the server saw from the client (1 = one pooled keep-alive
connection for every call).

- sync: raw ``httpx.Client.post`` + ``json.loads``; ``ParallelClient.search``; the SDK's ``Parallel.search``;
- async, sequential awaits: raw ``httpx.AsyncClient.post`` + ``json.loads``; ``AsyncParallelClient.search``; the
  SDK's ``AsyncParallel.search``;
- the parse step alone on the body: ``json.loads``, ``SearchResponse.model_validate_json``,
  ``SearchResponse.model_validate(json.loads(...))``, and the SDK's own response model.

Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from _server import KINDS, BenchServer, search_body
from pydantic import ValidationError

from parallel_integrations import AsyncParallelClient, ParallelClient, SearchResponse

API_KEY = "bench-key"
OBJECTIVE = "How do Python decorators work, and when should functools.wraps be used?"
QUERIES = ["python decorators", "functools.wraps"]
RAW_BODY = {"objective": OBJECTIVE, "search_queries": QUERIES, "processor": "base", "max_results": 10}
RAW_HEADERS = {"x-api-key": API_KEY, "accept": "application/json"}


@dataclass
class Figures:
    """Per-call samples of one contender, and the server's view of its connections."""

    name: str
    samples_ns: list[int] = field(default_factory=list)
    wall_ns: int = 0
    cpu_ns: int = 0
    requests: int = 0
    ports: set[int] = field(default_factory=set)

    def row(self) -> str:
        ordered = sorted(self.samples_ns)
        median = statistics.median(ordered) / 1000
        p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] / 1000
        per_s = len(ordered) / (self.wall_ns / 1e9) if self.wall_ns else float("nan")
        cpu = self.cpu_ns / len(ordered) / 1000
        conns = f"{len(self.ports):>5} / {self.requests:<6}" if self.requests else ""
        return f"  {self.name:<48} {median:>8.1f} {p90:>8.1f} {cpu:>8.1f} {per_s:>9,.0f}   {conns}"

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples_ns) / 1000


HEADER = (
    f"  {'':<48} {'median':>8} {'p90':>8} {'CPU avg':>8} {'calls/s':>9}   conns / requests\n"
    f"  {'':<48} {'µs':>8} {'µs':>8} {'µs':>8}"
)


def _check(result: Any, name: str) -> None:
    # Not a timing: just make sure each contender really received and parsed the 10 results.
    results = result["results"] if isinstance(result, dict) else result.results
    if len(results) != 10:
        raise RuntimeError(f"{name} returned {len(results)} results instead of 10")


def run_sync(
    server: BenchServer, contenders: dict[str, Callable[[], Any]], calls: int, warmup: int, rounds: int
) -> list[Figures]:
    figures = {name: Figures(name) for name in contenders}
    for name, call in contenders.items():
        _check(call(), name)
        for _ in range(warmup):
            call()
    per_round = max(1, calls // rounds)
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for name, call in contenders.items():
            fig = figures[name]
            server.reset()
            gc.collect()
            samples = fig.samples_ns
            cpu_start = time.process_time_ns()
            start = clock()
            for _ in range(per_round):
                t0 = clock()
                call()
                samples.append(clock() - t0)
            fig.wall_ns += clock() - start
            fig.cpu_ns += time.process_time_ns() - cpu_start
            requests, ports = server.stats()
            fig.requests += requests
            fig.ports |= ports
    return list(figures.values())


async def run_async(
    server: BenchServer, contenders: dict[str, Callable[[], Awaitable[Any]]], calls: int, warmup: int, rounds: int
) -> list[Figures]:
    figures = {name: Figures(name) for name in contenders}
    for name, call in contenders.items():
        _check(await call(), name)
        for _ in range(warmup):
            await call()
    per_round = max(1, calls // rounds)
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for name, call in contenders.items():
            fig = figures[name]
            server.reset()
            gc.collect()
            samples = fig.samples_ns
            cpu_start = time.process_time_ns()
            start = clock()
            for _ in range(per_round):
                t0 = clock()
                await call()
                samples.append(clock() - t0)
            fig.wall_ns += clock() - start
            fig.cpu_ns += time.process_time_ns() - cpu_start
            requests, ports = server.stats()  # a blocking call is fine here: nothing else runs on the loop
            fig.requests += requests
            fig.ports |= ports
    return list(figures.values())


def sync_contenders(url: str) -> tuple[dict[str, Callable[[], Any]], list[Callable[[], None]]]:
    raw = httpx.Client()
    ours = ParallelClient(API_KEY, base_url=url)
    contenders: dict[str, Callable[[], Any]] = {
        "a. raw httpx.Client.post + json.loads": lambda: json.loads(
            raw.post(url + "/alpha/search", json=RAW_BODY, headers=RAW_HEADERS).content
        ),
        "b. ParallelClient.search -> SearchResponse": lambda: ours.search(
            OBJECTIVE, search_queries=QUERIES, processor="base", max_results=10
        ),
    }
    closers: list[Callable[[], None]] = [raw.close, ours.close]
    try:
        from parallel import Parallel

        sdk = Parallel(api_key=API_KEY, base_url=url)
        contenders["c. SDK Parallel.search (/v1/search)"] = lambda: sdk.search(
            objective=OBJECTIVE, search_queries=QUERIES, mode="basic", advanced_settings={"max_results": 10}
        )
        closers.append(sdk.close)
    except ImportError:
        print("  (the official SDK, parallel-web, is not installed: its row is skipped)")
    return contenders, closers


async def async_section(url: str, server: BenchServer, calls: int, warmup: int, rounds: int) -> list[Figures]:
    raw = httpx.AsyncClient()
    ours = AsyncParallelClient(API_KEY, base_url=url)

    async def raw_call() -> Any:
        response = await raw.post(url + "/alpha/search", json=RAW_BODY, headers=RAW_HEADERS)
        return json.loads(response.content)

    async def our_call() -> Any:
        return await ours.search(OBJECTIVE, search_queries=QUERIES, processor="base", max_results=10)

    contenders: dict[str, Callable[[], Awaitable[Any]]] = {
        "a. raw httpx.AsyncClient.post + json.loads": raw_call,
        "b. AsyncParallelClient.search": our_call,
    }
    sdk = None
    try:
        from parallel import AsyncParallel

        sdk = AsyncParallel(api_key=API_KEY, base_url=url)

        async def sdk_call() -> Any:
            assert sdk is not None
            return await sdk.search(
                objective=OBJECTIVE, search_queries=QUERIES, mode="basic", advanced_settings={"max_results": 10}
            )

        contenders["c. SDK AsyncParallel.search"] = sdk_call
    except ImportError:
        pass
    try:
        return await run_async(server, contenders, calls, warmup, rounds)
    finally:
        await raw.aclose()
        await ours.aclose()
        if sdk is not None:
            await sdk.close()


def parse_section(body: bytes, loops: int) -> list[Figures]:
    steps: dict[str, Callable[[], Any]] = {
        "json.loads": lambda: json.loads(body),
        "SearchResponse.model_validate_json": lambda: SearchResponse.model_validate_json(body),
        "SearchResponse.model_validate(json.loads(...))": lambda: SearchResponse.model_validate(json.loads(body)),
    }
    try:
        from parallel._models import construct_type
        from parallel.types import SearchResult as SDKSearchResult

        # What the SDK does with a body by default (_strict_response_validation=False): json, then construct.
        steps["SDK: json + construct_type(SearchResult)"] = lambda: construct_type(
            type_=SDKSearchResult, value=json.loads(body)
        )
        steps["SDK: SearchResult.model_validate_json (strict)"] = lambda: SDKSearchResult.model_validate_json(body)
    except ImportError:
        pass
    figures = []
    clock = time.perf_counter_ns
    for name, step in steps.items():
        for _ in range(max(10, loops // 10)):
            step()
        gc.collect()
        fig = Figures(name)
        cpu_start = time.process_time_ns()
        start = clock()
        for _ in range(loops):
            t0 = clock()
            step()
            fig.samples_ns.append(clock() - t0)
        fig.wall_ns = clock() - start
        fig.cpu_ns = time.process_time_ns() - cpu_start
        figures.append(fig)
    return figures


def sdk_acceptance(body: bytes) -> None:
    """Whether the SDK's response model takes this body strictly, and the seed-era body without ``session_id``."""
    try:
        from parallel.types import SearchResult as SDKSearchResult
    except ImportError:
        return
    seed_era = json.loads(body)
    del seed_era["session_id"]
    for label, data in (("this body", json.loads(body)), ("the body without session_id (seed era)", seed_era)):
        try:
            SDKSearchResult.model_validate(data)
            verdict = "accepted"
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            verdict = f"REJECTED ({problems})"
        print(f"  SDK SearchResult strict validation of {label}: {verdict}")


def print_table(title: str, figures: list[Figures], baseline: str | None = None) -> None:
    print(f"\n{title}\n{HEADER}")
    for fig in figures:
        print(fig.row())
    if baseline:
        base = next(f for f in figures if f.name.startswith(baseline))
        print(f"  median minus that of {base.name}:")
        for fig in figures:
            if fig is not base:
                print(f"    {fig.name:<46} {fig.median_us - base.median_us:>+8.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per client (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed calls per client first (default 200)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the calls are split over")
    parser.add_argument("--parse-loops", type=int, default=2000, help="iterations of each parse step")
    parser.add_argument("--server", choices=KINDS, default="threading", help="the local server (see _server.py)")
    args = parser.parse_args()

    body = search_body()
    print(
        f"search body: {len(body):,} bytes, 10 results; server: {args.server} in its own process; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, httpx {httpx.__version__}"
    )
    with BenchServer(args.server) as server:
        contenders, closers = sync_contenders(server.url)
        try:
            sync = run_sync(server, contenders, args.calls, args.warmup, args.rounds)
        finally:
            for close in closers:
                close()
        print_table("sync, sequential calls", sync, baseline="a.")
        asynchronous = asyncio.run(async_section(server.url, server, args.calls, args.warmup, args.rounds))
        print_table("async, sequential awaits", asynchronous, baseline="a.")
    parse = parse_section(body, args.parse_loops)
    title = f"parse step alone, {len(body):,}-byte body (calls/s = parses/s; no server)"
    print_table(title, parse, baseline="json.loads")
    sdk_acceptance(body)


if __name__ == "__main__":
    main()
