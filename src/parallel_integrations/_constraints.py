"""Schema constraints in words, both ways: :func:`describe` writes them, :func:`read` reads them back.

The Task API's schema subset has no ``format``, bounds, lengths or ``pattern``. The schema compiler
(``_schema.py``) removes those keywords and restates them in the field's description, where the API's model
reads them; the emulator reads them from the same place with :func:`read`, so both sides use one wording::

    >>> note({"format": "date", "maximum": 2100})
    'In date format; at most 2100'
    >>> attach("Year of the release", ["at least 1990", "at most 2100"])
    'Year of the release (at least 1990; at most 2100)'
    >>> read("Year of the release (at least 1990; at most 2100)")
    {'minimum': 1990, 'maximum': 2100}

The notes of one schema are joined by ``"; "`` and either form the whole description (first letter capitalised)
or close it in parentheses. :func:`read` accepts only text that parses as notes from end to end, so ordinary
prose ("at most once") is never taken for a constraint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["CONSTRAINT_KEYWORDS", "attach", "describe", "note", "read"]

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_INTEGER = r"\d+"

# keyword -> (wording with {} for the value, pattern of the value). Longer wordings first: "at most 3 items"
# must not be read as "at most 3" followed by junk.
_WORDINGS: dict[str, tuple[str, str]] = {
    "maxLength": ("at most {} characters", _INTEGER),
    "minLength": ("at least {} characters", _INTEGER),
    "maxItems": ("at most {} items", _INTEGER),
    "minItems": ("at least {} items", _INTEGER),
    "maxProperties": ("at most {} properties", _INTEGER),
    "minProperties": ("at least {} properties", _INTEGER),
    "maximum": ("at most {}", _NUMBER),
    "minimum": ("at least {}", _NUMBER),
    "exclusiveMaximum": ("less than {}", _NUMBER),
    "exclusiveMinimum": ("greater than {}", _NUMBER),
    "multipleOf": ("a multiple of {}", _NUMBER),
    "format": ("in {} format", r"[A-Za-z0-9][\w\-]*"),
    "pattern": ("matching the regular expression {}", r'"'),  # a JSON string, decoded separately
}
_UNIQUE = "items are unique"

CONSTRAINT_KEYWORDS: frozenset[str] = frozenset(_WORDINGS) | {"uniqueItems"}
"""Every keyword this module puts into words (the API's unsupported ones that have a short wording, and
``exclusiveMinimum``/``exclusiveMaximum``)."""

_MATCHERS = [
    (keyword, re.compile(re.escape(text).replace(r"\{\}", f"({value})"), re.IGNORECASE))
    for keyword, (text, value) in _WORDINGS.items()
]
_SEPARATOR = "; "
_JSON = json.JSONDecoder()


def describe(keyword: str, value: Any) -> str | None:
    """One constraint in words (``"at most 5 items"``), or ``None`` when it has no short wording (a schema
    value such as ``contains``, or ``uniqueItems: false``)."""
    if keyword == "uniqueItems":
        return _UNIQUE if value is True else None
    wording = _WORDINGS.get(keyword)
    if wording is None or isinstance(value, Mapping | list | bool) or value is None:
        return None
    if keyword == "pattern":
        return wording[0].format(json.dumps(value)) if isinstance(value, str) else None
    if keyword == "format":
        return wording[0].format(value) if isinstance(value, str) and re.fullmatch(r"[\w\-]+", value) else None
    return wording[0].format(value) if isinstance(value, int | float) else None


def note(schema: Mapping[str, Any]) -> str:
    """Every constraint of ``schema`` that :func:`describe` can word, as one note (``""`` when none)."""
    notes = [text for key, value in schema.items() if (text := describe(key, value))]
    return _join(notes)


def _join(notes: Iterable[str]) -> str:
    text = _SEPARATOR.join(notes)
    return text[:1].upper() + text[1:]


def attach(description: str | None, notes: Iterable[str]) -> str | None:
    """``description`` with the ``notes`` added: ``"Desc (a; b)"``, or ``"A; b"`` with no description."""
    notes = list(notes)
    if not notes:
        return description
    if description:
        return f"{description} ({_SEPARATOR.join(notes)})"
    return _join(notes)


def _parse(text: str) -> dict[str, Any] | None:
    """The constraints of ``text`` when it consists of notes only, else ``None``."""
    found: dict[str, Any] = {}
    position = 0
    while True:
        if text.startswith(_UNIQUE, position) or text.lower().startswith(_UNIQUE, position):
            found["uniqueItems"] = True
            position += len(_UNIQUE)
        else:
            for keyword, matcher in _MATCHERS:
                match = matcher.match(text, position)
                if match is None:
                    continue
                if keyword == "pattern":
                    try:
                        value, end = _JSON.raw_decode(text, match.start(1))
                    except ValueError:
                        return None
                    found[keyword], position = value, end
                else:
                    found[keyword], position = _value(keyword, match.group(1)), match.end()
                break
            else:
                return None
        if position == len(text):
            return found
        if not text.startswith(_SEPARATOR, position):
            return None
        position += len(_SEPARATOR)


def _value(keyword: str, raw: str) -> Any:
    if keyword == "format":
        return raw
    number = float(raw)
    return int(number) if number.is_integer() and not re.search(r"[.eE]", raw) else number


def read(description: Any) -> dict[str, Any]:
    """The constraints that :func:`attach` wrote into ``description`` (keyword -> value, as in JSON Schema);
    ``{}`` for a description without notes or a value that is not a string."""
    if not isinstance(description, str) or not description:
        return {}
    whole = _parse(description)
    if whole is not None:
        return whole
    if description.endswith(")"):
        start = description.find(" (")
        while start != -1:
            inner = _parse(description[start + 2 : -1])
            if inner is not None:
                return inner
            start = description.find(" (", start + 1)
    return {}
