"""The emulator's side of the wire, beyond the shared models: ids, timestamps and the API's error bodies.

Errors travel as :class:`ApiError` from the request handlers to one renderer (``handlers.render_error``),
which writes the body the real API writes for that endpoint: ``{"type": "error", "error": {ref_id, message,
detail}}`` everywhere, except 422 on the task-group endpoints, which use FastAPI's ``{"detail": [{loc, msg,
type}]}``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from .._errors import ParallelValidationError

__all__ = [
    "MAX_JSON_DEPTH",
    "ApiError",
    "Loc",
    "error_body",
    "errors_from_pydantic",
    "loc_from_field",
    "new_id",
    "new_ref_id",
    "parse_json",
    "timestamp",
    "validation_error",
]

Loc = list[str | int]

_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def new_id(prefix: str) -> str:
    """``prefix_`` followed by 32 lowercase hex characters, the API's id format (``trun_``, ``tgrp_``, ...)."""
    return f"{prefix}_{uuid.uuid4().hex}"


def new_ref_id() -> str:
    """An error reference id: a dashed UUID, as the API writes them."""
    return str(uuid.uuid4())


def timestamp(seconds: float) -> str:
    """RFC 3339 with microseconds and ``Z`` (``2025-04-23T20:21:48.037943Z``) for a Unix time in seconds."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ApiError(Exception):
    """An answer other than success: ``status``, the ``message`` of the error body, and for 422 the failing
    fields as FastAPI-style ``errors`` (``loc``, ``msg``, ``type``), from which either body shape is written."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.errors = [dict(e) for e in errors]
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {message}")


def error_body(message: str, detail: Any = None) -> dict[str, Any]:
    """The API's ``ErrorResponse``: ``{"type": "error", "error": {"ref_id", "message", "detail"}}``."""
    return {"type": "error", "error": {"ref_id": new_ref_id(), "message": message, "detail": detail}}


def loc_from_field(field: str, root: str = "body") -> Loc:
    """``"inputs[3].metadata.key"`` as a FastAPI ``loc``: ``["body", "inputs", 3, "metadata", "key"]``."""
    loc: Loc = [root] if root else []
    for name, index in _FIELD_PART.findall(field):
        loc.append(int(index) if index else name)
    return loc


def validation_error(exc: ParallelValidationError, root: str = "body") -> ApiError:
    """A 422 for a broken documented limit, naming the field as the API's ``loc``."""
    entry = {"loc": loc_from_field(exc.field, root), "msg": exc.problem, "type": "value_error"}
    return ApiError(422, str(exc), errors=[entry])


def errors_from_pydantic(exc: ValidationError, prefix: Sequence[str | int] = ("body",)) -> ApiError:
    """A 422 listing every field pydantic refused, with ``prefix`` (``["body", "inputs", 2]``) before each loc."""
    errors = [
        {"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    first = errors[0] if errors else {"loc": list(prefix), "msg": "invalid"}
    where = ".".join(str(part) for part in first["loc"][1:]) or "body"
    return ApiError(422, f"{where}: {first['msg']}", errors=errors)


MAX_JSON_DEPTH = 100
"""How deeply a request body may nest (the API's own schemas stay far below; Python's recursion does not)."""


def parse_json(body: bytes, *, empty: Any = None) -> Any:
    """The request body as JSON; ``empty`` when there is no body; a 422 when it is not JSON, nests deeper than
    :data:`MAX_JSON_DEPTH`, or holds a string that is not valid Unicode (a lone surrogate such as ``"\\ud800"``,
    which no answer could be written with)."""
    if not body.strip():
        if empty is None:
            raise ApiError(422, "body: a JSON body is required", errors=[_body_error("Field required", "missing")])
        return empty
    try:
        value = json.loads(body)
    except RecursionError:
        value = None
        _too_deep(["body"])
    except ValueError as exc:
        error = _body_error("JSON decode error", "json_invalid")
        raise ApiError(422, f"body: invalid JSON ({exc})", errors=[error]) from None
    _check_value(value)
    return value


def _too_deep(loc: Loc) -> None:
    message = f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
    raise ApiError(
        422,
        f"{'.'.join(map(str, loc[1:])) or 'body'}: {message}",
        errors=[{"loc": loc, "msg": message, "type": "json_too_deep"}],
    )


def _check_value(value: Any) -> None:
    """Depth and Unicode, walked without recursion (the value may be deep)."""
    stack: list[tuple[Any, Loc]] = [(value, ["body"])]
    while stack:
        node, loc = stack.pop()
        if len(loc) > MAX_JSON_DEPTH + 1:
            _too_deep(loc[:4])
        if isinstance(node, str):
            _check_text(node, loc)
        elif isinstance(node, dict):
            for key, item in node.items():
                _check_text(key, [*loc, key])
                stack.append((item, [*loc, key]))
        elif isinstance(node, list):
            stack.extend((item, [*loc, index]) for index, item in enumerate(node))


def _check_text(text: str, loc: Loc) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        where = ".".join(map(str, loc[1:])) or "body"
        message = f"String holds a lone surrogate (\\u{ord(text[exc.start]):04x}), which is not valid Unicode"
        raise ApiError(
            422, f"{where}: {message}", errors=[{"loc": loc, "msg": message, "type": "string_unicode"}]
        ) from None


def _body_error(msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body"], "msg": msg, "type": kind}
