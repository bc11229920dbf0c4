"""Checking a task run's input as the API does: shape, processor, documented limits, the output schema's rules,
and the warnings the API gives instead of errors.

:func:`validate_run` turns one ``TaskRunInput`` body into a :class:`RunRequest` or raises :class:`ApiError`.
A missing or ``auto`` output schema is resolved here too (:func:`output_plan`): JSON with a generated schema on
``pro`` and above, text below, as the reference describes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .._errors import ParallelValidationError
from .._limits import check_run_input
from .._models import JsonSchema, TaskRunInput, TaskSpec, TextSchema
from .wire import ApiError, errors_from_pydantic, loc_from_field, validation_error

__all__ = [
    "AUTO_OUTPUT_SCHEMA",
    "AUTO_PROCESSORS",
    "PROCESSORS",
    "OutputPlan",
    "RunRequest",
    "events_on_by_default",
    "output_plan",
    "parse_input",
    "validate_run",
    "validate_task_spec",
]

_TIERS = ("lite", "base", "core", "core2x", "pro", "ultra", "ultra2x", "ultra4x", "ultra8x")
PROCESSORS: frozenset[str] = frozenset(_TIERS) | frozenset(f"{p}-fast" for p in _TIERS)
"""Every processor name the Task API accepts; any other answers 403."""
AUTO_PROCESSORS: frozenset[str] = frozenset(p for p in PROCESSORS if p.split("-")[0] in _TIERS[4:])
"""``pro`` and above (``-fast`` included): auto output is deep-research JSON and events are on by default."""

INVALID_PROCESSOR = "Forbidden: invalid processor in request"

AUTO_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Research report generated for the question.",
    "properties": {
        "summary": {"type": "string", "description": "A direct, short answer to the question."},
        "key_findings": {"type": "string", "description": "The most important supporting facts, in brief."},
        "details": {"type": "string", "description": "Further context and background on the answer."},
    },
    "required": ["summary", "key_findings", "details"],
    "additionalProperties": False,
}
"""The schema the emulator "designs" for auto output (a real processor designs one per question)."""


@dataclass(frozen=True)
class RunRequest:
    """A checked run input: ``wire`` is the body as submitted (a group's default task spec merged in when the
    run had none), ``model`` its parsed form, ``warnings`` the API's non-fatal remarks (wire dicts)."""

    wire: dict[str, Any]
    model: TaskRunInput
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class OutputPlan:
    """What a run's output will be: ``schema`` (a JSON schema) for JSON output, else text with an optional
    ``description``; ``auto`` when the schema was generated (it is then echoed as ``output.output_schema``)."""

    schema: dict[str, Any] | None
    description: str | None = None
    auto: bool = False


def events_on_by_default(processor: str) -> bool:
    """Whether a run on ``processor`` records progress events without ``enable_events``: pro and above."""
    return processor in AUTO_PROCESSORS


def validate_task_spec(spec: Any, field: str) -> TaskSpec:
    """Parse and check a task spec (a run's or a group's default); the output schema follows the API's rules."""
    try:
        parsed = TaskSpec.model_validate(_with_schema_types(spec))
    except ValidationError as exc:
        raise errors_from_pydantic(exc, loc_from_field(field)) from None
    output = parsed.output_schema
    if isinstance(output, JsonSchema):
        from .._schema import check_schema

        try:
            check_schema(output.json_schema, field=f"{field}.output_schema.json_schema")
        except ParallelValidationError as exc:
            raise validation_error(exc) from None
    return parsed


def validate_run(
    body: Any,
    *,
    field: str = "",
    default_spec: Mapping[str, Any] | None = None,
    in_group: bool = False,
) -> RunRequest:
    """Check one run input. ``field`` prefixes error locations (``"inputs[3]"``); ``default_spec`` is the
    group's ``default_task_spec`` (wire form), used when the run has none. An unknown processor answers 403 for
    a single run and 422 inside a group's ``add_runs`` (whose errors are all validation errors)."""
    prefix = f"{field}." if field else ""
    if not isinstance(body, dict):
        loc = loc_from_field(field) if field else ["body"]
        raise ApiError(
            422,
            f"{field or 'body'}: must be a JSON object",
            errors=[{"loc": loc, "msg": "Input should be an object", "type": "model_type"}],
        )
    wire = copy.deepcopy(body)
    if wire.get("task_spec") is None and default_spec is not None:
        wire["task_spec"] = copy.deepcopy(dict(default_spec))
    try:
        model = TaskRunInput.model_validate(_with_schema_types(wire))
    except ValidationError as exc:
        raise errors_from_pydantic(exc, loc_from_field(field)) from None
    if model.processor not in PROCESSORS:
        if not in_group:
            raise ApiError(403, INVALID_PROCESSOR)
        loc = loc_from_field(f"{prefix}processor")
        raise ApiError(
            422,
            f"{prefix}processor: invalid processor {model.processor!r}",
            errors=[{"loc": loc, "msg": f"invalid processor {model.processor!r}", "type": "value_error"}],
        )
    try:
        check_run_input(wire, field)
    except ParallelValidationError as exc:
        raise validation_error(exc) from None
    warnings: list[dict[str, Any]] = []
    if model.task_spec is not None:
        validate_task_spec(wire["task_spec"], f"{prefix}task_spec")
        warnings += _spec_warnings(model.task_spec, f"{prefix}task_spec")
        warnings += _input_warnings(model)
    return RunRequest(wire=wire, model=model, warnings=warnings)


def parse_input(wire: Mapping[str, Any]) -> TaskRunInput:
    """The model of a run body that :func:`validate_run` accepted (schema ``type`` defaults applied)."""
    return TaskRunInput.model_validate(_with_schema_types(dict(wire)))


def output_plan(run: TaskRunInput) -> OutputPlan:
    """Resolve the run's output schema: JSON, text, or auto (JSON on pro and above, text below)."""
    output = run.task_spec.output_schema if run.task_spec is not None else None
    if isinstance(output, JsonSchema):
        return OutputPlan(output.json_schema)
    if isinstance(output, TextSchema):
        return OutputPlan(None, output.description)
    if isinstance(output, str):
        return OutputPlan(None, output)
    if run.processor in AUTO_PROCESSORS:
        return OutputPlan(copy.deepcopy(AUTO_OUTPUT_SCHEMA), auto=True)
    return OutputPlan(None)


def _spec_warnings(spec: TaskSpec, field: str) -> list[dict[str, Any]]:
    output = spec.output_schema
    if not isinstance(output, JsonSchema):
        return []
    from .._schema import schema_warnings

    return [
        {"type": "spec_validation_warning", "message": message, "detail": None}
        for message in schema_warnings(output.json_schema, field=f"{field}.output_schema.json_schema")
    ]


def _input_warnings(run: TaskRunInput) -> list[dict[str, Any]]:
    schema = run.task_spec.input_schema if run.task_spec is not None else None
    if not isinstance(schema, JsonSchema):
        return []
    if isinstance(run.input, str):
        message = "input is text, but the task spec's input_schema describes a JSON object"
        return [{"type": "input_validation_warning", "message": message, "detail": None}]
    missing = [name for name in schema.json_schema.get("required") or () if name not in run.input]
    return [
        {
            "type": "input_validation_warning",
            "message": f"input is missing the required field {name!r}",
            "detail": {"field": name},
        }
        for name in missing
    ]


def _with_schema_types(value: Any) -> Any:
    """A copy of a run body or task spec where schema objects without ``type`` carry the API's default
    (``json`` when ``json_schema`` is given, else ``text``): the shared models need it to pick the variant."""
    if not isinstance(value, dict):
        return value
    spec = value.get("task_spec") if "input" in value or "processor" in value else value
    if not isinstance(spec, dict):
        return value
    fixed = dict(spec)
    for key in ("output_schema", "input_schema"):
        schema = fixed.get(key)
        if isinstance(schema, dict) and "type" not in schema:
            fixed[key] = {**schema, "type": "json" if "json_schema" in schema else "text"}
    if spec is value:
        return fixed
    return {**value, "task_spec": fixed}
