"""``bench/bench_langchain.py`` cannot rot: a smoke run of its per-call part with a few calls of each kind (no timing
judged), and of its batch part with a small batch against the emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "bench_langchain.py"


def test_a_smoke_run_makes_every_kind_of_call() -> None:
    command = [sys.executable, str(BENCH), "--calls", "4", "--warmup", "1", "--rounds", "2", "--skip", "import,batch"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    for title in ("1. per call, sync", "1. per call, async sequential awaits", "LangChain's own cost per call"):
        assert title in done.stdout
    for contender in ("ParallelSearchRetriever.invoke", "ParallelSearchTool.ainvoke(ToolCall)", "of a ready tool"):
        assert contender in done.stdout
    assert done.stdout.count("x  within") + done.stdout.count("x  OVER") == 8  # each contender's ratio, twice
    assert done.stdout.count("with LangChain's own BaseTool.invoke set aside") == 2


def test_the_batch_part_counts_requests_by_route() -> None:
    command = [sys.executable, str(BENCH), "--skip", "calls,import", "--batch-size", "20"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ParallelTaskRunnable.batch of 20 inputs on the emulator" in done.stdout
    assert "0 failures" in done.stdout
    for route in ("POST /v1beta/tasks/groups\n", "POST /v1beta/tasks/groups/{id}/runs", "/events"):
        assert route in done.stdout
