"""A task answer as flat rows: one per top-level field, with its value, confidence and the URLs that support it.

The terminal table, the CSV columns and the demo read answers through here, so they agree on what a field's
citations are: those given for the field itself and for anything nested under it (``items.0.name`` counts for
``items``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parallel_integrations import TaskRunResult

__all__ = ["FieldAnswer", "answer_fields", "cell_text"]

TEXT_FIELD = "output"
"""The field name of a text answer (the API's basis uses it too)."""


@dataclass(frozen=True)
class FieldAnswer:
    """One top-level field of an answer."""

    field: str
    value: Any
    confidence: str | None
    citations: tuple[str, ...]


def answer_fields(result: TaskRunResult, fields: tuple[str, ...] = ()) -> list[FieldAnswer]:
    """The answer's fields: ``fields`` in that order when given (missing ones empty), else the answer's own keys;
    a text answer is one field, ``output``."""
    output = result.output
    content: Any = output.content
    values: dict[str, Any] = content if isinstance(content, dict) else {TEXT_FIELD: content}
    names = list(fields) if fields and isinstance(content, dict) else list(values)
    urls: dict[str, list[str]] = {}
    for path, citation in output.iter_citations():
        found = urls.setdefault(path.split(".", 1)[0], [])
        if citation.url not in found:
            found.append(citation.url)
    confidence = {basis.field: basis.confidence or None for basis in output.basis}
    return [FieldAnswer(name, values.get(name), confidence.get(name), tuple(urls.get(name, ()))) for name in names]


def cell_text(value: Any) -> str:
    """A value as one cell: text as is, ``None`` as empty, anything structured as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
