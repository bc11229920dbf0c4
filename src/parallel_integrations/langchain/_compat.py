"""Two steps of ``task_runs.execute`` that the client does not export yet, rebuilt on its public names.

The tools and the runnable create a run and wait for it in two steps (so that the run id is known, and announced,
before the answer arrives); ``execute`` does both at once and keeps its ``output=`` handling private. Once the
client exports its task-spec compiler and its parser, both functions here can be replaced by those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from parallel_integrations import (
    AutoSchema,
    JsonSchema,
    OutputValidationError,
    ParsedTaskRunJsonOutput,
    ParsedTaskRunResult,
    ParsedTaskRunTextOutput,
    SchemaError,
    TaskRunResult,
    TaskSpec,
    TextSchema,
    to_json_schema,
)

__all__ = ["OutputSpec", "parse_result", "task_spec"]

OutputSpec = type[BaseModel] | dict[str, Any] | str | None
"""What ``output=`` takes: a pydantic class, a JSON schema (bare, or ``{"type": "json", "json_schema": ...}``), a
text description (or ``{"type": "text", "description": ...}``), or ``None`` (or ``{"type": "auto"}``) for the API's
automatic output."""


def is_model_class(output: Any) -> bool:
    """Whether ``output`` is a pydantic class (then answers are parsed into instances)."""
    return isinstance(output, type) and issubclass(output, BaseModel)


def task_spec(output: Any) -> TaskSpec | None:
    """The task spec for ``output`` (see :data:`OutputSpec`), compiled to what the API accepts. Raises
    :class:`SchemaError` naming ``output`` and the offending path."""
    if output is None:
        return None
    if isinstance(output, str):
        return TaskSpec(output_schema=TextSchema(description=output))
    if isinstance(output, Mapping) and output.get("type") == "text":
        description = output.get("description")
        if description is not None and not isinstance(description, str):
            raise SchemaError("output.description", f"a string (got {type(description).__name__})")
        return TaskSpec(output_schema=TextSchema(description=description))
    if isinstance(output, Mapping) and output.get("type") == "auto":
        return TaskSpec(output_schema=AutoSchema())
    if isinstance(output, Mapping) and output.get("type") == "json":
        schema = output.get("json_schema")
        if not isinstance(schema, Mapping):
            raise SchemaError("output.json_schema", "a json output needs a json_schema object")
        return TaskSpec(output_schema=JsonSchema(json_schema=to_json_schema(schema, field="output.json_schema")))
    if isinstance(output, Mapping) or is_model_class(output):
        return TaskSpec(output_schema=JsonSchema(json_schema=to_json_schema(output, field="output")))
    raise SchemaError("output", f"a pydantic class, a JSON schema dict, a text description or None (got {output!r})")


def parse_result(result: TaskRunResult, output: Any) -> TaskRunResult:
    """``result`` with ``.parsed`` set to an instance of ``output`` when it is a pydantic class; unchanged
    otherwise. An optional field the API left ``null`` takes its default. Raises :class:`OutputValidationError`
    (with the raw ``content`` and ``result``) when the answer does not fit the class."""
    if not is_model_class(output):
        return result
    content = result.output.content
    try:
        data = json.loads(content) if isinstance(content, str) else content
        parsed = _validate(output, data)
    except ValueError as exc:
        errors: list[dict[str, Any]] = (
            json.loads(exc.json(include_url=False))
            if isinstance(exc, ValidationError)
            else [{"type": "json_invalid", "loc": [], "msg": f"the output is not JSON: {exc}"}]
        )
        where = ".".join(str(part) for part in errors[0]["loc"]) or "(root)"
        raise OutputValidationError(
            f"the output does not fit {output.__name__}: {where}: {errors[0]['msg']}",
            content=content,
            errors=errors,
            result=result,
        ) from exc
    # The parsed instance lives on the output (``result.output.parsed``), which must be of the parsed kind.
    kind: type[ParsedTaskRunJsonOutput[Any] | ParsedTaskRunTextOutput[Any]] = (
        ParsedTaskRunJsonOutput if result.output.type == "json" else ParsedTaskRunTextOutput
    )
    output_with_parsed = kind.model_validate({**result.output.model_dump(), "parsed": parsed})
    return ParsedTaskRunResult(run=result.run, output=output_with_parsed)


def _validate(cls: type[BaseModel], data: Any) -> BaseModel:
    try:
        return cls.model_validate(data)
    except ValidationError:
        if not isinstance(data, dict):
            raise
        # The API answers null for an optional field it could not fill; where the type refuses null, the default
        # applies (as in ``task_runs.execute``).
        fields = cls.model_fields
        kept = {k: v for k, v in data.items() if v is not None or k not in fields or fields[k].is_required()}
        if kept == data:
            raise
        return cls.model_validate(kept)
