"""The LangChain adapter's costs: per-call overhead over the bare client, import time, and requests per batch.

Run: ``.venv/bin/python bench/bench_langchain.py [--calls N] [--warmup W] [--rounds R] [--import-runs N]
[--batch-size N] [--skip calls,import,batch]``

1. **Per call** (targets: within 1.3x of the bare client). Against the local server of ``bench_client.py`` (the same
   47 KB answer, 10 results, in its own process), interleaved rounds: ``ParallelClient.search`` and, on the same
   client, ``ParallelSearchRetriever.invoke`` (10 ``Document`` objects), ``ParallelSearchTool.invoke`` with plain
   args (numbered text within the budget) and with a ``ToolCall`` (a ``ToolMessage`` with the artifact), and the
   floor of the tool's call: the same search, then ``invoke`` of the search tool with its answer ready
   (``_floors.ready_search_tool``: LangChain's part of the call, no rendering); then the async twins. Printed:
   median, p90, CPU per call, each median as a ratio of the bare client's, and the tool over that floor, judged as
   the ratio the tool would have if LangChain's part were free; then what LangChain's ``BaseTool.invoke`` and
   ``BaseRetriever.invoke`` cost on their own, in process (a tool and a retriever that do nothing), which is the
   part of the overhead this package does not control.
2. **Import** (target: within 10%; with ``--compare``, at most 0.7x ``import langchain_parallel``). Fresh
   processes, cases taking turns, medians: every public name of ``parallel_integrations.langchain`` (``from ... import
   *``: the names load on first use, so a bare ``import parallel_integrations.langchain`` builds no class) next to
   ``import parallel_integrations`` plus the langchain_core modules the adapter builds on (the floor any adapter
   pays), next to the interpreter alone, and what the search tool alone costs, imported and built (its two clients
   included). They run in the virtualenv of a LangChain user (``_venvs.py``: what ``parallel-integrations[langchain]``
   installs, at this project's versions, the package from src/) when it is made (``--compare`` makes it), else in
   the project's own, which the output says; the package's bytecode is compiled first, as an installed wheel's is.
3. **Batch requests**: ``ParallelTaskRunnable.batch`` of N inputs (default 1,000) against the emulator, requests
   counted by route from its request log (the suite asserts the count; here it is shown with the wall time).

4. **Side by side** (``--compare``): ``langchain-parallel`` 0.5.0, in its own virtualenv, the one ``run_all.py``
   uses (``_venvs.py``; made on first use: it pins its own versions), against the same
   server: its retriever and search tool (both on ``/v1/search``) and its SDK's ``search``, next to ours.

Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _floors import LANGCHAIN_MODULES, floor, ready_search_tool
from _server import BenchServer
from _timing import median_us
from _venvs import ALTERNATIVES, cache_folder, ensure_python, ready_python
from bench_client import API_KEY, OBJECTIVE, Figures, print_table, run_async, run_sync

from parallel_integrations import AsyncParallelClient, ParallelClient

HERE = Path(__file__).resolve().parent

LANGCHAIN_FLOOR = floor(LANGCHAIN_MODULES)
IMPORT_CASES = {
    "a. python -c pass": "pass",
    "b. parallel_integrations + the langchain_core modules used": LANGCHAIN_FLOOR,
    "c. every public name of parallel_integrations.langchain": "from parallel_integrations.langchain import *",
    "d. the search tool alone, imported and built": (
        "from parallel_integrations.langchain import ParallelSearchTool; ParallelSearchTool(api_key='k')"
    ),
}
OTHER_IMPORT = ("x. import langchain_parallel (its own virtualenv)", "import langchain_parallel")


class Answer:
    """What a contender returned. ``bench_client``'s check counts its ``results`` once, before the timed calls; the
    count (splitting the tool's ~46,000-character text into lines, about 60 µs) is made only then, so the timed
    calls measure the adapter, not the benchmark's own check."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    @property
    def results(self) -> list[Any]:
        if isinstance(self.value, list):
            return self.value
        text = self.value if isinstance(self.value, str) else self.value.content
        return [line for line in text.splitlines() if line.startswith("[")]


def _call(number: int) -> dict[str, Any]:
    return {"type": "tool_call", "id": f"c{number}", "name": "parallel_search", "args": {"objective": OBJECTIVE}}


def sync_contenders(url: str) -> tuple[dict[str, Callable[[], Any]], ParallelClient]:
    from parallel_integrations.langchain import ParallelSearchRetriever, ParallelSearchTool

    client = ParallelClient(API_KEY, base_url=url)
    retriever = ParallelSearchRetriever(client=client, k=10, processor="base")
    tool = ParallelSearchTool(client=client, max_results=10, processor="base", max_chars=100_000)
    ready = ready_search_tool(client, None, *tool._run(OBJECTIVE))

    def floor() -> Answer:
        client.search(OBJECTIVE, processor="base", max_results=10)
        return Answer(ready.invoke({"objective": OBJECTIVE}))

    return {
        "a. ParallelClient.search": lambda: client.search(OBJECTIVE, processor="base", max_results=10),
        "b. ParallelSearchRetriever.invoke": lambda: Answer(retriever.invoke(OBJECTIVE)),
        "c. ParallelSearchTool.invoke(args) -> text": lambda: Answer(tool.invoke({"objective": OBJECTIVE})),
        "d. ParallelSearchTool.invoke(ToolCall)": lambda: Answer(tool.invoke(_call(1))),
        "e. search, then invoke(args) of a ready tool": floor,
    }, client


async def async_section(url: str, server: BenchServer, calls: int, warmup: int, rounds: int) -> list[Figures]:
    from parallel_integrations.langchain import ParallelSearchRetriever, ParallelSearchTool

    client = AsyncParallelClient(API_KEY, base_url=url)
    retriever = ParallelSearchRetriever(async_client=client, k=10, processor="base")
    tool = ParallelSearchTool(async_client=client, max_results=10, processor="base", max_chars=100_000)

    async def bare() -> Any:
        return await client.search(OBJECTIVE, processor="base", max_results=10)

    async def retrieve() -> Any:
        return Answer(await retriever.ainvoke(OBJECTIVE))

    async def text() -> Any:
        return Answer(await tool.ainvoke({"objective": OBJECTIVE}))

    async def message() -> Any:
        return Answer(await tool.ainvoke(_call(2)))

    ready = ready_search_tool(None, client, *(await tool._arun(OBJECTIVE)))

    async def floor() -> Any:
        await client.search(OBJECTIVE, processor="base", max_results=10)
        return Answer(await ready.ainvoke({"objective": OBJECTIVE}))

    contenders: dict[str, Callable[[], Awaitable[Any]]] = {
        "a. AsyncParallelClient.search": bare,
        "b. ParallelSearchRetriever.ainvoke": retrieve,
        "c. ParallelSearchTool.ainvoke(args) -> text": text,
        "d. ParallelSearchTool.ainvoke(ToolCall)": message,
        "e. search, then ainvoke(args) of a ready tool": floor,
    }
    try:
        return await run_async(server, contenders, calls, warmup, rounds)
    finally:
        await client.aclose()


def print_ratios(figures: list[Figures]) -> None:
    """Each median as a ratio of the bare client's; then the tool (c) over the floor (e), LangChain's part of its
    call, judged as the ratio the tool would have if that part were free: 1 + (c - e) / a."""
    base = figures[0]
    print(f"  median as a ratio of {base.name} (target: at most 1.30):")
    for fig in figures[1:]:
        ratio = fig.median_us / base.median_us
        print(f"    {fig.name:<46} {ratio:>6.2f}x  {'within' if ratio <= 1.3 else 'OVER'}")
    tool, floor = figures[2], figures[4]
    own = tool.median_us - floor.median_us
    ratio = 1 + own / base.median_us
    print(
        f"    c over the floor (e): {own:+.1f} µs, so {ratio:.2f}x the bare client with LangChain's own"
        f" BaseTool.invoke set aside, {'within' if ratio <= 1.3 else 'OVER'} 1.30"
    )


def framework_floor(calls: int) -> None:
    """What LangChain itself costs per call: a tool and a retriever that do nothing, same schema, no HTTP."""
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.tools import BaseTool

    from parallel_integrations.langchain.tools import ParallelSearchInput

    class NoOpTool(BaseTool):
        name: str = "parallel_search"
        description: str = "does nothing"
        args_schema: Any = ParallelSearchInput
        response_format: Any = "content_and_artifact"

        def _run(self, objective: str, search_queries: list[str] | None = None, run_manager: Any = None) -> Any:
            return "text", None

    class NoOpRetriever(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return []

    tool, retriever = NoOpTool(), NoOpRetriever()
    cases = {
        "BaseTool.invoke(args), _run does nothing": lambda: tool.invoke({"objective": OBJECTIVE}),
        "BaseTool.invoke(ToolCall), _run does nothing": lambda: tool.invoke(_call(3)),
        "BaseRetriever.invoke, returns []": lambda: retriever.invoke(OBJECTIVE),
    }
    print("\n  LangChain's own cost per call (no HTTP, nothing done; median µs):")
    for name, case in cases.items():
        print(f"    {name:<46} {median_us(case, calls, 200):>8.1f}")


def per_call(calls: int, warmup: int, rounds: int) -> None:
    with BenchServer("threading") as server:
        contenders, client = sync_contenders(server.url)
        try:
            sync = run_sync(server, contenders, calls, warmup, rounds)
        finally:
            client.close()
        print_table("1. per call, sync (same client, same server)", sync)
        print_ratios(sync)
        asynchronous = asyncio.run(async_section(server.url, server, calls, warmup, rounds))
        print_table("1. per call, async sequential awaits", asynchronous)
        print_ratios(asynchronous)
    framework_floor(calls)


def _environment() -> dict[str, str]:
    skip = ("PARALLEL_", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


def import_python(make: bool) -> tuple[str, dict[str, str], str]:
    """Where the import cases run: the LangChain user's virtualenv (made now if ``make``), else this one."""
    env = _environment()
    python = ensure_python("ours-langchain")[0] if make else ready_python("ours-langchain")
    if python is None:
        where = "the project's virtualenv (with the cli extra's click, rich and pygments, which import httpx loads)"
        return sys.executable, env, where
    where = "a LangChain user's virtualenv (parallel-integrations[langchain] at this project's versions; src/)"
    return str(python), {**env, "PYTHONPATH": str(HERE.parent / "src")}, where


def compile_package() -> None:
    """Write the package's bytecode, as installing a wheel does (PYTHONDONTWRITEBYTECODE may be set here)."""
    compileall.compile_dir(HERE.parent / "src" / "parallel_integrations", quiet=1)


def imports(runs: int, compare: bool) -> None:
    python, env, where = import_python(make=compare)
    compile_package()
    cases = {name: (python, env, code) for name, code in IMPORT_CASES.items()}
    if compare:
        cases[OTHER_IMPORT[0]] = (str(other_python()), _environment(), OTHER_IMPORT[1])
    samples: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for turn in range(runs + 1):  # the first turn warms the caches and is dropped
        for name, (interpreter, environment, code) in cases.items():
            used = _children_cpu()
            start = time.perf_counter()
            subprocess.run([interpreter, "-c", code], env=environment, check=True)
            if turn:
                samples[name].append((time.perf_counter() - start) * 1000)
                cpu[name].append((_children_cpu() - used) * 1000)
    print(f"\n2. import, fresh process, {runs} runs per case (wall: median, min, max; CPU: median; in ms)")
    print(f"  in {where}")
    for name, values in samples.items():
        print(
            f"  {name:<58} {statistics.median(values):>7.1f} {min(values):>7.1f} {max(values):>7.1f}"
            f"   CPU {statistics.median(cpu[name]):>7.1f}"
        )
    _import_verdicts(samples, "wall", compare)
    _import_verdicts(cpu, "CPU", compare)
    # A whole process also pays the interpreter's exit (about 150 ms with langchain_core loaded, here): its spread
    # hides a few ms. Timed inside the process, the adapter's own import work after the floor's is steadier.
    own = [_work_after_floor(python, env) for _ in range(runs)]
    floor_ms = statistics.median(cpu[list(IMPORT_CASES)[1]])
    median = statistics.median(own)
    print(
        f"  in process: CPU of importing every public name after the floor's modules, median {median:.1f} ms"
        f" (min {min(own):.1f}): {median / floor_ms:.1%} of b's CPU"
    )


def _work_after_floor(python: str, env: dict[str, str]) -> float:
    code = (
        f"import time\n{LANGCHAIN_FLOOR}\nstart = time.process_time()\n"
        "from parallel_integrations.langchain import *\nprint((time.process_time() - start) * 1000)"
    )
    done = subprocess.run([python, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(done.stdout)


def _children_cpu() -> float:
    # user + system seconds of the finished child processes: on a shared machine, less moved by the load than wall
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _import_verdicts(samples: dict[str, list[float]], kind: str, compare: bool) -> None:
    bare, floor, ours, tool = (samples[n] for n in IMPORT_CASES)
    over = statistics.median(o - f for o, f in zip(ours, floor, strict=True))
    over_ratio = statistics.median(ours) / statistics.median(floor)
    print(
        f"  {kind}: c - b (the adapter's own modules), median of per-turn differences: {over:+.1f} ms; "
        f"c / b = {over_ratio:.3f} ({'within' if over_ratio <= 1.10 else 'OVER'} 1.10)"
    )
    whole = statistics.median(ours) - statistics.median(bare)
    alone = statistics.median(t - f for t, f in zip(tool, floor, strict=True))
    print(
        f"  {kind}: c - a (everything the import costs a program): {whole:+.1f} ms; d - b (the search tool's modules"
        f" and its first construction, clients included): {alone:+.1f} ms"
    )
    if compare:
        ratio = statistics.median(ours) / statistics.median(samples[OTHER_IMPORT[0]])
        print(f"  {kind}: c / x = {ratio:.3f} ({'within' if ratio <= 0.70 else 'OVER'} 0.70)")


def batch_requests(size: int) -> None:
    from parallel_integrations.emulator import Schedule, serve
    from parallel_integrations.langchain import ParallelTaskRunnable

    with serve() as emulator:
        emulator.set_schedule(Schedule(queued=0.01, running=0.05))
        runnable = ParallelTaskRunnable(api_key="bench", base_url=emulator.base_url, output="one sentence")
        start = time.perf_counter()
        answers = runnable.batch([f"question number {i}" for i in range(size)], return_exceptions=True)
        elapsed = time.perf_counter() - start
        failures = sum(isinstance(a, Exception) for a in answers)
        routes = Counter(_route(r.method, r.path) for r in emulator.requests())
    print(f"\n3. ParallelTaskRunnable.batch of {size:,} inputs on the emulator: {elapsed:.1f} s, {failures} failures")
    print(f"  {sum(routes.values())} requests in all:")
    for route, count in routes.most_common():
        print(f"    {count:>5}  {route}")


def _route(method: str, path: str) -> str:
    parts = ["{id}" if part.startswith(("trun_", "tgrp_")) else part for part in path.split("/")]
    return f"{method} {'/'.join(parts)}"


# --- 4. side by side with langchain-parallel ---------------------------------------------------------------------

OTHER = ALTERNATIVES["langchain-parallel"]

# Runs in the other package's own virtualenv (it pins its own parallel-web); prints medians in µs as JSON.
OTHER_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[5])
from _timing import median_us
from langchain_parallel import ParallelSearchRetriever, ParallelWebSearchTool
from parallel import Parallel
url, calls, warmup, objective = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sdk = Parallel(api_key="bench-key", base_url=url)
retriever = ParallelSearchRetriever(api_key="bench-key", base_url=url, max_results=10, objective=objective)
tool = ParallelWebSearchTool(api_key="bench-key", base_url=url)
args = {"objective": objective, "search_queries": [objective], "max_results": 10}
cases = {
    "SDK Parallel.search (its floor)": lambda: sdk.search(objective=objective, search_queries=[objective],
                                                          advanced_settings={"max_results": 10}),
    "ParallelSearchRetriever.invoke": lambda: retriever.invoke(objective),
    "ParallelWebSearchTool.invoke(args)": lambda: tool.invoke(args),
}
assert len(retriever.invoke(objective)) == 10
print(json.dumps({name: median_us(case, calls, warmup) for name, case in cases.items()}))
"""


def other_python() -> Path:
    """The other package's interpreter, its virtualenv made on first use (it pins versions of its own)."""
    python, seconds = ensure_python("langchain-parallel")
    if seconds:
        print(f"  made the virtualenv of {OTHER} in {seconds:.0f} s (once)")
    return python


def side_by_side(calls: int, warmup: int) -> None:
    from parallel_integrations.langchain import ParallelSearchRetriever, ParallelSearchTool

    python = other_python()
    with BenchServer("threading") as server:
        client = ParallelClient(API_KEY, base_url=server.url)
        retriever = ParallelSearchRetriever(client=client, k=10)
        tool = ParallelSearchTool(client=client, max_results=10, max_chars=100_000)
        ours: dict[str, Callable[[], Any]] = {
            "ParallelClient.search (our floor)": lambda: client.search(OBJECTIVE, max_results=10),
            "ParallelSearchRetriever.invoke": lambda: retriever.invoke(OBJECTIVE),
            "ParallelSearchTool.invoke(args)": lambda: tool.invoke({"objective": OBJECTIVE}),
        }
        mine: dict[str, list[float]] = {name: [] for name in ours}
        theirs: dict[str, list[float]] = {}
        for _ in range(2):  # take turns, so drift on the shared machine hits both
            for name, case in ours.items():
                mine[name].append(median_us(case, calls, warmup))
            done = subprocess.run(
                [str(python), "-c", OTHER_SCRIPT, server.url, str(calls), str(warmup), OBJECTIVE, str(HERE)],
                check=True,
                capture_output=True,
                text=True,
            )
            for name, value in json.loads(done.stdout).items():
                theirs.setdefault(name, []).append(value)
        client.close()
    print(f"\n4. side by side with {OTHER} (its own venv), same server, {calls} calls x 2 turns, median µs per call")
    for label, figures in (("parallel-integrations", mine), (OTHER, theirs)):
        print(f"  {label}")
        for name, values in figures.items():
            print(f"    {name:<46} {statistics.median(values):>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per contender (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed calls per contender first (default 200)")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the calls are split over")
    parser.add_argument("--import-runs", type=int, default=15, help="fresh processes per import case (default 15)")
    parser.add_argument("--batch-size", type=int, default=1000, help="inputs of the batch (default 1000)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: calls, import, batch")
    parser.add_argument(
        "--compare",
        action="store_true",
        help=f"also run {OTHER} side by side (installs it once under {cache_folder()})",
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    print(f"{os.cpu_count()} cores, Python {platform.python_version()}")
    if "calls" not in skip:
        per_call(args.calls, args.warmup, args.rounds)
    if "import" not in skip:
        imports(args.import_runs, args.compare)
    if "batch" not in skip:
        batch_requests(args.batch_size)
    if args.compare:
        side_by_side(max(200, args.calls // 4), max(20, args.warmup // 4))


if __name__ == "__main__":
    main()
