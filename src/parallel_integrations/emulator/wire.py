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


def parse_json(body: bytes, *, empty: Any = None) -> Any:
    """The request body as JSON; ``empty`` when there is no body; a 422 when it is not JSON."""
    if not body.strip():
        if empty is None:
            raise ApiError(422, "body: a JSON body is required", errors=[_body_error("Field required", "missing")])
        return empty
    try:
        return json.loads(body)
    except ValueError as exc:
        error = _body_error("JSON decode error", "json_invalid")
        raise ApiError(422, f"body: invalid JSON ({exc})", errors=[error]) from None


def _body_error(msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body"], "msg": msg, "type": kind}
