"""Type checks for the adapter's own arguments, run before anything is built or sent.

The client checks values against the API's limits when a call is made; these checks make a wrong *type* fail at
once, as a :class:`ParallelValidationError` naming the argument, instead of a ``TypeError`` deep inside, a silent
coercion (``"10"`` to ``10``) or a string taken as a list of characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from parallel_integrations import ParallelValidationError, to_json_schema


def _kind(value: object) -> str:
    return type(value).__name__


def optional_text(field: str, value: object) -> str | None:
    """``value`` if it is a string or ``None``."""
    if value is None or isinstance(value, str):
        return value
    raise ParallelValidationError(field, f"must be a string (got {_kind(value)})")


def optional_int(field: str, value: object) -> int | None:
    """``value`` if it is an int (not a bool) or ``None``."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ParallelValidationError(field, f"must be an integer (got {_kind(value)})")


def positive_int(field: str, value: object) -> int:
    """``value`` if it is an int of at least 1."""
    checked = optional_int(field, value)
    if checked is None or checked < 1:
        raise ParallelValidationError(field, f"must be an integer of at least 1 (got {value!r})", limit=1)
    return checked


def optional_seconds(field: str, value: object) -> float | None:
    """``value`` as a float if it is a positive number of seconds, or ``None``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParallelValidationError(field, f"must be a number of seconds (got {_kind(value)})")
    if value <= 0:
        raise ParallelValidationError(field, f"must be positive (got {value})", limit=0)
    return float(value)


def optional_queries(field: str, value: object) -> list[str] | None:
    """``value`` as a list if it is a sequence of strings, or ``None``; one string is one query (never split into
    characters), as in ``client.search``."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes) or not isinstance(value, Sequence):
        raise ParallelValidationError(field, f"must be a list of strings (got {_kind(value)})")
    for number, query in enumerate(value):
        if not isinstance(query, str):
            raise ParallelValidationError(f"{field}[{number}]", f"must be a string (got {_kind(query)})")
    return list(value)


def optional_mapping(field: str, value: object) -> dict[str, Any] | None:
    """``value`` as a plain dict if it is a mapping or a pydantic model, or ``None``."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, Mapping):
        return dict(value)
    raise ParallelValidationError(field, f"must be a mapping (got {_kind(value)})")


def choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``."""
    if isinstance(value, str) and value in allowed:
        return value
    raise ParallelValidationError(field, f"must be one of {', '.join(map(repr, allowed))} (got {value!r})")


def required_text(field: str, value: object) -> str:
    """``value`` if it is a non-empty string."""
    checked = optional_text(field, value)
    if not checked:
        raise ParallelValidationError(field, "is required (a non-empty string)")
    return checked


def task_output(field: str, value: object) -> Any:
    """``value`` if ``task_runs.execute`` takes it as ``output=``: ``None``, a text description, a JSON schema
    or a pydantic class. A schema or class the API cannot express is refused now, not at the first call."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping) or (isinstance(value, type) and issubclass(value, BaseModel)):
        if isinstance(value, Mapping) and value.get("type") in ("json", "text", "auto"):
            return value  # the API's own form: the client checks it
        to_json_schema(value, field=field)
        return value
    raise ParallelValidationError(
        field, f"must be a pydantic class, a JSON schema, a text description or None (got {_kind(value)})"
    )


def serialisable_output(value: Any) -> Any:
    """``output`` in a form JSON can hold: a pydantic class becomes its compiled JSON schema (so a reader rebuilt
    from ``to_dict()`` asks for the same answer, as plain JSON)."""
    if isinstance(value, type) and issubclass(value, BaseModel):
        return to_json_schema(value)
    return value


def no_unknown_settings(kwargs: Mapping[str, Any]) -> None:
    """Refuse keyword arguments a reader does not know, except ``is_remote``, which ``to_dict()`` writes (and
    which is always true): a misspelt setting is an error, not silently ignored."""
    unknown = sorted(set(kwargs) - {"is_remote"})
    if unknown:
        raise ParallelValidationError(unknown[0], "unknown setting")


def task_input(field: str, value: object) -> Any:
    """``value`` if a task run takes it as ``input``: a non-empty string, a mapping or a pydantic instance."""
    if isinstance(value, str):
        return required_text(field, value)
    if isinstance(value, Mapping | BaseModel):
        return value
    raise ParallelValidationError(field, f"must be a string, a mapping or a pydantic instance (got {_kind(value)})")
