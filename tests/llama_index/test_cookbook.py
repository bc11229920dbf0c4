"""The LlamaIndex cookbook scripts run against the emulator, so they cannot rot."""

from __future__ import annotations

import re

import pytest

from parallel_integrations import AsyncParallelClient, ParallelClient
from tests.cookbook import COOKBOOK, load, printed


def run(name, *extra_clients):
    first_line = (COOKBOOK / f"{name}.py").read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith('"""LlamaIndex ')
    with ParallelClient() as client:
        return printed(load(name).main, client, *extra_clients)


def test_ingestion(emulator):
    text = run("llama_index_ingestion")
    assert re.search(r"^  1\. .+  id=https://docs\.python\.org/", text, re.M)
    assert re.search(r"^  \[output, high\] https://docs\.python\.org/", text, re.M)
    first = re.search(r"first run:  (\d+) documents, (\d+) vectors", text)
    second = re.search(r"second run: (\d+) documents, (\d+) vectors", text)
    assert first
    assert second
    assert first.groups() == second.groups()
    assert int(first.group(1)) > 5
    assert re.search(r"^  \d\.\d{3} https://docs\.python\.org/", text.split("== Retrieval")[1], re.M)


def test_query_engine(emulator):
    text = run("llama_index_query_engine", AsyncParallelClient())
    cited, typed, retrieved = text.split("\n== ")[0], text.split("\n== ")[1], text.split("\n== ")[2]
    assert re.search(r"^  \[0\.\d\] output: https://docs\.python\.org/", cited, re.M)
    assert re.search(r"run trun_\w+, 1 basis entries", cited)
    assert "keyword: for" in typed
    assert re.search(r"^  summary: confidence \w+, \d+ citations", typed, re.M)
    assert re.findall(r"^  (\d\.\d\d) ", retrieved, re.M) == ["1.00", "0.50", "0.33"]


# llama-index-core's FunctionAgent lists its own members with inspect.getmembers when it is built, which reads
# pydantic's deprecated attributes (`__fields__`, `__fields_set__`, `model_fields` on an instance) and warns.
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince211")
def test_agent_tools(emulator):
    text = run("llama_index_agent_tools", AsyncParallelClient())
    assert re.search(r"^  search\(objective, search_queries\): \d+ characters", text, re.M)
    assert re.search(r"^  run_task\(input\): \d+ characters", text, re.M)
    assert re.search(r"^\[1\] .+\nURL: https://docs\.python\.org/", text, re.M)
    assert "Answer (run trun_" in text
    assert re.search(r"tool search\(\{'objective': .+\}\) returned \d+ characters", text)
    assert re.search(r"answer: See \[1\] .+ \(https://docs\.python\.org/\S+\)\.", text)
