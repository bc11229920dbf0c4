"""The whole benchmark suite in one run: this package next to every alternative a user could pick, on one machine.

Run: ``.venv/bin/python bench/run_all.py [--smoke] [--json PATH] [--page PATH] [--no-alternatives] [--skip PARTS]``
(``--from-json PATH`` writes the page again from earlier figures, measuring nothing).

Writes the figures as JSON (default ``bench/results.json``) and as a Markdown page with SVG charts (default
``docs/benchmarks.md``, charts beside it). ``--smoke`` makes a few calls of each kind, judges no timing, uses the
alternatives only if their virtualenvs are already made (it never installs), and writes to a temporary folder
unless ``--json``/``--page`` say where.

Parts (``--skip`` takes a comma-separated list of them):

- ``calls``: search, task run (create, then result) and a Task Group event stream, through every contender, against
  one fixed-response server (``_server.py``, its own process: 10 results of 3 excerpts of about 1,500 characters; a
  queued run and a ~1.5 KB cited answer; a 10,000-event stream). Each contender lives in a measuring process
  (``_worker.py``) in its own virtualenv (``_venvs.py``); the contenders take turns, round after round, and each
  figure is the median of the round medians, each ratio the median of the per-round ratios.
- ``startup``: fresh ``python -c`` processes, the cases taking turns; medians, and the median of per-turn
  differences.
- ``batch``: 10,000 inputs through ``ParallelTaskRunnable.batch``, ``task_groups.run_batch`` and
  langchain-parallel's ``ParallelTaskGroup.run`` against the emulator (its own process); each case a fresh process
  (``_batch_worker.py``); peak traced memory at 1,000 and at 10,000 inputs.
- ``convert``: 10,000 search results to LangChain and to LlamaIndex documents, in process.
- ``emulator``: start to first answered search (``bench_emulator_start.py``), searches per second over HTTP, and
  relevance on the question set (``bench_relevance.py``).

Figures only: the targets are judged on the page, and nothing here fails because of a timing.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import _venvs
from _cases import ENVIRONMENT
from _floors import LANGCHAIN_MODULES, LLAMA_INDEX_MODULES, floor
from _page import write_page
from _server import BenchServer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARTS = ("calls", "startup", "batch", "convert", "emulator")


@dataclass(frozen=True)
class Plan:
    """How much of everything to do: the full run, or the smoke run's few calls."""

    rounds: int = 5
    calls: int = 300  # sequential calls per contender per round (fewer when a call is slow: see budget_s)
    warmup: int = 30
    batches: int = 12  # batches of `width` concurrent calls per contender per round
    width: int = 32
    budget_s: float = 1.5  # at most about this long per contender per round
    events: int = 10_000
    stream_reads: int = 3
    startup_runs: int = 10
    batch_sizes: tuple[int, int] = (1_000, 10_000)
    convert_results: int = 10_000
    emulator_runs: int = 3
    emulator_searches: int = 300


FULL = Plan()
SMOKE = Plan(
    rounds=1,
    calls=3,
    warmup=1,
    batches=1,
    width=4,
    budget_s=0.2,
    events=200,
    stream_reads=1,
    startup_runs=1,
    batch_sizes=(20, 40),
    convert_results=50,
    emulator_runs=1,
    emulator_searches=5,
)


# --- calls -------------------------------------------------------------------------------------------------------

SECTIONS: dict[str, tuple[str, str, str]] = {
    # key: (title, mode, case prefix)
    "search-sequential": ("Search, sequential calls", "sync", "search/"),
    "search-concurrent": ("Search, 32 concurrent async calls", "concurrent", "search/"),
    "task-sequential": ("Task run (create, then result), sequential", "sync", "task/"),
    "task-concurrent": ("Task run (create, then result), 32 concurrent async calls", "concurrent", "task/"),
    "events": ("Task Group event stream read into typed events", "sync", "events/"),
}


def _environment() -> dict[str, str]:
    skip = ("PARALLEL_", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONBREAKPOINT")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


class Worker:
    """A ``_worker.py`` process in one environment, answering one request at a time."""

    def __init__(self, python: Path | str, url: str) -> None:
        self._process = subprocess.Popen(
            [str(python), str(HERE / "_worker.py"), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=_environment(),
        )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            return {"error": f"the worker ended (exit {self._process.wait()})"}
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()


def measure_calls(plan: Plan, pythons: dict[str, Path | str]) -> dict[str, Any]:
    """Every case of every section, round after round; per case the round medians, their median and any error."""
    figures: dict[str, dict[str, Any]] = {key: {} for key in SECTIONS}
    with BenchServer(excerpts=3, excerpt_chars=(1350, 1650), events=plan.events) as server:
        used = set(ENVIRONMENT.values())
        workers = {env: Worker(python, server.url) for env, python in pythons.items() if env in used}
        try:
            for _ in range(plan.rounds):
                for key, (_, mode, prefix) in SECTIONS.items():
                    for case, env in ENVIRONMENT.items():
                        if not case.startswith(prefix) or env not in workers:
                            continue
                        entry = figures[key].setdefault(case, {"env": env, "rounds": []})
                        if "error" in entry or "skip" in entry:
                            continue
                        answer = workers[env].ask(_request(plan, key, case, mode))
                        if "us" in answer:
                            entry["rounds"].append(answer["us"])
                            entry.setdefault("cpu_rounds", []).append(answer["cpu_us"])
                        else:
                            entry.update({k: v for k, v in answer.items() if k in ("error", "skip", "trace")})
        finally:
            for worker in workers.values():
                worker.close()
    for section in figures.values():
        for entry in section.values():
            if entry["rounds"]:
                entry["us"] = statistics.median(entry["rounds"])
                entry["cpu_us"] = statistics.median(entry["cpu_rounds"])
    return figures


def _request(plan: Plan, key: str, case: str, mode: str) -> dict[str, Any]:
    expect = plan.events if key == "events" else 1 if key.startswith("task") else 10
    calls = plan.stream_reads if key == "events" else plan.batches if mode == "concurrent" else plan.calls
    warmup = 1 if key == "events" else max(1, calls // 10) if mode == "concurrent" else plan.warmup
    return {
        "case": case,
        "mode": mode,
        "calls": calls,
        "warmup": warmup,
        "width": plan.width,
        "expect": expect,
        "budget_s": plan.budget_s,
    }


# --- start-up ------------------------------------------------------------------------------------------------------

STARTUP_CASES: dict[str, tuple[str, str]] = {
    # key: (environment, code); the first two fall back to "ours" when "ours-core" is not made
    "floor": ("ours-core", "import httpx; from pydantic import BaseModel; httpx.Client()"),
    "ours": (
        "ours-core",
        "import parallel_integrations; parallel_integrations.ParallelClient('k', base_url='https://api.parallel.ai')",
    ),
    "sdk": ("sdk", "from parallel import Parallel; Parallel(api_key='k')"),
    # The LangChain pair runs in a LangChain user's environment (falling back to "ours" when it is not made); every
    # public name, as the adapter's names load on first use.
    "langchain-floor": ("ours-langchain", ""),  # filled from _floors
    "langchain-ours": ("ours-langchain", "from parallel_integrations.langchain import *"),
    "langchain-parallel": ("langchain-parallel", "import langchain_parallel"),
    "llama-index-floor": ("ours", ""),  # filled from _floors
    "llama-index-ours": ("ours", "import parallel_integrations.llama_index"),
    "llama-index-parallel": ("llama-index-parallel", "import llama_index.tools.parallel_web_systems"),
}


def _startup_code(available: dict[str, Path | str]) -> dict[str, tuple[str, str]]:
    # The floors are the ones the adapters' own benchmarks define: the package plus the framework modules it imports.
    cases = dict(STARTUP_CASES)
    cases["langchain-floor"] = ("ours-langchain", floor(LANGCHAIN_MODULES))
    cases["llama-index-floor"] = ("ours", floor(LLAMA_INDEX_MODULES))
    for key, (where, code) in cases.items():
        if where in _venvs.FROM_SOURCE and where not in available:
            cases[key] = ("ours", code)
    return cases


def measure_startup(plan: Plan, pythons: dict[str, Path | str]) -> dict[str, Any]:
    """Fresh processes, the cases taking turns (a first, dropped turn warms the file cache): ms per run.
    The smoke run starts every case once, all at the same time: it only checks that each one runs."""
    cases = {key: spec for key, spec in _startup_code(pythons).items() if spec[0] in pythons}
    samples: dict[str, list[float]] = {key: [] for key in cases}
    errors: dict[str, str] = {}
    env = _environment()
    source_env = {**env, "PYTHONPATH": str(ROOT / "src")}
    # Installed distributions come with their bytecode; give the package its own (PYTHONDONTWRITEBYTECODE may be set).
    compileall.compile_dir(ROOT / "src" / "parallel_integrations", quiet=1)
    turns = plan.startup_runs + 1 if plan.startup_runs > 1 else 1
    for turn in range(turns):
        together = turns == 1
        started: dict[str, tuple[float, subprocess.Popen[str]]] = {}
        for key, (where, code) in cases.items():
            if key in errors:
                continue
            command = [str(pythons[where]), "-c", code]
            started[key] = (time.perf_counter(), _spawn(command, source_env if where in _venvs.FROM_SOURCE else env))
            if not together:
                _finish(key, *started.pop(key), samples if turn else None, errors)
        for key, (start, process) in started.items():
            _finish(key, start, process, samples, errors)
    figures: dict[str, Any] = {}
    for key, values in samples.items():
        figures[key] = {"env": cases[key][0], "code": cases[key][1], "runs": values}
        if values:
            figures[key]["ms"] = statistics.median(values)
        if key in errors:
            figures[key]["error"] = errors[key]
    return figures


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _finish(
    key: str,
    start: float,
    process: subprocess.Popen[str],
    samples: dict[str, list[float]] | None,
    errors: dict[str, str],
) -> None:
    _, stderr = process.communicate()
    elapsed = (time.perf_counter() - start) * 1000
    if process.returncode:
        errors[key] = (stderr.strip().splitlines() or ["failed"])[-1]
    elif samples is not None:
        samples[key].append(elapsed)


# --- batch -----------------------------------------------------------------------------------------------------------


def _start_emulator() -> tuple[subprocess.Popen[str], str]:
    from bench_batch import start_emulator

    return start_emulator(queued=0.01, running=0.05)  # the batch worker sets the schedule again anyway


def _batch_case(python: Path | str, kind: str, emulator: int, url: str, n: int, trace: bool) -> dict[str, Any]:
    """One batch in a fresh process; with the emulator's CPU seconds meanwhile (warm-up batch included)."""
    from bench_batch import emulator_cpu

    command = [str(python), str(HERE / "_batch_worker.py"), kind, url, str(n)] + (["--trace"] if trace else [])
    before = emulator_cpu(emulator)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_environment(), timeout=900)
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    answer["emulator_cpu_s"] = emulator_cpu(emulator) - before
    return answer


def measure_batch(plan: Plan, pythons: dict[str, Path | str], smoke: bool) -> dict[str, Any]:
    """Wall time at the larger size for each runner; traced peak memory of ours at both sizes."""
    small, large = plan.batch_sizes
    figures: dict[str, Any] = {"sizes": [small, large], "wall": {}, "memory": {}}
    process, url = _start_emulator()
    try:
        for kind in ("ours-runnable", "ours-run-batch"):
            ours = pythons["ours"]
            traced = {str(n): _batch_case(ours, kind, process.pid, url, n, trace=True) for n in (small, large)}
            figures["memory"][kind] = traced
            # tracemalloc slows the client 2-3x: the wall time comes from a run of its own (smoke: the traced one)
            wall = traced[str(large)] if smoke else _batch_case(ours, kind, process.pid, url, large, trace=False)
            figures["wall"][kind] = wall
        if "langchain-parallel" in pythons:
            theirs = pythons["langchain-parallel"]
            whole = _batch_case(theirs, "lcp-group", process.pid, url, large, trace=False)
            figures["wall"]["lcp-group"] = whole
            if whole.get("error") or whole.get("failed"):
                chunked = _batch_case(theirs, "lcp-group-chunked", process.pid, url, large, trace=False)
                figures["wall"]["lcp-group-chunked"] = chunked
    finally:
        process.terminate()
        process.wait(timeout=15)
    return figures


# --- conversion ------------------------------------------------------------------------------------------------------


def measure_convert(plan: Plan) -> dict[str, Any]:
    """µs per document converting ``convert_results`` search results (10 per response), best of 5 passes."""
    from _server import search_payload

    from parallel_integrations import SearchResponse
    from parallel_integrations.langchain import search_documents
    from parallel_integrations.llama_index._convert import search_result_documents, search_result_nodes

    response = SearchResponse.model_validate(search_payload(excerpts=3, excerpt_chars=(1350, 1650)))
    responses = [response] * (plan.convert_results // len(response.results))
    converters = {
        "langchain Document": lambda r: search_documents(r, "query"),
        "llama_index Document": lambda r: search_result_documents(r, "query"),
        "llama_index NodeWithScore": lambda r: search_result_nodes(r, "query"),
    }
    figures: dict[str, Any] = {}
    for name, convert in converters.items():
        passes = []
        for _ in range(5):
            start = time.perf_counter()
            count = sum(len(convert(r)) for r in responses)
            passes.append((time.perf_counter() - start) / count * 1e6)
        figures[name] = {"us_per_document": min(passes), "documents": count}
    return figures


# --- emulator --------------------------------------------------------------------------------------------------------


def _last_json(command: list[str]) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=_environment(), timeout=600)
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def measure_emulator(plan: Plan, smoke: bool) -> dict[str, Any]:
    """Warm start to first answered search, searches per second over HTTP, and relevance."""
    from parallel_integrations import ParallelClient

    figures: dict[str, Any] = {}
    figures["start"] = _last_json(
        [sys.executable, str(HERE / "bench_emulator_start.py"), "--runs", str(plan.emulator_runs)]
    )
    process, url = _start_emulator()
    try:
        questions = [q["question"] for q in json.loads((ROOT / "tests/emulator/relevance_set.json").read_text())]
        with ParallelClient("bench-key", base_url=url) as client:
            client.search(questions[0], max_results=10)
            start = time.perf_counter()
            for i in range(plan.emulator_searches):
                client.search(questions[i % len(questions)], max_results=10)
            figures["searches_per_s"] = plan.emulator_searches / (time.perf_counter() - start)
    finally:
        process.terminate()
        process.wait(timeout=15)
    if not smoke:
        figures["relevance"] = _last_json([sys.executable, str(HERE / "bench_relevance.py")])
    return figures


# --- the run -------------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "commit": commit.stdout.strip(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_start": os.getloadavg(),
    }


def environments(smoke: bool, use_alternatives: bool) -> tuple[dict[str, Path | str], dict[str, Any]]:
    """The interpreters to measure with, and a note per alternative (made now, found ready, or skipped why)."""
    pythons: dict[str, Path | str] = {"ours": sys.executable}
    notes: dict[str, Any] = {}
    for name in _venvs.ALTERNATIVES:
        if not use_alternatives:
            notes[name] = {"skipped": "--no-alternatives"}
            continue
        if smoke:
            ready = _venvs.ready_python(name)
            if ready is None:
                notes[name] = {"skipped": "its virtualenv is not made (the smoke run never installs)"}
                continue
            pythons[name], notes[name] = ready, {"made_s": 0.0}
            continue
        try:
            python, seconds = _venvs.ensure_python(name)
        except (RuntimeError, subprocess.CalledProcessError) as problem:
            notes[name] = {"skipped": str(problem)[-500:]}
            continue
        pythons[name], notes[name] = python, {"made_s": round(seconds, 1)}
    for name, python in pythons.items():
        notes.setdefault(name, {})["versions"] = _venvs.versions(python, _venvs.DISTRIBUTIONS[name])
    for name, note in notes.items():
        note["requirement"] = (
            "this repository, editable, with every extra" if name == "ours" else _venvs.requirement(name)
        )
        if name in _venvs.FROM_SOURCE:
            note["requirement"] += " (the package from src/ on PYTHONPATH)"
    return pythons, notes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few calls of each kind, no timing judged")
    parser.add_argument("--json", type=Path, help="where the figures go (default bench/results.json)")
    parser.add_argument("--page", type=Path, help="where the Markdown page goes (default docs/benchmarks.md)")
    parser.add_argument("--no-alternatives", action="store_true", help="measure this package and the floors only")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip: {', '.join(PARTS)}")
    parser.add_argument("--from-json", type=Path, help="measure nothing: write the page from these figures")
    args = parser.parse_args(argv)
    if args.from_json:
        write_page(json.loads(args.from_json.read_text()), args.page or ROOT / "docs" / "benchmarks.md")
        return
    skip = set(filter(None, args.skip.split(",")))
    if skip - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(skip - set(PARTS)))}")
    plan = SMOKE if args.smoke else FULL
    scratch = Path(tempfile.mkdtemp(prefix="bench-smoke-")) if args.smoke else None
    json_path = args.json or (scratch / "results.json" if scratch else HERE / "results.json")
    page_path = args.page or (scratch / "benchmarks.md" if scratch else ROOT / "docs" / "benchmarks.md")

    started = time.perf_counter()
    results: dict[str, Any] = {"command": " ".join([".venv/bin/python", "bench/run_all.py", *sys.argv[1:]])}
    results["smoke"] = args.smoke
    results["plan"] = asdict(plan)
    results["machine"] = machine()
    pythons, results["environments"] = environments(args.smoke, not args.no_alternatives)
    steps = {
        "calls": lambda: measure_calls(plan, pythons),
        "startup": lambda: measure_startup(plan, pythons),
        "batch": lambda: measure_batch(plan, pythons, args.smoke),
        "convert": lambda: measure_convert(plan),
        "emulator": lambda: measure_emulator(plan, args.smoke),
    }
    for part, step in steps.items():
        if part in skip:
            continue
        begun = time.perf_counter()
        print(f"{part}...", flush=True)
        results[part] = step()
        results.setdefault("seconds", {})[part] = round(time.perf_counter() - begun, 1)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["seconds"]["total"] = round(time.perf_counter() - started, 1)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    write_page(results, page_path)
    print(f"wrote {json_path} and {page_path} in {results['seconds']['total']:.0f} s")


if __name__ == "__main__":
    main()
