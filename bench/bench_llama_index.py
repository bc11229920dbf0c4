"""Cost of the LlamaIndex adapter: per call next to the bare client, and at import next to what it builds on.

Run: ``.venv/bin/python bench/bench_llama_index.py [--calls N] [--warmup W] [--rounds R] [--runs S]``

Per call: the local search server of ``bench/_server.py`` (its own process, 10 results of ~4.7 KB each) answers
every contender; each makes W warm-up calls, then N timed calls split over R interleaved rounds. Printed: median
and p90 per call in µs, CPU per call, and each contender's median as a ratio of the bare client's (target: at
most 1.3x).

- sync: ``ParallelClient.search``; ``ParallelSearchReader.load_data``; ``ParallelSearchRetriever.retrieve``
  (LlamaIndex's instrumentation spans, events and callback manager included); and the floor of any retriever on
  this client: ``search`` followed by LlamaIndex's ``retrieve`` around a retriever that returns 10 ready nodes
  (the two cost more together than apart: each evicts the other's code and data from the CPU's caches); then the
  retriever's time over that floor, which is the adapter's own part, judged as the ratio the retriever would have
  if LlamaIndex's ``retrieve()`` were free, ``1 + (c - d) / a`` (target: at most 1.3x). The plain ratio c / a is
  printed and judged too, but on this loopback server the floor alone (d / a) is 1.2x to 1.4x: no retriever, even
  one that converts nothing, meets 1.3x here on every run;
- async, sequential awaits: ``AsyncParallelClient.search``; ``aload_data``; ``aretrieve``; the same floor, awaited;
- the same sync calls, and LlamaIndex's ``retrieve`` around a retriever that returns 10 ready nodes, on an
  in-process ``httpx.MockTransport`` answering the same body: no socket, no server,
  no scheduling noise, so the difference is the adapter's own work (conversion to ``Document``/``NodeWithScore``,
  and for the retriever LlamaIndex's spans, events and callbacks); the ratio is a worst case, since a real call
  adds network time to the bare client's side only.

At import (fresh ``python -c`` processes, taking turns, median of S runs; one warm-up turn first):

  a. ``import parallel_integrations`` plus every ``llama_index.core`` module the adapter imports (the floor);
  b. ``import parallel_integrations.llama_index`` (target: at most 10% over a);
  c. ``import llama_index.core`` (its top level, for reference: importing any submodule runs it anyway);
  d. ``import parallel_integrations`` alone.

Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from _floors import LLAMA_INDEX_MODULES, floor, ready_retriever
from _server import BenchServer, search_body
from bench_client import HEADER, Figures
from llama_index.core.schema import NodeWithScore

from parallel_integrations import AsyncParallelClient, ParallelClient
from parallel_integrations.llama_index import ParallelSearchReader, ParallelSearchRetriever

API_KEY = "bench-key"
OBJECTIVE = "How do Python decorators work, and when should functools.wraps be used?"
TARGET_CALL_RATIO = 1.3
TARGET_IMPORT_RATIO = 1.10

ADAPTER_IMPORTS = LLAMA_INDEX_MODULES
IMPORT_CASES = {
    "a": (
        "parallel_integrations + the llama_index.core modules used",
        floor(ADAPTER_IMPORTS),
    ),
    "b": ("import parallel_integrations.llama_index", "import parallel_integrations.llama_index"),
    "c": ("import llama_index.core (top level)", "import llama_index.core"),
    "d": ("import parallel_integrations", "import parallel_integrations"),
}


def _count(result: Any, name: str) -> None:
    # Not a timing: each contender must really have received the 10 results.
    results = result.results if hasattr(result, "results") else result
    if len(results) != 10:
        raise RuntimeError(f"{name} returned {len(results)} results instead of 10")


async def time_calls(contenders: dict[str, Callable[[], Any]], calls: int, warmup: int, rounds: int) -> list[Figures]:
    """One timing loop for sync and async contenders: a call's result is awaited when it is awaitable (the check
    costs every contender of a table alike, well under a microsecond)."""

    async def once(call: Callable[[], Any]) -> Any:
        result = call()
        return await result if inspect.isawaitable(result) else result

    figures = {name: Figures(name) for name in contenders}
    for name, call in contenders.items():
        _count(await once(call), name)
        for _ in range(warmup):
            await once(call)
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for name, call in contenders.items():
            fig = figures[name]
            gc.collect()
            cpu, start = time.process_time_ns(), clock()
            for _ in range(max(1, calls // rounds)):
                t0 = clock()
                await once(call)
                fig.samples_ns.append(clock() - t0)
            fig.wall_ns += clock() - start
            fig.cpu_ns += time.process_time_ns() - cpu
    return list(figures.values())


def print_ratios(title: str, figures: list[Figures]) -> None:
    print(f"\n{title}\n{HEADER}")
    for fig in figures:
        print(fig.row())
    base = figures[0]
    for fig in figures[1:]:
        ratio = fig.median_us / base.median_us
        verdict = "within" if ratio <= TARGET_CALL_RATIO else "OVER"
        print(
            f"    {fig.name:<46} {ratio:5.2f}x the bare client ({fig.median_us - base.median_us:+.1f} µs), "
            f"{verdict} {TARGET_CALL_RATIO}x"
        )


def print_over_floor(figures: list[Figures]) -> None:
    """The retriever (c) over the floor of any retriever (d), which is the adapter's own part, conversion included;
    judged as the ratio the retriever would have if LlamaIndex's ``retrieve()`` cost nothing: 1 + (c - d) / a."""
    bare, retriever, floor = figures[0], figures[2], figures[3]
    own = retriever.median_us - floor.median_us
    ratio = 1 + own / bare.median_us
    verdict = "within" if ratio <= TARGET_CALL_RATIO else "OVER"
    print(
        f"    {retriever.name} over the floor (d): {own:+.1f} µs, so {ratio:.2f}x the bare client with LlamaIndex's"
        f" own retrieve() set aside, {verdict} {TARGET_CALL_RATIO}x"
    )


def per_call(calls: int, warmup: int, rounds: int) -> None:
    with BenchServer("threading") as server:
        client = ParallelClient(API_KEY, base_url=server.url)
        async_client = AsyncParallelClient(API_KEY, base_url=server.url)
        reader = ParallelSearchReader(client=client, async_client=async_client, max_results=10)
        retriever = ParallelSearchRetriever(client=client, async_client=async_client, max_results=10)
        ready = ready_retriever(retriever.retrieve(OBJECTIVE))

        def floor() -> list[NodeWithScore]:
            client.search(OBJECTIVE, max_results=10)
            return ready.retrieve(OBJECTIVE)

        sync = {
            "a. ParallelClient.search": lambda: client.search(OBJECTIVE, max_results=10),
            "b. ParallelSearchReader.load_data": lambda: reader.load_data(OBJECTIVE),
            "c. ParallelSearchRetriever.retrieve": lambda: retriever.retrieve(OBJECTIVE),
            "d. search, then retrieve() of ready nodes": floor,
        }
        figures = asyncio.run(time_calls(sync, calls, warmup, rounds))
        print_ratios("sync, sequential calls", figures)
        print_over_floor(figures)

        async def async_floor() -> list[NodeWithScore]:
            await async_client.search(OBJECTIVE, max_results=10)
            return await ready.aretrieve(OBJECTIVE)

        async def run_async() -> list[Figures]:
            contenders: dict[str, Callable[[], Awaitable[Any]]] = {
                "a. AsyncParallelClient.search": lambda: async_client.search(OBJECTIVE, max_results=10),
                "b. ParallelSearchReader.aload_data": lambda: reader.aload_data(OBJECTIVE),
                "c. ParallelSearchRetriever.aretrieve": lambda: retriever.aretrieve(OBJECTIVE),
                "d. search, then aretrieve() of ready nodes": async_floor,
            }
            try:
                return await time_calls(contenders, calls, warmup, rounds)
            finally:
                await async_client.aclose()

        figures = asyncio.run(run_async())
        print_ratios("async, sequential awaits", figures)
        print_over_floor(figures)
        client.close()


def in_process(calls: int, warmup: int, rounds: int) -> None:
    body = search_body()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    client = ParallelClient(
        API_KEY, base_url="http://bench.test", http_client=httpx.Client(transport=transport), allow_insecure_http=True
    )
    reader = ParallelSearchReader(client=client, max_results=10)
    retriever = ParallelSearchRetriever(client=client, max_results=10)
    ready = ready_retriever(retriever.retrieve(OBJECTIVE))
    contenders = {
        "a. ParallelClient.search": lambda: client.search(OBJECTIVE, max_results=10),
        "b. ParallelSearchReader.load_data": lambda: reader.load_data(OBJECTIVE),
        "c. ParallelSearchRetriever.retrieve": lambda: retriever.retrieve(OBJECTIVE),
        "d. LlamaIndex retrieve() of 10 ready nodes": lambda: ready.retrieve(OBJECTIVE),
    }
    print_ratios(
        "sync, in-process transport (the adapter's own work)",
        asyncio.run(time_calls(contenders, calls, warmup, rounds)),
    )


def _environment() -> dict[str, str]:
    skip = ("PARALLEL_", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONBREAKPOINT")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


def at_import(runs: int) -> None:
    env = _environment()
    samples: dict[str, list[float]] = {key: [] for key in IMPORT_CASES}
    for turn in range(runs + 1):
        for key, (_, code) in IMPORT_CASES.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
            if turn:
                samples[key].append((time.perf_counter() - start) * 1000)
    print(f"\nat import: fresh processes, median of {runs} runs\n  {'case':<62} {'median':>8} {'min':>8}")
    medians = {key: statistics.median(values) for key, values in samples.items()}
    for key, (label, _) in IMPORT_CASES.items():
        print(f"  {key}. {label:<59} {medians[key]:>6.1f}ms {min(samples[key]):>6.1f}ms")
    ratio = medians["b"] / medians["a"]
    paired = statistics.median(b - a for a, b in zip(samples["a"], samples["b"], strict=True))
    verdict = "within" if ratio <= TARGET_IMPORT_RATIO else "OVER"
    print(f"  b / a: {ratio:.3f} ({paired:+.1f} ms, median of per-turn differences), {verdict} {TARGET_IMPORT_RATIO}")
    print(f"  a - d (llama_index.core, what the adapter builds on): {medians['a'] - medians['d']:+.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="timed calls per contender (default 1000)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls per contender first (default 100)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the calls are split over")
    parser.add_argument("--runs", type=int, default=11, help="fresh-process runs per import case (0: skip)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {platform.python_version()}")
    per_call(args.calls, args.warmup, args.rounds)
    in_process(args.calls, args.warmup, args.rounds)
    if args.runs:
        at_import(args.runs)


if __name__ == "__main__":
    main()
