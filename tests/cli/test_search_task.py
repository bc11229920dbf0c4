from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Invoke

SCHEMA = {
    "type": "object",
    "properties": {
        "keyword": {"type": "string", "description": "the keyword"},
        "summary": {"type": "string", "description": "what it does"},
    },
}


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


# --- search -----------------------------------------------------------------------------------------------------


def test_search_table_shows_rank_title_url_excerpt(invoke: Invoke, emulator) -> None:
    result = invoke("search", "python decorators", "-n", "3")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "https://docs.python.org" in line]
    assert len(lines) == 3
    assert lines[0].lstrip("│ ").startswith("1 ")
    assert "Function definitions" in result.stdout
    (request,) = emulator.requests("POST", "/alpha/search")
    assert request.status == 200


def test_search_json_is_the_api_response(invoke: Invoke, emulator) -> None:
    result = invoke("search", "--json", "-q", "with statement", "-q", "context manager", "-n", "2", "-p", "pro")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["search_id"].startswith("search_")
    assert len(body["results"]) == 2
    assert set(body["results"][0]) >= {"url", "title", "excerpts"}


def test_search_without_objective_or_query_is_a_usage_error(invoke: Invoke, emulator) -> None:
    result = invoke("search")
    assert result.exit_code == 2
    assert "OBJECTIVE" in result.stderr
    assert emulator.requests() == []


def test_search_limit_broken_is_refused_before_sending(invoke: Invoke, emulator) -> None:
    result = invoke("search", "-q", "x" * 201)
    assert result.exit_code == 2
    assert "search_queries[0]" in result.stderr
    assert emulator.requests() == []


def test_search_api_error_exits_1(invoke: Invoke, emulator) -> None:
    from parallel_integrations.emulator import Fault

    emulator.add_fault(Fault.error("POST /alpha/search", 401))
    result = invoke("search", "python")
    assert result.exit_code == 1
    assert "401" in result.stderr
    assert "PARALLEL_API_KEY" in result.stderr


def test_missing_key_exits_4_and_emulator_flag_needs_none(invoke: Invoke, no_key) -> None:
    result = invoke("search", "python")
    assert result.exit_code == 4
    assert "PARALLEL_API_KEY" in result.stderr
    offline = invoke("--emulator", "search", "python", "--json")
    assert offline.exit_code == 0, offline.stderr
    assert json.loads(offline.stdout)["results"]


# --- task -------------------------------------------------------------------------------------------------------


def test_task_table_has_value_confidence_and_citations(invoke: Invoke, emulator, schema_file: Path) -> None:
    emulator.script_output(
        "the with statement",
        {"keyword": "with", "summary": "wraps a block in a context manager"},
        basis=[
            {"field": "keyword", "confidence": "high", "citations": [{"url": "https://example.org/with"}]},
            {"field": "summary", "confidence": "low", "citations": [{"url": "https://example.org/ctx"}]},
        ],
    )
    result = invoke("task", "the with statement", "-o", str(schema_file), "-p", "base")
    assert result.exit_code == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") >= 4}
    for cell in ("with", "high", "https://example.org/with"):
        assert cell in rows["keyword"]
    for cell in ("low", "https://example.org/ctx"):
        assert cell in rows["summary"]
    (run,) = emulator.runs()
    assert run.processor == "base"
    sent = emulator.run_input(run.run_id)
    assert sent["task_spec"]["output_schema"]["json_schema"]["required"] == ["keyword", "summary"]


def test_task_json_is_the_result(invoke: Invoke, emulator) -> None:
    emulator.script_output({"company": "Parallel"}, "A research API.")
    result = invoke("task", '{"company": "Parallel"}', "-o", "a one-line profile", "--json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["run"]["status"] == "completed"
    assert body["output"]["type"] == "text"
    assert body["output"]["content"] == "A research API."
    # As the API sent it: explicit nulls kept, nothing added.
    assert body["output"]["mcp_tool_calls"] is None
    assert "parsed" not in body["output"]
    (run,) = emulator.runs()
    assert emulator.run_input(run.run_id)["task_spec"]["output_schema"] == {
        "type": "text",
        "description": "a one-line profile",
    }


def test_task_input_from_stdin(invoke: Invoke, emulator) -> None:
    emulator.script_output("from stdin", "ok")
    result = invoke("task", "-", "--json", input="from stdin")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["output"]["content"] == "ok"


def test_task_pydantic_class_path(invoke: Invoke, emulator, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "cli_models_for_test.py").write_text(
        "from pydantic import BaseModel, Field\n"
        "class Profile(BaseModel):\n"
        "    name: str = Field(description='the name')\n"
        "    founded: int | None = None\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    result = invoke("task", "Parallel Web Systems", "-o", "cli_models_for_test:Profile", "--json")
    assert result.exit_code == 0, result.stderr
    (run,) = emulator.runs()
    schema = emulator.run_input(run.run_id)["task_spec"]["output_schema"]["json_schema"]
    assert set(schema["properties"]) == {"name", "founded"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.json", "no such file"),
        ("nosuchmodule_xyz:Model", "cannot import"),
        ("json:loads", "not a pydantic model class"),
        ("json:NoSuchThing", "has no NoSuchThing"),
    ],
)
def test_task_bad_output_spec_exits_3(invoke: Invoke, emulator, spec: str, message: str) -> None:
    result = invoke("task", "x", "-o", spec)
    assert result.exit_code == 3
    assert message in result.stderr
    assert emulator.requests() == []


def test_task_schema_the_api_cannot_express_exits_3(invoke: Invoke, emulator, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "array", "items": {"type": "string"}}))
    result = invoke("task", "x", "-o", str(bad))
    assert result.exit_code == 3
    assert "root must have type 'object'" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert invoke("task", "x", "-o", str(broken)).exit_code == 3
    assert emulator.requests() == []


def test_task_api_form_schema_file_is_accepted(invoke: Invoke, emulator, tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"type": "json", "json_schema": SCHEMA}))
    assert invoke("task", "x", "-o", str(path), "--json").exit_code == 0
    text = tmp_path / "text.json"
    text.write_text(json.dumps({"type": "text", "description": "a haiku"}))
    assert invoke("task", "x", "-o", str(text), "--json").exit_code == 0
    specs = [emulator.run_input(run.run_id)["task_spec"]["output_schema"]["type"] for run in emulator.runs()]
    assert specs == ["json", "text"]


def test_task_failed_run_exits_1(invoke: Invoke, emulator) -> None:
    emulator.script_failure("doomed", "no sources found")
    result = invoke("task", "doomed")
    assert result.exit_code == 1
    assert "no sources found" in result.stderr


def test_task_bad_input_json_is_a_usage_error(invoke: Invoke, emulator) -> None:
    assert invoke("task", "{not json").exit_code == 2
    assert invoke("task", "   ").exit_code == 2
    assert emulator.requests() == []


def test_task_timeout_says_how_to_collect(invoke: Invoke, emulator) -> None:
    emulator.set_schedule(queued=0.01, running=30)
    result = invoke("task", "slow", "--timeout", "0.3")
    assert result.exit_code == 1
    (run,) = emulator.runs()
    assert f"runs {run.run_id} --result" in result.stderr


def test_task_ctrl_c_stops_waiting_not_the_run(invoke: Invoke, emulator, monkeypatch) -> None:
    from parallel_integrations.cli import task as task_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(task_module, "wait_for_result", interrupted)
    result = invoke("task", "anything")
    assert result.exit_code == 130
    (run,) = emulator.runs()
    assert f"parallel-integrations runs {run.run_id} --result" in result.stderr
    assert run.is_active or run.status == "completed"  # not cancelled: there is no cancel


def test_task_shows_the_api_warnings(invoke: Invoke, emulator, tmp_path: Path) -> None:
    path = tmp_path / "warned.json"
    path.write_text(json.dumps({"type": "object", "properties": {"sources": {"type": "string"}}}))
    result = invoke("task", "x", "-o", str(path))
    assert result.exit_code == 0, result.stderr
    assert "Warning (spec_validation_warning)" in result.stderr
    assert "sources" in result.stderr
