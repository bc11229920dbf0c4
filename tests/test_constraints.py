"""The constraint wording the schema compiler writes and the emulator reads back (``_constraints.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, Field

from parallel_integrations._constraints import attach, describe, note, read
from parallel_integrations._schema import to_json_schema


class Release(BaseModel):
    year: int = Field(ge=1990, le=2100, description="Year of the release")
    score: float = Field(gt=0, lt=1)
    step: int = Field(multiple_of=5)
    tags: list[str] = Field(min_length=1, max_length=5)
    unique: set[str]
    code: str = Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3} (x|y)?; \"q\"$")
    day: dt.date | None = None


def _description(schema: dict[str, Any]) -> str:
    branch = schema["anyOf"][0] if "anyOf" in schema and "description" not in schema else schema
    return str(branch["description"])


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("year", {"minimum": 1990, "maximum": 2100}),
        ("score", {"exclusiveMinimum": 0, "exclusiveMaximum": 1}),
        ("step", {"multipleOf": 5}),
        ("tags", {"minItems": 1, "maxItems": 5}),
        ("unique", {"uniqueItems": True}),
        ("code", {"minLength": 3, "maxLength": 3, "pattern": r"^[A-Z]{3} (x|y)?; \"q\"$"}),
        ("day", {"format": "date"}),
    ],
)
def test_compiled_descriptions_read_back(field: str, expected: dict[str, Any]) -> None:
    compiled = to_json_schema(Release)["properties"][field]
    assert read(_description(compiled)) == expected


def test_user_description_is_kept_before_the_notes() -> None:
    described = to_json_schema(Release)["properties"]["year"]["description"]
    assert described.startswith("Year of the release (")


@pytest.mark.parametrize(
    "text",
    [
        "at most once a year",
        "The version (at most one per line)",
        "Matching the regular expression ^abc$",  # not a JSON string: not our wording
        "In date format; then more",
        "",
    ],
)
def test_prose_is_not_a_constraint(text: str) -> None:
    assert read(text) == {}


def test_read_ignores_non_strings() -> None:
    assert read(None) == {}
    assert read(42) == {}


def test_describe_words_only_scalars() -> None:
    assert describe("maxItems", 5) == "at most 5 items"
    assert describe("uniqueItems", False) is None
    assert describe("contains", {"type": "string"}) is None
    assert describe("maximum", True) is None
    assert describe("format", "date time") is None


def test_note_and_attach_round_trip() -> None:
    schema = {"format": "date-time", "maximum": 2.5, "minimum": -1e-05, "title": "ignored"}
    text = note(schema)
    assert text == "In date-time format; at most 2.5; at least -1e-05"
    assert read(text) == {"format": "date-time", "maximum": 2.5, "minimum": -1e-05}
    assert read(attach("When (roughly)", ["at most 3"])) == {"maximum": 3}
    assert attach(None, []) is None
