"""Reading a run's answer back into the caller's pydantic class.

Validation uses the original class, so constraints that the wire schema could not carry (lengths, bounds,
patterns) still hold. The API answers ``null`` for an optional field it could not fill (compiling made those
fields nullable); where the class's type refuses ``null``, the field's default applies instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar, overload

from pydantic import BaseModel, ValidationError

from ._errors import OutputValidationError, SchemaError
from ._models import ParsedTaskRunJsonOutput, ParsedTaskRunResult, ParsedTaskRunTextOutput, TaskRunResult
from ._schema import _accepts_null, _class_schema, _resolve

__all__ = ["parse_output", "parse_result", "validate_content"]

T = TypeVar("T", bound=BaseModel)


def _branch_with(schema: Any, root: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``schema`` itself or its first union branch that has ``key`` (references followed); else ``{}``."""
    if not isinstance(schema, Mapping):
        return {}
    for candidate in [schema, *(schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf") or ())]:
        if isinstance(candidate, Mapping) and isinstance(candidate.get("$ref"), str):
            candidate = _resolve(root, candidate["$ref"], "")
        if isinstance(candidate, Mapping) and key in candidate:
            return candidate
    return {}


def _drop_unfilled(value: Any, schema: Any, root: Mapping[str, Any]) -> Any:
    """Remove the ``null`` the API sent for optional fields whose type refuses null, so defaults apply."""
    if isinstance(value, dict):
        target = _branch_with(schema, root, "properties")
        properties, required = target.get("properties") or {}, set(target.get("required") or ())
        return {
            key: _drop_unfilled(item, properties.get(key), root)
            for key, item in value.items()
            if not (item is None and key in properties and key not in required) or _accepts_null(properties[key], root)
        }
    if isinstance(value, list):
        items = _branch_with(schema, root, "items").get("items")
        return [_drop_unfilled(item, items, root) for item in value]
    return value


def validate_content(content: Any, cls: type[T]) -> T:
    """Validate JSON ``content`` (a dict or a JSON string) into ``cls`` with all its constraints, including
    those the wire schema could not carry. ``null`` for an optional field whose type refuses null means "not
    found": the default applies. Raises :class:`OutputValidationError`."""
    try:
        schema = _class_schema(cls, "output_schema")
    except SchemaError:
        schema = {}  # nothing to consult: validate the content as it is
    try:
        data = json.loads(content) if isinstance(content, str | bytes) else content
        return cls.model_validate(_drop_unfilled(data, schema, schema))
    except ValueError as exc:  # invalid JSON, or pydantic's ValidationError
        if isinstance(exc, ValidationError):
            errors: list[dict[str, Any]] = json.loads(exc.json(include_url=False))
        else:
            errors = [{"type": "json_invalid", "loc": [], "msg": f"the output is not JSON: {exc}"}]
        where = ".".join(str(part) for part in errors[0]["loc"]) or "(root)"
        raise OutputValidationError(
            f"the output does not fit {cls.__name__}: {len(errors)} error(s); {where}: {errors[0]['msg']}",
            content=content,
            errors=errors,
        ) from exc


def parse_output(result: TaskRunResult, cls: type[T]) -> ParsedTaskRunResult[T]:
    """``result`` with its output validated into ``cls`` (see :func:`validate_content`): the instance is at
    ``.output.parsed`` (as in the official SDK), and ``.parsed`` is a shortcut to it.

    A text output is read as JSON if it is a JSON object; otherwise no instance can be built, which is an
    :class:`OutputValidationError` like a failed validation (never a silent ``None`` where an instance was asked
    for). The error keeps the raw ``content``, pydantic's ``errors`` (JSON-safe) and the ``result``."""
    output = result.output
    try:
        parsed = validate_content(output.content, cls)
    except OutputValidationError as exc:
        message = f"{'the run returned text, not JSON: ' if output.type == 'text' else ''}{exc}"
        raise OutputValidationError(message, content=exc.content, errors=exc.errors, result=result) from exc
    return _with_parsed(result, parsed, cls)


def _with_parsed(result: TaskRunResult, parsed: Any, cls: Any) -> ParsedTaskRunResult[Any]:
    """``result`` as a :class:`ParsedTaskRunResult` whose output carries ``parsed``."""
    output = result.output
    kind = ParsedTaskRunJsonOutput if output.type == "json" else ParsedTaskRunTextOutput
    # Both parts were validated already: construct, don't validate again (a batch parses thousands).
    parsed_output = kind[cls].model_construct(
        _fields_set=output.model_fields_set, **vars(output), **(output.model_extra or {}), parsed=parsed
    )
    built: ParsedTaskRunResult[Any] = ParsedTaskRunResult[cls].model_construct(
        _fields_set=result.model_fields_set, run=result.run, output=parsed_output, **(result.model_extra or {})
    )
    return built


@overload
def parse_result(result: TaskRunResult, output: type[T]) -> ParsedTaskRunResult[T]: ...
@overload
def parse_result(result: TaskRunResult, output: Any) -> ParsedTaskRunResult[Any]: ...
def parse_result(result: TaskRunResult, output: Any) -> ParsedTaskRunResult[Any]:
    """Read a run's answer back the way ``task_runs.execute(output=...)`` does, for code that creates a run and
    waits for it in two steps: ``parse_result(client.task_runs.result(run_id), output)``.

    When ``output`` is a pydantic class, this is :func:`parse_output` (the instance at ``.output.parsed``,
    :class:`OutputValidationError` when the answer does not fit); for a schema dict, a text description or
    ``None``, the same result with ``output.parsed`` set to ``None``, so every result reads alike."""
    if isinstance(output, type) and issubclass(output, BaseModel):
        return parse_output(result, output)
    if isinstance(result, ParsedTaskRunResult):
        return result
    return _with_parsed(result, None, type(None))
