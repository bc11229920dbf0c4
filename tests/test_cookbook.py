"""The cookbook's scripts run against the emulator, each checked for what its opening line says it shows; a
script no test runs fails the suite. (The LangChain and LlamaIndex scripts are run by ``tests/langchain`` and
``tests/llama_index``; this file runs the rest, and ``test_my_chain.py`` through pytest as its reader would.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parallel_integrations import AsyncParallelClient, ParallelClient
from parallel_integrations.emulator import RunningEmulator
from tests.cookbook import COOKBOOK, load, printed

TESTS = Path(__file__).resolve().parent
HELPERS = {"connect.py"}  # imported by the scripts, not a recipe
DOCS = r"https://docs\.python\.org/3/\S+"


def recipes() -> list[str]:
    return sorted(p.name for p in COOKBOOK.glob("*.py") if p.name not in HELPERS)


def test_every_cookbook_script_is_run_by_a_test() -> None:
    cookbook_tests = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.rglob("test_cookbook.py"))
    named = set(re.findall(r"""["']([\w.]+?)(?:\.py)?["']""", cookbook_tests))
    untested = [name for name in recipes() if name.removesuffix(".py") not in named]
    assert untested == []


@pytest.mark.parametrize("name", recipes())
def test_each_script_says_what_it_shows_and_runs_on_its_own(name: str) -> None:
    text = (COOKBOOK / name).read_text(encoding="utf-8")
    first_line = text.splitlines()[0]
    assert first_line.startswith('"""')
    assert len(first_line) > 40
    if not name.startswith("test_"):
        assert callable(load(name).main)
        assert "from connect import api_or_emulator" in text.split('if __name__ == "__main__":')[1]


def test_connect_without_a_key_starts_the_emulator_for_the_block(monkeypatch, capsys) -> None:
    connect = load("connect.py")
    monkeypatch.delenv("PARALLEL_API_KEY", raising=False)
    monkeypatch.delenv("PARALLEL_BASE_URL", raising=False)
    with connect.api_or_emulator() as url, ParallelClient() as client:
        assert url.startswith("http://127.0.0.1:")
        assert os.environ["PARALLEL_BASE_URL"] == url
        assert client.search("context managers", max_results=1).results
    assert "PARALLEL_API_KEY" not in os.environ
    assert "PARALLEL_BASE_URL" not in os.environ
    assert f"No PARALLEL_API_KEY set: using the emulator at {url}" in capsys.readouterr().out


def test_connect_with_a_key_uses_the_configured_api(monkeypatch, capsys) -> None:
    connect = load("connect.py")
    monkeypatch.setenv("PARALLEL_API_KEY", "sk-cookbook-SECRET")
    monkeypatch.setenv("PARALLEL_BASE_URL", "https://api.example.test")
    with connect.api_or_emulator() as url:
        assert url == "https://api.example.test"
        assert os.environ["PARALLEL_BASE_URL"] == url
    out = capsys.readouterr().out
    assert "Using the Parallel API at https://api.example.test" in out
    assert "SECRET" not in out


def test_quickstart(emulator: RunningEmulator) -> None:
    with ParallelClient() as client:
        text = printed(load("quickstart.py").main, client)
    search, task, batch = text.split("\n== ")
    assert len(re.findall(rf"^   {DOCS}$", search, re.M)) == 3
    assert "keyword: with" in task
    assert re.search(rf"^  \[keyword\] .*{DOCS}$", task, re.M)
    assert "low-confidence fields: none" in task
    assert "progress: 3/3 done (tgrp_" in batch
    for statement in ("for", "try", "return"):
        assert f"'the {statement} statement': " in batch
    assert "failed" not in batch


def test_async_research(emulator: RunningEmulator) -> None:
    text = printed(load("async_research.py").main, AsyncParallelClient())
    for topic in ("context managers", "generators", "decorators"):
        assert re.search(rf"^  {topic}: 2 results, first {DOCS}$", text, re.M)
        assert re.search(rf"^  {topic}: .+\.\.\. \(\d+ citations\)$", text, re.M)
    assert re.search(rf"^  LangChain ainvoke: 3 documents, first {DOCS}$", text, re.M)
    assert re.search(rf"^    source 0\.\d: {DOCS}$", text, re.M)
    # gathered, not one after another: all three runs were created before any result was asked for
    requests = [(r.method, r.path) for r in emulator.requests() if "/tasks/runs" in r.path]
    creations = [i for i, (method, _) in enumerate(requests) if method == "POST"]
    first_result = next(i for i, (_, path) in enumerate(requests) if path.endswith("/result"))
    assert len(creations) == 4  # three typed runs and the query engine's
    assert creations[2] < first_result


def test_resume_batch(emulator: RunningEmulator) -> None:
    emulator.set_schedule(queued=0.01, running=2.0)  # runs outlive the moment the script interrupts them
    with ParallelClient() as client:
        text = printed(load("resume_batch.py").main, client)
    library, resumed, command = text.split("\n== ")
    assert len(re.findall(r"^  #\d ", library, re.M)) == 2
    assert len(re.findall(r"^  #\d ", resumed, re.M)) == 4
    assert "6 of 6 results; the group holds 6 runs (one per input)" in resumed
    assert "first run, exit 130: stopped waiting; the runs go on in group tgrp_" in command
    assert "it says how to resume: parallel-integrations batch " in command
    assert re.search(r"second run, exit 0: 6 of 6 results in \S+summaries\.csv", command)
    assert len(re.findall(r"^  \d completed: the Python \w+ statement$", command, re.M)) == 6
    assert "the group holds 6 runs (one per input)" in command
    groups = [r for r in emulator.requests("POST") if r.path.endswith("/groups")]
    assert len(groups) == 2  # one for the library's batch, one for the command's: resuming created none


def test_my_chain(emulator: RunningEmulator) -> None:
    with ParallelClient() as client:
        text = printed(load("my_chain.py").main, client)
    for keyword in ("with", "match", "global"):
        assert re.search(rf"^{keyword}: .+ \[{DOCS}\]$", text, re.M)


def test_my_chain_tests_pass_under_pytest() -> None:
    """``test_my_chain.py`` is run as its reader would run it, with no key and no URL in the environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARALLEL_") or k.endswith("_CACHE")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", str(COOKBOOK / "test_my_chain.py"), "-p", "no:cacheprovider", "-rA"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=COOKBOOK.parent,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert len(re.findall(r"^PASSED .*test_my_chain.py::test_", completed.stdout, re.M)) == 3
