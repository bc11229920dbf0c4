"""The LangChain cookbook scripts run against the emulator, so they cannot rot."""

from __future__ import annotations

import re

import pytest

from parallel_integrations import ParallelClient
from parallel_integrations.emulator import RunningEmulator
from tests.cookbook import COOKBOOK, load, printed

SCRIPTS = ["langchain_rag.py", "langchain_agent_tools.py", "langchain_structured.py", "langchain_batch_enrichment.py"]


def run_script(name: str) -> str:
    with ParallelClient() as client:
        return printed(load(name).main, client)


def test_every_langchain_script_is_tested() -> None:
    assert sorted(p.name for p in COOKBOOK.glob("langchain_*.py")) == sorted(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_says_what_it_shows(name: str) -> None:
    module = load(name)
    assert module.__doc__
    assert callable(module.main)


def test_rag(emulator: RunningEmulator) -> None:
    text = run_script("langchain_rag.py")
    assert re.search(r"^  1\. .+  https://docs\.python\.org/", text, re.M)
    assert "the model reads: Answer from the numbered sources" in text
    assert "[1] " in text.split("the model reads:")[1]
    assert text.count("answer: ") == 2


def test_agent_tools(emulator: RunningEmulator) -> None:
    text = run_script("langchain_agent_tools.py")
    assert "Arguments the model sees for parallel_search: objective, search_queries" in text
    assert "ToolMessage(parallel_search, status=success, artifact=SearchResponse)" in text
    assert "ToolMessage(parallel_task, status=success, artifact=ParsedTaskRunResult[Statement])" in text
    assert "ToolMessage(parallel_task_start, status=success, artifact=TaskRun)" in text
    assert "event parallel_task_start:" in text
    assert "event parallel_task_end:" in text
    assert "status=error" in text
    assert "search_queries: at most 5" in text


def test_structured(emulator: RunningEmulator) -> None:
    text = run_script("langchain_structured.py")
    assert "Statement: keyword='with'" in text
    assert "parsing_error: None" in text
    assert re.search(r"^  \[keyword\] https://docs\.python\.org/", text, re.M)
    assert "return: " in text


def test_batch_enrichment(emulator: RunningEmulator) -> None:
    text = run_script("langchain_batch_enrichment.py")
    assert "failed" not in text
    assert len(re.findall(r"^  #\d+ ", text, re.M)) == 6
    groups = [r for r in emulator.requests("POST") if r.path.endswith("/groups")]
    assert len(groups) == 2  # one group per batch call
    assert emulator.requests("POST", "/v1/tasks/runs") == []
