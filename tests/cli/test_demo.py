from __future__ import annotations

import pytest

from parallel_integrations.cli import demo as demo_module

from .conftest import Invoke

TITLES = [title for title, _ in demo_module.STEPS]


def test_demo_without_a_key_runs_offline(invoke: Invoke, no_key) -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "No PARALLEL_API_KEY: using the emulator at http://127.0.0.1:" in out
    positions = [out.index(title) for title in TITLES]
    assert positions == sorted(positions)
    assert "Metadata keys of each document (flat values): publish_date, query, rank, search_id, source, title" in out
    assert "│ keyword │ with" in out
    assert "Low-confidence fields: none" in out
    assert "completed 3 · failed 0" in out
    for statement in demo_module.BATCH_INPUTS:
        assert statement in out


def test_demo_with_a_key_and_no_terminal_keeps_to_lite(invoke: Invoke, emulator) -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.stderr
    assert "Keeping to the cheapest processor, lite" in result.stdout
    assert f"Using the Parallel API at {emulator.base_url}" in result.stdout
    assert {run.processor for run in emulator.runs()} == {"lite"}
    assert len(emulator.runs()) == 4
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
