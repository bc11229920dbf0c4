"""Making the emulator's answers fit a schema's constraints: formats, lengths, patterns, bounds and counts.

The API's schema subset has no ``format``, ``pattern`` or bounds: the schema compiler restates them in each
field's description (``_constraints.py``), and :func:`limits_of` reads them back, together with any such
keyword still in the schema. The writer (:mod:`.synth`) proposes values from the evidence; this module says
whether a value fits (:func:`string_fits`), makes a prose value fit where it can (:func:`fit_text`), and when the
evidence has nothing that fits, makes up the plainest value that does (:func:`made_up_string`,
:func:`fit_number`). Deterministic throughout.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .._constraints import CONSTRAINT_KEYWORDS, read
from .documents import truncate

__all__ = [
    "FORMAT_EXAMPLES",
    "fit_number",
    "fit_text",
    "limits_of",
    "made_up_string",
    "number_fits",
    "pattern_example",
    "string_fits",
]


def limits_of(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The constraints of one schema node: keywords it still carries, then those its description words."""
    found = {key: schema[key] for key in CONSTRAINT_KEYWORDS if key in schema}
    return {**read(schema.get("description")), **found}


# --- strings ---

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#]+\S*$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63})*$")
_DURATION = re.compile(r"^P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$")


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _uuid_version(value: str, version: int | None) -> bool:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return version is None or parsed.version == version


def format_fits(fmt: str, value: str) -> bool:
    """Whether ``value`` is written in ``fmt`` (the formats pydantic emits; an unknown format accepts any)."""
    checks: dict[str, Any] = {
        "date": lambda v: re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and _parses(dt.date.fromisoformat, v),
        "date-time": lambda v: (
            re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", v)
            and _parses(dt.datetime.fromisoformat, v.replace("Z", "+00:00"))
        ),
        "time": lambda v: re.fullmatch(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", v) is not None,
        "duration": lambda v: _DURATION.match(v) is not None,
        "email": lambda v: _EMAIL.match(v) is not None,
        "uri": lambda v: _URI.match(v) is not None,
        "iri": lambda v: _URI.match(v) is not None,
        "multi-host-uri": lambda v: _URI.match(v) is not None,
        "hostname": lambda v: _HOSTNAME.match(v) is not None,
        "ipv4": lambda v: _parses(ipaddress.IPv4Address, v),
        "ipv6": lambda v: _parses(ipaddress.IPv6Address, v),
        "ipvanyaddress": lambda v: _parses(ipaddress.ip_address, v),
        "ipv4interface": lambda v: _parses(ipaddress.IPv4Interface, v),
        "ipv6interface": lambda v: _parses(ipaddress.IPv6Interface, v),
        "ipvanyinterface": lambda v: _parses(ipaddress.ip_interface, v),
        "ipv4network": lambda v: _parses(ipaddress.IPv4Network, v),
        "ipv6network": lambda v: _parses(ipaddress.IPv6Network, v),
        "ipvanynetwork": lambda v: _parses(ipaddress.ip_network, v),
        "uuid": lambda v: _uuid_version(v, None),
        "name-email": lambda v: re.fullmatch(r"[^<>]+ <[^<>]+>", v) is not None,
        "json-string": lambda v: v in ("null", "{}", "[]") or re.fullmatch(r"-?\d+|\".*\"", v) is not None,
    }
    if re.fullmatch(r"uuid[1-8]", fmt):
        return _uuid_version(value, int(fmt[4:]))
    check = checks.get(fmt)
    return bool(check(value)) if check is not None else True


def string_fits(value: str, limits: Mapping[str, Any]) -> bool:
    """Whether ``value`` meets the format, pattern and length limits."""
    if len(value) < limits.get("minLength", 0) or len(value) > limits.get("maxLength", math.inf):
        return False
    fmt = limits.get("format")
    if isinstance(fmt, str) and not format_fits(fmt, value):
        return False
    pattern = limits.get("pattern")
    if isinstance(pattern, str):
        try:
            return re.search(pattern, value) is not None
        except re.error:
            return True  # a pattern Python cannot read: nothing to check it with
    return True


def fit_text(text: str, limits: Mapping[str, Any], more: str = "") -> str:
    """Prose cut to ``maxLength`` on a word boundary, or lengthened from ``more`` (then dots) to ``minLength``."""
    low, high = int(limits.get("minLength", 0)), limits.get("maxLength")
    if len(text) < low:
        text = (text + " " + more).strip() if more else text
        text = truncate(text, max(low, len(text) if high is None else min(int(high), len(text))))
        text = text.ljust(low, ".")
    if high is not None and len(text) > int(high):
        text = truncate(text, int(high)).ljust(low, ".")
    return text


FORMAT_EXAMPLES: dict[str, str] = {
    "date": "2000-01-01",
    "date-time": "2000-01-01T00:00:00Z",
    "time": "00:00:00",
    "duration": "PT1H",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "ipvanyaddress": "127.0.0.1",
    "ipv4interface": "127.0.0.1/8",
    "ipv6interface": "::1/128",
    "ipvanyinterface": "127.0.0.1/8",
    "ipv4network": "127.0.0.0/8",
    "ipv6network": "::1/128",
    "ipvanynetwork": "127.0.0.0/8",
    "json-string": "null",
    "regex": ".*",
}
"""The plainest value of each format, where the evidence holds none (and the field cannot be null)."""


def _format_example(fmt: str, url: str) -> str | None:
    host = urlsplit(url).hostname or "example.org"
    if fmt.startswith("uuid"):
        seed = uuid.uuid5(uuid.NAMESPACE_URL, url)
        version = int(fmt[4:]) if re.fullmatch(r"uuid[1-8]", fmt) else seed.version
        return str(uuid.UUID(int=seed.int, version=version))
    if fmt in ("uri", "iri", "multi-host-uri", "uri-reference", "iri-reference"):
        return url if _URI.match(url) else f"https://{host}/"
    made = {"email": f"docs@{host}", "hostname": host, "name-email": f"Docs <docs@{host}>"}
    return made.get(fmt, FORMAT_EXAMPLES.get(fmt))


def made_up_string(limits: Mapping[str, Any], url: str, fallback: str) -> str:
    """A value that meets ``limits`` when the evidence offers none: the format's plainest value (seeded by the
    page ``url``), else an example of the pattern, else ``fallback`` fitted to the lengths."""
    fmt = limits.get("format")
    candidates = [_format_example(fmt, url) if isinstance(fmt, str) else None]
    pattern = limits.get("pattern")
    if isinstance(pattern, str):
        candidates.append(pattern_example(pattern, int(limits.get("minLength", 0))))
    candidates.append(fit_text(fallback, limits))
    for candidate in candidates:
        if candidate is not None and string_fits(candidate, limits):
            return candidate
    return next((c for c in candidates if c is not None), fallback)


def pattern_example(pattern: str, min_length: int = 0) -> str | None:
    """A short string that ``pattern`` matches (each repeat at its least count, the first alternative, the first
    character of a class), or ``None`` when the pattern is beyond this simple walk."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern)
    except (re.error, ImportError, RecursionError):
        return None
    groups: dict[int, str] = {}
    try:
        text = _walk(tree, groups, _parser)
    except (KeyError, ValueError, TypeError, RecursionError):
        return None
    if len(text) < min_length and text and re.search(pattern, text * 2):
        text = text * math.ceil(min_length / len(text))
    try:
        return text if re.search(pattern, text) else None
    except re.error:
        return None


_PLAIN = "a0A_- ."


def _walk(items: Any, groups: dict[int, str], parser: Any) -> str:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(next(c for c in _PLAIN if ord(c) != arg))
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_member(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            out.append(_walk(sub, groups, parser) * int(low))
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            sub = arg[-1] if name == "SUBPATTERN" else arg
            text = _walk(sub, groups, parser)
            if name == "SUBPATTERN" and arg[0] is not None:
                groups[arg[0]] = text
            out.append(text)
        elif name == "BRANCH":
            out.append(_walk(arg[1][0], groups, parser))
        elif name == "GROUPREF":
            out.append(groups[arg])
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        else:
            raise ValueError(name)
    return "".join(out)


_CATEGORY_CHARS = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}
_CATEGORY_NOT = {"CATEGORY_NOT_DIGIT": "a", "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": "a"}


def _member(items: Any) -> str:
    """A character that the class ``[...]`` accepts."""
    negated = bool(items) and str(items[0][0]) == "NEGATE"
    if not negated:
        op, arg = items[0]
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return _CATEGORY_CHARS.get(str(arg)) or _CATEGORY_NOT[str(arg)]
        raise ValueError(name)
    for candidate in _PLAIN:
        if not any(_in(candidate, op, arg) for op, arg in items[1:]):
            return candidate
    raise ValueError("negated class")


def _in(char: str, op: Any, arg: Any) -> bool:
    name = str(op)
    if name == "LITERAL":
        return bool(ord(char) == arg)
    if name == "RANGE":
        return bool(arg[0] <= ord(char) <= arg[1])
    if name == "CATEGORY":
        probe = {
            "CATEGORY_DIGIT": r"\d",
            "CATEGORY_WORD": r"\w",
            "CATEGORY_SPACE": r"\s",
            "CATEGORY_NOT_DIGIT": r"\D",
            "CATEGORY_NOT_WORD": r"\W",
            "CATEGORY_NOT_SPACE": r"\S",
        }
        return re.fullmatch(probe.get(str(arg), "(?!)"), char) is not None
    return True


# --- numbers ---


def number_fits(value: float, limits: Mapping[str, Any], *, integer: bool) -> bool:
    """Whether ``value`` meets the bounds, ``multipleOf`` and integrality."""
    if integer and not float(value).is_integer():
        return False
    if value < limits.get("minimum", -math.inf) or value > limits.get("maximum", math.inf):
        return False
    if value <= limits.get("exclusiveMinimum", -math.inf) or value >= limits.get("exclusiveMaximum", math.inf):
        return False
    step = limits.get("multipleOf")
    return not step or math.isclose(value / step, round(value / step), abs_tol=1e-9)


def fit_number(value: float, limits: Mapping[str, Any], *, integer: bool) -> int | float:
    """The allowed number nearest ``value``: clamped into the bounds, rounded to an integer or to a multiple of
    ``multipleOf`` (upwards when rounding down would leave the bounds)."""
    low = limits.get("minimum", -math.inf)
    high = limits.get("maximum", math.inf)
    above, below = limits.get("exclusiveMinimum", -math.inf), limits.get("exclusiveMaximum", math.inf)
    span = min(high, below) - max(low, above)
    gap = 1.0 if integer or not math.isfinite(span) or span <= 0 else span / 10  # stay inside open bounds
    low, high = max(low, above + gap), min(high, below - gap)
    step = limits.get("multipleOf") or (1 if integer else None)
    number = min(max(float(value), low), high) if low <= high else float(value)
    if step:
        number = round(number / step) * step
        if number < low:
            number += step * math.ceil((low - number) / step)
        if number > high:
            number -= step * math.ceil((number - high) / step)
    return round(number) if integer else float(number)
