"""What a caller passes, checked for type and shape before anything is built or sent.

Each public operation has one checker here, called on the first line of its sync and of its async method, so both
refuse the same input with the same :class:`ParallelValidationError` naming the field. The checks: wrong types
(``bool`` is not a number, ``nan`` and ``inf`` are not numbers either), blank text, a single string where a list
belongs (never split into one entry per character), text that cannot travel as UTF-8 JSON (a lone surrogate),
ids that would change the request's URL, and misspelt keys in the dicts the API defines. The API's numeric limits
are ``_limits``'s; these checks come first, so a limit is never measured on a value of the wrong type.

Messages name the type of a wrong value, never the value itself (it may be long, or a secret).
"""

from __future__ import annotations

import datetime
import difflib
import enum
import functools
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast, get_args
from urllib.parse import quote

from pydantic import BaseModel

from . import _models
from ._errors import ParallelValidationError

__all__ = [
    "add_runs",
    "betas",
    "execute",
    "flag",
    "group_run",
    "http_client",
    "json_value",
    "known_keys",
    "many",
    "metadata",
    "number",
    "path_id",
    "result",
    "run_batch",
    "run_fields",
    "schema_arg",
    "search",
    "seconds",
    "source_policy",
    "stream_events",
    "stream_runs",
    "task_spec",
    "text",
    "texts",
    "whole_number",
]

RUN_STATUSES: tuple[str, ...] = get_args(_models.RunStatus)
# A parallel-beta value: one token of a comma-separated header.
_BETA = re.compile(r"[\x21-\x2b\x2d-\x7e]+")  # printable ASCII but space and comma
_PLAIN_ID = re.compile(r"[A-Za-z0-9_\-]+")
# Characters that end or restructure a path segment, or that servers and proxies treat inconsistently.
_URL_BREAKING = re.compile(r"[/?#\\\s\x00-\x1f\x7f]")


# --- primitives -----------------------------------------------------------------------------------------------


def _child(field: str, key: str) -> str:
    """The dot path of ``key`` under ``field``, printable even when the key holds a lone surrogate."""
    return f"{field}.{key.encode('utf-8', 'backslashreplace').decode()}"


def _wrong_type(field: str, expected: str, value: object) -> ParallelValidationError:
    return ParallelValidationError(field, f"must be {expected} (got {type(value).__name__})")


def _utf8(value: str, field: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParallelValidationError(
            field,
            f"cannot be sent as UTF-8 JSON: a lone surrogate {value[exc.start]!r} at position {exc.start}",
        ) from None


def text(value: object, field: str, *, optional: bool = False) -> None:
    """A non-blank string that UTF-8 can encode (``None`` too when ``optional``)."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise _wrong_type(field, "a string", value)
    if not value or value.isspace():
        raise ParallelValidationError(field, "must not be empty or only whitespace")
    _utf8(value, field)


def whole_number(value: object, field: str, *, optional: bool = True) -> None:
    """An ``int`` (not a ``bool``, not a float, not a numeric string)."""
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise _wrong_type(field, "a whole number (int)", value)


def number(value: object, field: str) -> float:
    """A finite real number (``int`` or ``float``, not a ``bool``), returned as a float."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _wrong_type(field, "a number", value)
    if isinstance(value, int) and abs(value) > 2**1000:  # beyond a float, where isfinite would overflow
        raise ParallelValidationError(field, "must be a finite number (got a larger whole number)")
    if not math.isfinite(value):
        raise ParallelValidationError(field, f"must be a finite number (got {value})")
    return float(value)


def seconds(value: object, field: str) -> None:
    """``None`` or a finite, positive number of seconds."""
    if value is not None and number(value, field) <= 0:
        raise ParallelValidationError(field, f"must be a positive number of seconds (got {value})")


def flag(value: object, field: str, *, optional: bool = True) -> None:
    """``True`` or ``False`` (``None`` too when ``optional``); ``"yes"`` or ``1`` are not booleans."""
    if value is None and optional:
        return
    if not isinstance(value, bool):
        raise _wrong_type(field, "True or False", value)


def many(value: object, field: str, example: str, *, lazy: bool = False) -> None:
    """A list of entries, not a single string or mapping (those would be read one character or key at a time).
    ``lazy`` accepts any iterable (a generator of batch inputs); otherwise a list or tuple is required."""
    if type(value) is list or type(value) is tuple:
        return  # the usual case, without the cost of abstract-class checks
    if isinstance(value, str | bytes | bytearray):
        raise ParallelValidationError(
            field,
            f"expects a list, got a single string: wrap it in a list, e.g. {example} (a string is never "
            "split into one entry per character)",
        )
    if isinstance(value, Mapping):
        raise ParallelValidationError(field, f"expects a list, got a mapping: wrap it in a list, e.g. {example}")
    if not isinstance(value, Sequence if not lazy else Iterable):
        raise _wrong_type(field, "a list" if not lazy else "a list or another iterable", value)


def texts(value: object, field: str, example: str, *, optional: bool = True) -> None:
    """A list of non-blank strings."""
    if value is None and optional:
        return
    many(value, field, example)
    for i, item in enumerate(cast("Sequence[object]", value)):
        if type(item) is not str or not item.isascii() or not item or item.isspace():
            text(item, f"{field}[{i}]")  # the full check, with the field's name, only when it may fail


def path_id(value: object, field: str) -> str:
    """An id as it goes into a URL path: refused if it would change the URL (``/``, ``?``, ``#``, ``..``,
    whitespace, control characters), else percent-encoded."""
    if isinstance(value, str) and _PLAIN_ID.fullmatch(value):
        return value  # every id the API issues: nothing to encode
    text(value, field)
    assert isinstance(value, str)
    if value in (".", "..") or _URL_BREAKING.search(value):
        raise ParallelValidationError(
            field,
            "must be an id as the API returned it, without '/', '?', '#', '\\', whitespace or control "
            "characters, and not '.' or '..'",
        )
    return quote(value, safe="")


def json_value(value: object, field: str) -> None:
    """A value that goes into the JSON body as the caller wrote it: strings (no lone surrogate), finite numbers,
    booleans, ``None``, lists and tuples, dicts with string keys, and the few types pydantic writes as one JSON
    value without loss (dates and times, UUIDs, enums, pydantic instances). A set (no order), bytes (no encoding)
    or any other object is refused, naming the nested field, rather than converted or dropped."""
    try:
        _locate(value, field)
    except RecursionError:
        raise ParallelValidationError(field, "cannot be sent as JSON: it contains itself") from None


# Written by pydantic as one JSON value that reads back as what was meant.
_ONE_JSON_VALUE = (datetime.date, datetime.time, datetime.timedelta, uuid.UUID, enum.Enum, BaseModel)


def _locate(value: object, field: str) -> None:
    if value is None or isinstance(value, (bool, int, *_ONE_JSON_VALUE)):
        return
    if isinstance(value, float):
        number(value, field)
    elif isinstance(value, str):
        _utf8(value, field)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ParallelValidationError(field, f"keys must be strings (got {type(key).__name__})")
            _utf8(key, field)
            _locate(item, _child(field, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _locate(item, f"{field}[{i}]")
    elif isinstance(value, set | frozenset):
        raise ParallelValidationError(field, "a set has no order to send: pass a list (for example sorted(...))")
    elif isinstance(value, bytes | bytearray):
        raise ParallelValidationError(field, "bytes cannot be sent as JSON: decode them to text first")
    else:
        raise _wrong_type(field, "a JSON value (text, number, boolean, None, list or dict)", value)


# --- the API's dicts: known keys only -------------------------------------------------------------------------


_SCHEMA_KEYS = {"json": {"type", "json_schema"}, "text": {"type", "description"}, "auto": {"type"}}


def _model(name: str) -> type[BaseModel]:
    model: type[BaseModel] = getattr(_models, name)
    return model


@functools.cache
def _keys(name: str) -> frozenset[str]:
    if name in _SCHEMA_KEYS:
        return frozenset(_SCHEMA_KEYS[name])
    return frozenset(_model(name).model_fields)


def known_keys(value: Mapping[str, Any], model: str, field: str) -> None:
    """Refuse a key the API does not define (a misspelling would otherwise be dropped or ignored silently)."""
    allowed = _keys(model)
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ParallelValidationError(
                _child(field, str(key)), f"unknown key: {hint}the keys are {', '.join(sorted(allowed))}"
            )


def _api_dict(value: object, model: str, field: str) -> Mapping[str, Any] | None:
    """``value`` as a mapping to check key by key; ``None`` when it is absent or already the model."""
    if value is None or isinstance(value, _model(model)):
        return None
    if not isinstance(value, Mapping):
        raise _wrong_type(field, f"a {model} or a dict", value)
    known_keys(value, model, field)
    return value


def source_policy(value: object, field: str = "source_policy") -> None:
    """``{"include_domains": [...], "exclude_domains": [...], "after_date": "2024-01-01"}``."""
    policy = _api_dict(value, "SourcePolicy", field)
    if policy is None:
        return
    for key in ("include_domains", "exclude_domains"):
        texts(policy.get(key), f"{field}.{key}", f'{key}=["python.org"]')
    text(policy.get("after_date"), f"{field}.after_date", optional=True)


def task_spec(value: object, field: str = "task_spec") -> None:
    """A task spec's keys, and those of its output and input schemas."""
    spec = _api_dict(value, "TaskSpec", field)
    if spec is None:
        return
    for name in ("output_schema", "input_schema"):
        schema = spec.get(name)
        if isinstance(schema, Mapping):
            kind = schema.get("type", "json" if "json_schema" in schema else "text")
            if kind in _SCHEMA_KEYS:
                known_keys(schema, kind, f"{field}.{name}")


def metadata(value: object, field: str = "metadata") -> None:
    """A mapping of string keys to strings, whole numbers, finite floats or booleans."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise _wrong_type(field, "a dict of str keys to str, int, float or bool values", value)
    for key, item in value.items():
        if not isinstance(key, str):
            raise ParallelValidationError(field, f"keys must be strings (got {type(key).__name__})")
        _utf8(key, field)
        where = _child(field, key)
        if isinstance(item, str):
            _utf8(item, where)
        elif isinstance(item, float):
            number(item, where)
        elif not isinstance(item, int):
            raise _wrong_type(where, "a string, a number or a boolean", item)


def betas(value: object, field: str = "betas") -> None:
    """Extra ``parallel-beta`` values: a list of header tokens (they are joined with commas into one header)."""
    texts(value, field, 'betas=["mcp-server-2025-07-17"]')
    assert value is None or isinstance(value, Sequence)
    for i, beta in enumerate(value or ()):
        if not _BETA.fullmatch(beta):
            raise ParallelValidationError(f"{field}[{i}]", "must be a beta name such as 'mcp-server-2025-07-17'")


def _run_input_value(value: object, field: str) -> None:
    if isinstance(value, str):
        text(value, field)
        return
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if not isinstance(value, Mapping):
        raise _wrong_type(field, "a string, a dict or a pydantic instance", value)
    if not value:
        raise ParallelValidationError(field, "must not be empty")
    json_value(value, field)


def run_fields(fields: object, field: str = "") -> None:
    """One task run: its input (non-blank text, or a non-empty dict or pydantic instance that JSON can carry),
    processor, and the keys and types of every optional field. ``field`` prefixes the names (``inputs[3]``)."""
    prefix = f"{field}." if field else ""
    if isinstance(fields, _models.TaskRunInput):
        _run_input_value(fields.input, f"{prefix}input")
        text(fields.processor, f"{prefix}processor")
        metadata(fields.metadata, f"{prefix}metadata")
        return
    if not isinstance(fields, Mapping):
        raise _wrong_type(field or "input", "a TaskRunInput or a dict of its fields", fields)
    known_keys(fields, "TaskRunInput", field or "run")
    _run_input_value(fields.get("input"), f"{prefix}input")
    text(fields.get("processor"), f"{prefix}processor")
    task_spec(fields.get("task_spec"), f"{prefix}task_spec")
    metadata(fields.get("metadata"), f"{prefix}metadata")
    source_policy(fields.get("source_policy"), f"{prefix}source_policy")
    flag(fields.get("enable_events"), f"{prefix}enable_events")
    text(fields.get("previous_interaction_id"), f"{prefix}previous_interaction_id", optional=True)
    webhook = _api_dict(fields.get("webhook"), "Webhook", f"{prefix}webhook")
    if webhook is not None:
        text(webhook.get("url"), f"{prefix}webhook.url")
        texts(webhook.get("event_types"), f"{prefix}webhook.event_types", 'event_types=["task_run.status"]')
    servers = fields.get("mcp_servers")
    if servers is not None:
        many(servers, f"{prefix}mcp_servers", 'mcp_servers=[{"url": ..., "name": ...}]')
        assert isinstance(servers, Sequence)
        for i, server in enumerate(servers):
            checked = _api_dict(server, "McpServer", f"{prefix}mcp_servers[{i}]")
            if checked is not None:
                texts(checked.get("allowed_tools"), f"{prefix}mcp_servers[{i}].allowed_tools", '["tool"]')


# --- one checker per public operation -------------------------------------------------------------------------


def search(
    objective: object,
    search_queries: object,
    processor: object,
    max_results: object,
    max_chars_per_result: object,
    source_policy_: object,
) -> None:
    """``search``'s arguments. A single string for ``search_queries`` is refused like any list argument (rather
    than wrapped): one rule everywhere, and a typo such as ``search_queries=objective`` does not pass unnoticed."""
    text(objective, "objective", optional=True)
    texts(search_queries, "search_queries", 'search_queries=["python decorators"]')
    text(processor, "processor", optional=True)
    whole_number(max_results, "max_results")
    whole_number(max_chars_per_result, "max_chars_per_result")
    source_policy(source_policy_)


def result(run_id: object, timeout: object, betas_: object) -> None:
    """``task_runs.result``: the id, a positive finite deadline (or ``None``), and the betas."""
    path_id(run_id, "run_id")
    seconds(timeout, "timeout")
    betas(betas_)


def schema_arg(value: object, field: str) -> None:
    """What ``output=`` and ``input_schema=`` take: a pydantic class, a JSON schema dict (bare, or the API's
    ``{"type": "json", "json_schema": ...}`` form, whose keys are checked), a non-blank description, or ``None``."""
    if value is None or isinstance(value, _models.JsonSchema | _models.TextSchema | _models.AutoSchema):
        return
    if isinstance(value, str):
        text(value, field)
    elif isinstance(value, Mapping):
        kind = value.get("type")
        if isinstance(kind, str) and kind in _SCHEMA_KEYS:
            known_keys(value, kind, field)
    elif not (isinstance(value, type) and issubclass(value, BaseModel)):
        raise _wrong_type(field, "a pydantic class, a JSON schema dict, a text description or None", value)


def execute(output: object, input_schema: object, task_spec_: object, timeout: object, betas_: object) -> None:
    """``task_runs.execute``'s own arguments (the run's fields are checked by :func:`run_fields`)."""
    schema_arg(output, "output")
    schema_arg(input_schema, "input_schema")
    task_spec(task_spec_)
    seconds(timeout, "timeout")
    betas(betas_)


def add_runs(taskgroup_id: object, inputs: object, default_task_spec: object, betas_: object) -> None:
    """``task_groups.add_runs``: the group id, a list (or iterable) of inputs, the default spec and betas."""
    path_id(taskgroup_id, "taskgroup_id")
    many(inputs, "inputs", 'inputs=[{"input": "...", "processor": "base"}]', lazy=True)
    task_spec(default_task_spec, "default_task_spec")
    betas(betas_)


def stream_runs(
    taskgroup_id: object, status: object, include_input: object, include_output: object, last_event_id: object
) -> None:
    """``task_groups.stream_runs``."""
    path_id(taskgroup_id, "taskgroup_id")
    if status is not None and status not in RUN_STATUSES:
        raise ParallelValidationError("status", f"must be one of {', '.join(RUN_STATUSES)}", limit=RUN_STATUSES)
    flag(include_input, "include_input", optional=False)
    flag(include_output, "include_output", optional=False)
    text(last_event_id, "last_event_id", optional=True)


def stream_events(taskgroup_id: object, last_event_id: object) -> None:
    """``task_groups.stream_events``."""
    path_id(taskgroup_id, "taskgroup_id")
    text(last_event_id, "last_event_id", optional=True)


def group_run(taskgroup_id: object, run_id: object) -> None:
    """``task_groups.retrieve_run``."""
    path_id(taskgroup_id, "taskgroup_id")
    path_id(run_id, "run_id")


def run_batch(
    inputs: object,
    processor: object,
    output: object,
    input_schema: object,
    taskgroup_id: object,
    metadata_: object,
    max_concurrency: object,
    on_progress: object,
) -> None:
    """``task_groups.run_batch``, checked when it is called rather than at the first ``next()``. A list of inputs
    is checked item by item here too, so a bad item cannot stop a batch half submitted (and half paid for); a
    generator is checked as it is consumed, 1,000 at a time."""
    if (inputs is None) == (taskgroup_id is None):
        raise ParallelValidationError("inputs", "give inputs for a new batch, or taskgroup_id= to collect one")
    if taskgroup_id is not None:
        path_id(taskgroup_id, "taskgroup_id")
    text(processor, "processor", optional=True)
    schema_arg(output, "output")
    schema_arg(input_schema, "input_schema")
    metadata(metadata_)
    whole_number(max_concurrency, "max_concurrency", optional=False)
    assert isinstance(max_concurrency, int)
    if max_concurrency < 1:
        raise ParallelValidationError("max_concurrency", f"must be at least 1 (got {max_concurrency})", limit=1)
    if on_progress is not None and not callable(on_progress):
        raise _wrong_type("on_progress", "a function taking a BatchProgress", on_progress)
    if inputs is None:
        return
    many(inputs, "inputs", 'inputs=["the with statement"]', lazy=True)
    if isinstance(inputs, Sequence):
        for i, item in enumerate(inputs):
            if isinstance(item, _models.TaskRunInput):
                run_fields(item, f"inputs[{i}]")
                continue
            if processor is None:
                raise ParallelValidationError(f"inputs[{i}]", "processor= is required for plain inputs")
            _run_input_value(item, f"inputs[{i}]")


def http_client(value: object, kind: type) -> None:
    """``None`` or an ``httpx`` client of the kind the driver sends with (sync or async)."""
    if value is not None and not isinstance(value, kind):
        raise _wrong_type("http_client", f"an httpx.{kind.__name__}", value)
