"""Fitting values to constraints: formats, patterns, lengths and bounds, checked against pydantic's own types."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from typing import Any

import pytest
from pydantic import (
    UUID1,
    UUID3,
    UUID4,
    UUID5,
    AnyUrl,
    EmailStr,
    HttpUrl,
    IPvAnyAddress,
    IPvAnyInterface,
    IPvAnyNetwork,
    NameEmail,
    TypeAdapter,
)

from parallel_integrations.emulator.fitting import (
    fit_number,
    fit_text,
    format_fits,
    limits_of,
    made_up_string,
    number_fits,
    pattern_example,
    string_fits,
)

URL = "https://docs.python.org/3/library/json.html"


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        (dt.date, "date"),
        (dt.datetime, "date-time"),
        (dt.time, "time"),
        (dt.timedelta, "duration"),
        (uuid.UUID, "uuid"),
        (UUID1, "uuid1"),
        (UUID3, "uuid3"),
        (UUID4, "uuid4"),
        (UUID5, "uuid5"),
        (ipaddress.IPv4Address, "ipv4"),
        (ipaddress.IPv6Address, "ipv6"),
        (IPvAnyAddress, "ipvanyaddress"),
        (IPvAnyInterface, "ipvanyinterface"),
        (IPvAnyNetwork, "ipvanynetwork"),
        (ipaddress.IPv4Network, "ipv4network"),
        (ipaddress.IPv6Interface, "ipv6interface"),
        (EmailStr, "email"),
        (NameEmail, "name-email"),
        (HttpUrl, "uri"),
        (AnyUrl, "uri"),
    ],
)
def test_made_up_values_validate_as_the_type(kind: Any, fmt: str) -> None:
    value = made_up_string({"format": fmt}, URL, "fallback")
    TypeAdapter(kind).validate_python(value)
    assert format_fits(fmt, value)


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("date", "2024-02-29", "2023-02-29"),
        ("date-time", "2024-01-01T10:00:00Z", "2024-01-01"),
        ("time", "10:30:00", "25 past ten"),
        ("duration", "P1DT2H", "P"),
        ("email", "a.b@example.org", "not an address"),
        ("uri", "https://example.org/x", "example.org"),
        ("hostname", "docs.python.org", "bad host!"),
        ("ipv4", "10.0.0.1", "300.0.0.1"),
        ("ipv6", "::1", "1.2.3.4"),
        ("uuid4", str(uuid.uuid4()), str(uuid.uuid1())),
    ],
)
def test_formats_are_told_apart(fmt: str, good: str, bad: str) -> None:
    assert format_fits(fmt, good)
    assert not format_fits(fmt, bad)


def test_an_unknown_format_accepts_anything() -> None:
    assert format_fits("color", "whatever")


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\d+\.\d+(\.\d+)?$",
        r"^[A-Z]{3}$",
        r"^(?P<x>ab)(?P=x)$",
        r"[^abc0]+",
        r"^\w+@\w+\.com$",
        r"^v?\d+\.\d+$",
        r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        r"^(foo|bar)-\d{2,4}$",
        r"^\S+\s\D$",
    ],
)
def test_pattern_examples_match_their_pattern(pattern: str) -> None:
    example = pattern_example(pattern)
    assert example is not None
    assert re.search(pattern, example)


def test_pattern_examples_give_up_on_what_they_cannot_walk() -> None:
    assert pattern_example("(unclosed") is None
    assert pattern_example(r"^a(?<=b)$") is None  # a look-behind this walk ignores: the check catches it


def test_a_pattern_example_is_lengthened_to_the_minimum() -> None:
    assert pattern_example(r"[a-z]+", min_length=5) == "aaaaa"


def test_string_fits_checks_every_limit() -> None:
    limits = {"minLength": 3, "maxLength": 4, "pattern": "^[a-z]+$", "format": "hostname"}
    assert string_fits("abcd", limits)
    assert not string_fits("ab", limits)
    assert not string_fits("abcde", limits)
    assert not string_fits("ABC", limits)
    assert string_fits("x", {"pattern": "("})  # a pattern Python cannot read is not held against the value


def test_prose_is_cut_or_lengthened_to_fit() -> None:
    assert fit_text("one two three four", {"maxLength": 10}) == "one tw ..."
    assert fit_text("short", {"minLength": 12}, more="and more words") == "short and more words"
    assert fit_text("short", {"minLength": 12, "maxLength": 14}, more="and more words") == "short and ..."
    assert fit_text("ab", {"minLength": 4}) == "ab.."


@pytest.mark.parametrize(
    ("value", "limits", "integer", "expected"),
    [
        (5, {"minimum": 1990, "maximum": 2100}, True, 1990),
        (2500, {"minimum": 1990, "maximum": 2100}, True, 2100),
        (5, {"exclusiveMinimum": 0, "exclusiveMaximum": 1}, False, 0.9),
        (0.5, {"exclusiveMinimum": 0, "exclusiveMaximum": 1}, False, 0.5),
        (-3, {"exclusiveMinimum": 0}, True, 1),
        (7, {"multipleOf": 5}, True, 5),
        (3, {"minimum": 0.1, "multipleOf": 0.25}, False, 3.0),
        (0, {"minimum": 0.3, "multipleOf": 0.25}, False, 0.5),
        (2.6, {}, True, 3),
    ],
)
def test_numbers_are_fitted_into_their_bounds(
    value: float, limits: dict[str, Any], integer: bool, expected: float
) -> None:
    fitted = fit_number(value, limits, integer=integer)
    assert fitted == pytest.approx(expected)
    assert number_fits(fitted, limits, integer=integer)
    assert isinstance(fitted, int) is integer


def test_limits_come_from_keywords_and_from_the_description() -> None:
    schema = {"type": "integer", "description": "Year (at least 1990; at most 2100)", "maximum": 2050}
    assert limits_of(schema) == {"minimum": 1990, "maximum": 2050}
