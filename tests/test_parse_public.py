"""The public output helpers adapters build on: ``output_task_spec`` (task specs from ``output=``) and
``parse_result`` (answers read back as ``execute`` reads them)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from parallel_integrations import (
    AutoSchema,
    JsonSchema,
    OutputValidationError,
    SchemaError,
    TaskRun,
    TaskRunJsonOutput,
    TaskRunResult,
    TaskRunTextOutput,
    TextSchema,
    output_task_spec,
    parse_result,
)

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


class Person(BaseModel):
    name: str = Field(description="the name")
    role: str = Field(default="unknown", description="what they do")


def result(content: Any) -> TaskRunResult:
    run = TaskRun(run_id="trun_1", status="completed", is_active=False, processor="base")
    output = TaskRunTextOutput(content=content) if isinstance(content, str) else TaskRunJsonOutput(content=content)
    return TaskRunResult(run=run, output=output)


def test_no_output_is_automatic() -> None:
    assert output_task_spec(None) is None
    spec = output_task_spec({"type": "auto"})
    assert spec is not None
    assert isinstance(spec.output_schema, AutoSchema)


@pytest.mark.parametrize("output", ["a short answer", {"type": "text", "description": "a short answer"}])
def test_text_outputs(output: Any) -> None:
    spec = output_task_spec(output)
    assert spec is not None
    assert spec.output_schema == TextSchema(description="a short answer")


@pytest.mark.parametrize("output", [SCHEMA, {"type": "json", "json_schema": SCHEMA}, Person])
def test_json_outputs_are_compiled(output: Any) -> None:
    spec = output_task_spec(output)
    assert spec is not None
    assert isinstance(spec.output_schema, JsonSchema)
    assert spec.output_schema.json_schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("output", "field"),
    [
        ({"type": "json"}, "output_schema.json_schema"),
        ({"type": "text", "description": 3}, "output_schema.description"),
        ({"type": "object", "properties": {}}, "output_schema"),
        (42, "output_schema"),
    ],
)
def test_outputs_the_api_cannot_take(output: Any, field: str) -> None:
    with pytest.raises(SchemaError) as caught:
        output_task_spec(output)
    assert caught.value.field == field


def test_parse_into_the_class() -> None:
    parsed = parse_result(result({"name": "Ada", "role": "mathematician"}), Person)
    assert parsed.parsed == Person(name="Ada", role="mathematician")
    assert parsed.output.parsed is parsed.parsed


def test_a_null_for_a_defaulted_field_takes_the_default() -> None:
    parsed = parse_result(result({"name": "Ada", "role": None}), Person)
    assert parsed.parsed == Person(name="Ada")


def test_json_text_is_parsed_too() -> None:
    assert parse_result(result('{"name": "Ada"}'), Person).parsed == Person(name="Ada")


@pytest.mark.parametrize("content", [{"name": None}, {"role": "x"}, "not json at all", '["a list"]'])
def test_an_answer_that_does_not_fit_raises_with_the_raw_result(content: Any) -> None:
    raw = result(content)
    with pytest.raises(OutputValidationError) as caught:
        parse_result(raw, Person)
    assert caught.value.result is raw
    assert caught.value.content == content


def test_without_a_class_the_result_reads_alike_with_nothing_parsed() -> None:
    raw = result({"name": "Ada"})
    for output in (SCHEMA, None, "a description"):
        parsed = parse_result(raw, output)
        assert parsed.parsed is None
        assert parsed.output.parsed is None
        assert parsed.output.content == {"name": "Ada"}
        assert parsed.run == raw.run
