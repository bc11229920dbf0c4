"""Output and input schemas: a pydantic class or JSON schema in, a schema the Task API accepts out, and back.

:func:`to_json_schema` compiles; :func:`check_schema` only checks (pure: the emulator answers 422 with it);
:func:`output_spec` reads what ``execute(output=...)`` accepts. Reading answers back is ``_parse.py``.

What compiling does:

* ``$defs``/``definitions`` are inlined (no ``$ref`` remains); a model that contains itself, directly or not,
  has no finite form and is refused, naming the path where it recurs.
* Every object gets ``additionalProperties: false`` and all its properties in ``required``. An optional
  property (absent from ``required``: a field with a default) becomes ``{"anyOf": [<schema>, {"type":
  "null"}]}``, so the API answers ``null`` for what it could not fill and :func:`parse_output` applies the
  field's default.
* ``title``, ``default``, ``examples`` and similar annotations go; ``description``, ``enum``, ``const`` stay
  (descriptions guide the research). ``oneOf`` (pydantic's discriminated unions: disjoint) becomes ``anyOf``.
* :data:`UNSUPPORTED_KEYWORDS` (and ``exclusiveMinimum``/``exclusiveMaximum``) are removed and restated in the
  description ("at most 3 items", worded by ``_constraints.py``, which the emulator reads back);
  :func:`parse_output` validates against the original class, so the answer is still held to them.
* Free-form maps (``dict[str, X]``, ``additionalProperties: <schema>``, no properties) are refused:
  ``additionalProperties: false`` cannot express them. Use a list of key/value models.

The limits are the documented ones; where the text is terse, this is our reading:

* Depth at most 5, counted in property names along a path: the root's properties are at depth 1, theirs at
  depth 2; array ``items`` and union branches add no level. A property at depth 6 is refused.
* At most 100 properties in total, counted in the inlined schema (a model used twice counts twice).
* At most 500 ``enum`` values in total (``const`` not counted); "large-enum strings at most 7,500 chars" is
  read as: an enum of more than 250 values holds at most 7,500 characters of strings.
* "Total string length at most 25,000" is read as the compact JSON text of the schema (the whole task spec
  is held to 15,000 characters with the request, which usually binds first).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._constraints import CONSTRAINT_KEYWORDS, attach, describe
from ._errors import SchemaError
from ._models import AutoSchema, JsonSchema, TaskSpec, TextSchema

__all__ = [
    "MAX_DEPTH", "MAX_ENUM_VALUES", "MAX_LARGE_ENUM_CHARS", "MAX_PROPERTIES", "MAX_SCHEMA_CHARS",
    "UNSUPPORTED_KEYWORDS", "WARNED_FIELD_NAMES", "check_schema", "output_spec", "output_task_spec",
    "schema_warnings", "task_spec_for", "to_json_schema",
]  # fmt: skip

T = TypeVar("T", bound=BaseModel)

MAX_DEPTH = 5
MAX_PROPERTIES = 100
MAX_ENUM_VALUES = 500
LARGE_ENUM_SIZE = 250
MAX_LARGE_ENUM_CHARS = 7_500
MAX_SCHEMA_CHARS = 25_000

UNSUPPORTED_KEYWORDS: frozenset[str] = frozenset(
    {
        "contains", "format", "maxContains", "maxItems", "maxLength", "maxProperties", "maximum",
        "minContains", "minItems", "minLength", "minimum", "minProperties", "multipleOf", "pattern",
        "patternProperties", "propertyNames", "uniqueItems", "unevaluatedItems", "unevaluatedProperties",
    }
)  # fmt: skip
"""The keywords the API documents as unsupported; :func:`check_schema` refuses each."""

WARNED_FIELD_NAMES: frozenset[str] = frozenset(
    {"citations", "confidence", "evidence", "reasoning", "source", "sources", "source_urls"}
)
"""Top-level output field names the API answers with a ``spec_validation_warning``."""

_NOISE = frozenset(
    {
        "title", "default", "examples", "$schema", "$id", "$comment", "$anchor", "readOnly", "writeOnly",
        "deprecated", "discriminator", "contentEncoding", "contentMediaType", "$defs", "definitions",
    }
)  # fmt: skip
_UNIONS = ("anyOf", "oneOf", "allOf")
_SUBSCHEMAS = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames")


# --- walking schemas ---


JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})


def _type_list(kind: Any) -> bool:
    return isinstance(kind, list) and bool(kind) and all(isinstance(k, str) and k in JSON_TYPES for k in kind)


def _join(path: str, segment: str) -> str:
    return f"{path}.{segment}" if segment else path


def _children(schema: Mapping[str, Any]) -> Iterator[tuple[Any, str, bool]]:
    """Each sub-schema with the path segment it adds ("" for a union branch) and whether it is a property."""
    for key, value in schema.items():
        if key == "properties" and isinstance(value, Mapping):
            for name, sub in value.items():
                yield sub, name, True
        elif key in ("items", "prefixItems") and isinstance(value, list):
            for i, sub in enumerate(value):
                yield sub, f"items[{i}]", False
        elif key in _UNIONS and isinstance(value, list):
            for sub in value:
                yield sub, "", False
        elif key in _SUBSCHEMAS and isinstance(value, Mapping):
            yield value, key, False


def _resolve(root: Mapping[str, Any], ref: Any, path: str) -> Mapping[str, Any]:
    """The schema a local ``$ref`` names: ``#/$defs/Name``, ``#/definitions/Name``, any ``#/`` pointer."""
    node: Any = root
    if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
        raise SchemaError(path, f"only local references (#/...) can be inlined (got $ref {ref!r})")
    for key in ref[2:].split("/") if ref != "#" else ():
        node = node.get(key.replace("~1", "/").replace("~0", "~")) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        raise SchemaError(path, f"$ref {ref!r} does not point to a schema in this document")
    return node


def _accepts_null(schema: Any, root: Mapping[str, Any] | None = None) -> bool:
    """Whether ``schema`` admits ``null``: a null type, a nullable branch, a null enum/const, no constraint."""
    if not isinstance(schema, Mapping):
        return schema is True
    if isinstance(schema.get("$ref"), str):
        return root is not None and _accepts_null(_resolve(root, schema["$ref"], ""), root)
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return None in schema.get("enum", [schema.get("const")])
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if any(_accepts_null(branch, root) for key in ("anyOf", "oneOf") for branch in schema.get(key) or ()):
        return True
    return not {"type", *_UNIONS, "properties", "items", "prefixItems", "not"} & set(schema)


def _is_object(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in schema


# --- compiling ---


def _compile(root: Mapping[str, Any], schema: Any, path: str, expanding: tuple[str, ...]) -> Any:
    """One node rewritten to the API's rules; ``expanding`` holds the references being inlined around it."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, Mapping):
        raise SchemaError(path, f"expected a schema object (got {type(schema).__name__})")
    ref = schema.get("$ref")
    if ref is not None:
        if ref in expanding:
            name = ref.rsplit("/", 1)[-1] or "the root schema"
            raise SchemaError(
                path,
                f"recursive schema: {name!r} contains itself here; the API needs a finite structure "
                "(model the levels you need as separate classes)",
            )
        merged = {**_resolve(root, ref, path), **{k: v for k, v in schema.items() if k != "$ref"}}
        return _compile(root, merged, path, (*expanding, ref))
    members = schema.get("allOf")
    if isinstance(members, list) and len(members) == 1 and isinstance(members[0], Mapping):
        # A one-member allOf only attaches annotations (a description) to its member.
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        return _compile(root, {**members[0], **rest}, path, expanding)
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in schema.items():
        if key in _NOISE or key in ("properties", "required", "additionalProperties"):
            continue
        if key in UNSUPPORTED_KEYWORDS or key in CONSTRAINT_KEYWORDS:  # adds exclusiveMinimum/Maximum
            note = describe(key, value)
            notes += [note] if note else []
        elif key in ("items", "prefixItems") and isinstance(value, list):
            out["prefixItems"] = [
                _compile(root, sub, _join(path, f"items[{i}]"), expanding) for i, sub in enumerate(value)
            ]
        elif key in _UNIONS and isinstance(value, list):
            target = "anyOf" if key == "oneOf" and "anyOf" not in schema else key
            out[target] = [_compile(root, sub, path, expanding) for sub in value]
        elif key in _SUBSCHEMAS and isinstance(value, Mapping):
            out[key] = _compile(root, value, _join(path, key), expanding)
        else:
            out[key] = copy.deepcopy(value)
    if _is_object(schema):
        _compile_object(root, schema, path, expanding, out)
    if notes:
        out["description"] = attach(out.get("description"), notes)
    return out


def _compile_object(
    root: Mapping[str, Any], schema: Mapping[str, Any], path: str, expanding: tuple[str, ...], out: dict[str, Any]
) -> None:
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    if not isinstance(properties, Mapping) or not properties or (isinstance(extra, Mapping) and extra):
        raise SchemaError(
            path,
            "free-form keys (a dict[str, X], additionalProperties: <schema>, no properties) cannot be sent: "
            "the API needs named properties; use a list of key/value models or one field per key",
        )
    required = set(schema.get("required") or ())
    compiled: dict[str, Any] = {}
    for name, sub in properties.items():
        child = _compile(root, sub, _join(path, name), expanding)
        compiled[name] = child if name in required or _accepts_null(child) else _nullable(child)
    kind = schema.get("type")
    out.update(
        type=kind if isinstance(kind, list) else "object",
        properties=compiled,
        required=list(compiled),
        additionalProperties=False,
    )


def _nullable(schema: Any) -> dict[str, Any]:
    """``schema`` or null, as ``anyOf``; a description moves to the outer level, where readers look."""
    inner = dict(schema) if isinstance(schema, Mapping) else {}
    description = inner.pop("description", None)
    branches = [*inner["anyOf"]] if set(inner) == {"anyOf"} else [inner]
    wrapped: dict[str, Any] = {"anyOf": [*branches, {"type": "null"}]}
    if description is not None:
        wrapped["description"] = description
    return wrapped


@functools.lru_cache(maxsize=256)
def _class_schema_text(cls: type[BaseModel]) -> str:
    return json.dumps(cls.model_json_schema())


def _class_schema(cls: type[BaseModel], field: str) -> dict[str, Any]:
    try:
        return dict(json.loads(_class_schema_text(cls)))
    except Exception as exc:  # pydantic raises several types for classes it cannot describe
        raise SchemaError(field, f"{cls.__name__} has no JSON schema: {exc}") from exc


def to_json_schema(obj: type[BaseModel] | Mapping[str, Any], *, field: str = "output_schema") -> dict[str, Any]:
    """Compile a pydantic class or a JSON schema dict into a new schema the API accepts (the module docstring
    lists every rewrite); the argument is not modified. ``field`` starts the error paths (``"output_schema"``
    or ``"input_schema"``). Raises :class:`SchemaError` naming the path and the rule broken."""
    if isinstance(obj, type) and issubclass(obj, BaseModel):
        root: Mapping[str, Any] = _class_schema(obj, field)
    elif isinstance(obj, Mapping):
        root = obj
    else:
        raise SchemaError(field, f"expected a pydantic class or a JSON schema dict (got {type(obj).__name__})")
    # pydantic describes a recursive root model as {"$defs": {...}, "$ref": "#/$defs/Name"}.
    start = {k: v for k, v in root.items() if k not in ("$defs", "definitions")} if "$ref" in root else root
    _check_root(_resolve(root, start["$ref"], field) if "$ref" in start else start, field)
    compiled: dict[str, Any] = _compile(root, start, field, ())
    check_schema(compiled, field=field)
    return compiled


# --- checking ---


def _check_root(schema: Mapping[str, Any], field: str) -> None:
    if "anyOf" in schema or "oneOf" in schema:
        raise SchemaError(field, "the root must be a single object, not a union (anyOf/oneOf)")
    if schema.get("type") != "object":
        got = schema.get("type", "no type")
        raise SchemaError(field, f"the root must have type 'object' (got {got!r}); wrap values in a model")
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        raise SchemaError(field, "the root object must have at least one property")


@dataclasses.dataclass
class _Tally:
    """What one walk over a schema found: counts for the limits, and the API's warnings."""

    properties: int = 0
    enum_values: int = 0
    warnings: list[str] = dataclasses.field(default_factory=list)


def check_schema(schema: Mapping[str, Any], *, field: str = "output_schema") -> None:
    """Raise :class:`SchemaError` (naming the path) where the API answers 422: root not an object with
    properties, an unsupported keyword, depth, property or enum counts, a large enum, total size, recursion.
    Changes nothing; follows local ``$ref``; the API form ``{"type": "json", "json_schema": ...}`` is accepted.
    What the API only warns about is :func:`schema_warnings`."""
    _tally(schema, field)


def schema_warnings(schema: Mapping[str, Any], *, field: str = "output_schema") -> list[str]:
    """The API's ``spec_validation_warning`` findings, one message each: properties missing from
    ``required``, ``additionalProperties`` not false, reserved top-level names (:data:`WARNED_FIELD_NAMES`).
    Changes nothing; raises :class:`SchemaError` like :func:`check_schema` for a schema the API refuses."""
    return _tally(schema, field).warnings


def _tally(schema: Any, field: str) -> _Tally:
    if isinstance(schema, Mapping) and schema.get("type") == "json" and "json_schema" in schema:
        schema = schema["json_schema"]
    if not isinstance(schema, Mapping):
        raise SchemaError(field, f"the schema must be a JSON object (got {type(schema).__name__})")
    start = _resolve(schema, schema["$ref"], field) if "$ref" in schema else schema
    _check_root(start, field)
    tally = _Tally()
    tally.warnings += [
        f"{_join(field, name)}: the field name {name!r} is reserved (the basis already carries it)"
        for name in start["properties"]
        if name in WARNED_FIELD_NAMES
    ]
    _walk(schema, schema, field, 0, (), tally)
    for count, limit, what in (
        (tally.properties, MAX_PROPERTIES, "properties"),
        (tally.enum_values, MAX_ENUM_VALUES, "enum values"),
        (len(json.dumps(schema, separators=(",", ":"), ensure_ascii=False)), MAX_SCHEMA_CHARS, "characters"),
    ):
        if count > limit:
            raise SchemaError(field, f"at most {limit} {what} in total (got {count})", limit=limit)
    return tally


def _walk(root: Mapping[str, Any], schema: Any, path: str, depth: int, refs: tuple[str, ...], tally: _Tally) -> None:
    """Follow the schema as the API reads it (references expanded): unsupported keywords, depth, counts,
    large enums, and the warnings."""
    if not isinstance(schema, Mapping):
        return
    for key in (k for k in schema if k in UNSUPPORTED_KEYWORDS):
        message = f"the keyword {key!r} is not supported by the API (to_json_schema restates it in words)"
        raise SchemaError(_join(path, key), message, limit=key)
    kind = schema.get("type")
    if kind is not None and not (kind in JSON_TYPES if isinstance(kind, str) else _type_list(kind)):
        raise SchemaError(
            _join(path, "type"), f"must be one of {', '.join(sorted(JSON_TYPES))}, or a list of them (got {kind!r})"
        )
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in refs:
            raise SchemaError(path, "recursive schema: a definition contains itself, so its depth is unbounded")
        _walk(root, _resolve(root, ref, path), path, depth, (*refs, ref), tally)
    enum = schema.get("enum")
    if isinstance(enum, list):
        tally.enum_values += len(enum)
        chars = sum(len(v) for v in enum if isinstance(v, str))
        if len(enum) > LARGE_ENUM_SIZE and chars > MAX_LARGE_ENUM_CHARS:
            raise SchemaError(
                path,
                f"an enum of more than {LARGE_ENUM_SIZE} values holds at most {MAX_LARGE_ENUM_CHARS} "
                f"characters (got {chars})",
                limit=MAX_LARGE_ENUM_CHARS,
            )
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        missing = [name for name in properties if name not in (schema.get("required") or ())]
        if missing:
            tally.warnings.append(f"{path}: not every property is required (missing: {', '.join(missing)})")
        if schema.get("additionalProperties") is not False:
            tally.warnings.append(f"{path}: additionalProperties is not false")
    for sub, segment, is_property in _children(schema):
        child = _join(path, segment)
        if is_property:
            tally.properties += 1
            if depth + 1 > MAX_DEPTH:
                message = f"nesting depth at most {MAX_DEPTH} (this field is at depth {depth + 1})"
                raise SchemaError(child, message, limit=MAX_DEPTH)
        _walk(root, sub, child, depth + is_property, refs, tally)


# --- output specs and parsing ---


def output_spec(
    output: type[BaseModel] | Mapping[str, Any] | str | JsonSchema | TextSchema | AutoSchema | None,
    *,
    field: str = "output_schema",
) -> JsonSchema | TextSchema | AutoSchema | None:
    """The wire output schema for what ``task_runs.execute(output=...)`` accepts: a pydantic class or a bare
    JSON schema (``"type": "object"``) -> compiled :class:`JsonSchema`; ``{"type": "json", "json_schema": ...}``
    or a :class:`JsonSchema` -> its schema compiled; text/auto dicts or models -> as given; a string ->
    ``TextSchema(description=...)``; ``None`` -> ``None`` (auto). Raises :class:`SchemaError` otherwise."""
    if isinstance(output, str):
        return TextSchema(description=output)
    if isinstance(output, Mapping) and output.get("type") in _FORMS:
        if output["type"] == "json" and not isinstance(output.get("json_schema"), Mapping):
            raise SchemaError(_join(field, "json_schema"), "a json output schema needs a json_schema object")
        try:
            output = _FORMS[output["type"]].model_validate(dict(output))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _join(field, ".".join(str(part) for part in first["loc"]))
            raise SchemaError(where, first["msg"]) from None
    if output is None or isinstance(output, TextSchema | AutoSchema):
        return output
    if isinstance(output, JsonSchema):
        return output.model_copy(update={"json_schema": to_json_schema(output.json_schema, field=field)})
    if isinstance(output, Mapping) or (isinstance(output, type) and issubclass(output, BaseModel)):
        return JsonSchema(json_schema=to_json_schema(output, field=field))
    got = type(output).__name__
    raise SchemaError(field, f"expected a pydantic class, a schema dict, a string or None (got {got})")


_FORMS: dict[str, type[JsonSchema | TextSchema | AutoSchema]] = {
    "json": JsonSchema,
    "text": TextSchema,
    "auto": AutoSchema,
}


def output_task_spec(output: Any, input_schema: Any = None) -> TaskSpec | None:
    """The :class:`TaskSpec` that ``task_runs.execute(output=..., input_schema=...)`` sends, for code that creates
    runs itself: ``client.task_runs.create(input, "base", task_spec=output_task_spec(MyModel))``.

    ``output`` is a pydantic class or a JSON schema (compiled to the API's subset, see :func:`to_json_schema`), a
    text description (a string), an ``{"type": "json" | "text" | "auto", ...}`` dict, or ``None``; ``input_schema``
    is a pydantic class, a JSON schema or a text description. ``None`` when neither is given (the API's automatic
    output). Raises :class:`SchemaError` naming the offending path."""
    return task_spec_for(output, input_schema, output_field="output_schema")


def task_spec_for(output: Any, input_schema: Any, *, output_field: str) -> TaskSpec | None:
    """:func:`output_task_spec` for a method that takes ``output=`` itself (``execute``, ``run_batch``): an error
    in the output names ``output_field``, the argument the caller passed, rather than the spec's ``output_schema``."""
    spec = output_spec(output, field=output_field)
    given_input = output_spec(input_schema, field="input_schema")
    if isinstance(given_input, AutoSchema):
        raise SchemaError("input_schema", "an input schema is json or text; auto applies to outputs only")
    if spec is None and given_input is None:
        return None
    return TaskSpec(output_schema=spec or AutoSchema(), input_schema=given_input)
