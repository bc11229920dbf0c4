from __future__ import annotations

import re

import pytest

from parallel_integrations.cli import demo as demo_module

from .conftest import SECRET_KEY, Invoke

TITLES = [title for title, _ in demo_module.STEPS]
DOCS = r"https://docs\.python\.org/3/\S+"


def sections(out: str) -> list[str]:
    """The demo's output cut at each step's title: what each step printed, in order."""
    positions = [out.index(title) for title in TITLES]
    assert positions == sorted(positions)
    return [out[start:end] for start, end in zip(positions, [*positions[1:], len(out)], strict=True)]


def test_demo_without_a_key_runs_offline(invoke: Invoke, no_key, monkeypatch) -> None:
    monkeypatch.setattr(demo_module, "_interactive", lambda: True)  # a terminal, yet no question: nothing is spent
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("No PARALLEL_API_KEY: using the emulator at http://127.0.0.1:")
    assert "Use it?" not in out
    search, task, query_engine, batch = sections(out)

    assert "5 LangChain documents: rank, title and doc.id (the URL)" in search
    assert len(re.findall(rf"^ {{3}}{DOCS}", search, re.M)) == 5
    assert "Flat metadata: publish_date, query, rank, search_id, source, title, url" in search

    assert re.search(r"│ keyword │ with +│ (high|medium|low) +│ https://docs\.python\.org/", task)
    assert re.search(r"│ summary │ .+│ (high|medium|low) +│ https://docs\.python\.org/", task)
    assert "Low-confidence fields: none" in task

    assert "engine.query('What does the Python with statement do?')" in query_engine
    assert re.search(r"^Answer:\n\S", query_engine, re.M)
    assert "**" not in query_engine  # the answer's Markdown is rendered, not printed raw
    assert re.search(r"^\d+ source nodes?: score \(confidence\), title and URL", query_engine, re.M)
    assert re.search(rf"^0\.\d  .+field output\n {{5}}{DOCS}", query_engine, re.M)
    assert re.search(r"response.metadata\['run_id'\] = trun_\w+", query_engine)

    assert "completed 3 · failed 0" in batch
    assert re.search(r"Task Group tgrp_\w+", batch)
    for index, statement in enumerate(demo_module.BATCH_INPUTS):
        assert re.search(rf"│ {index} │ {statement} +│ completed │ \S", batch)
    assert batch.rstrip().endswith(demo_module.NEXT.splitlines()[-1])


def test_demo_steps_reach_the_demos_server(invoke: Invoke, emulator) -> None:
    """The adapters are given the demo's client: every request lands on the one server, none elsewhere."""
    result = invoke("demo", "--yes", "-p", "lite")
    assert result.exit_code == 0, result.stderr
    assert len(emulator.requests("POST", "/alpha/search")) == 1  # the LangChain retriever's
    assert len(emulator.runs()) == 5  # the task run, the query engine's run, a batch of three
    assert {run.processor for run in emulator.runs()} == {"lite"}


def test_demo_never_prints_the_key(invoke: Invoke, emulator, monkeypatch) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", SECRET_KEY)
    result = invoke("-v", "demo", "--yes")
    assert result.exit_code == 0, result.stderr
    assert SECRET_KEY not in result.stdout + result.stderr
    assert f"Using the Parallel API at {emulator.base_url}, tasks on processor base." in result.stdout


def test_demo_with_a_key_and_no_terminal_keeps_to_lite(invoke: Invoke, emulator) -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    assert "Keeping to the cheapest processor, lite" in result.stdout
    assert f"Using the Parallel API at {emulator.base_url}" in result.stdout
    assert {run.processor for run in emulator.runs()} == {"lite"}
    assert len(emulator.runs()) == 5
    assert len(emulator.requests("POST", "/alpha/search")) == 1


def test_demo_yes_uses_the_processor_without_asking(invoke: Invoke, emulator) -> None:
    result = invoke("demo", "--yes", "-p", "core")
    assert result.exit_code == 0, result.stderr
    assert "Use it?" not in result.stdout
    assert {run.processor for run in emulator.runs()} == {"core"}


@pytest.mark.parametrize(("answer", "processor"), [("y\n", "base"), ("n\n", "lite"), ("\n", "lite")])
def test_demo_asks_on_a_terminal(invoke: Invoke, emulator, monkeypatch, answer: str, processor: str) -> None:
    monkeypatch.setattr(demo_module, "_interactive", lambda: True)
    result = invoke("demo", input=answer)
    assert result.exit_code == 0, result.stderr
    assert "costs more than 'lite'. Use it?" in result.stdout
    assert {run.processor for run in emulator.runs()} == {processor}


def test_demo_lite_is_never_asked_about(invoke: Invoke, emulator, monkeypatch) -> None:
    monkeypatch.setattr(demo_module, "_interactive", lambda: True)
    result = invoke("demo", "-p", "lite")
    assert result.exit_code == 0, result.stderr
    assert "Use it?" not in result.stdout


def test_a_step_is_one_entry(invoke: Invoke, no_key, monkeypatch) -> None:
    calls = []

    def extra_step(client, console, processor):
        calls.append(processor)
        console.print(f"extra step saw {len(client.search('with statement', max_results=2).results)} results")

    monkeypatch.setattr(demo_module, "STEPS", [*demo_module.STEPS[:1], ("An extra step", extra_step)])
    result = invoke("--emulator", "demo")
    assert result.exit_code == 0, result.stderr
    assert calls == ["base"]
    assert "An extra step" in result.stdout
    assert "extra step saw 2 results" in result.stdout
    assert TITLES[1] not in result.stdout
