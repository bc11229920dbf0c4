"""Task-run outputs for the emulator, written from corpus passages, with a basis for every field.

JSON output follows the run's schema: each property is filled from the passages that best match the run's input
plus the property's name and description (``$ref``, ``anyOf``, ``enum``, ``const``, arrays and nested objects
are understood). Strings are a sentence of the best passage; integers and numbers a number found there, else the
number of matching pages; booleans are true when the match is strong; an enum takes the value whose words occur
most in the passages; a nullable field is null when nothing matches at all. Text output is a few cited sentences
and a list of sources. The same corpus, input and schema always give the same output.

Confidence reflects how many of the query's words the passage used contains (its coverage):
``high`` from 60 %, ``medium`` from 30 %, ``low`` below (and when nothing matched).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from parallel_integrations._models import Citation, FieldBasis, TaskRunJsonOutput, TaskRunTextOutput
from parallel_integrations.emulator.corpus import Corpus, Page, stem, terms, truncate

__all__ = ["Synthesis", "synthesize"]

HIGH_COVERAGE = 0.6
MEDIUM_COVERAGE = 0.3
_CANDIDATES = 8  # passages considered per field
_ARRAY_ITEMS = 3  # items written for an array without minItems/maxItems
_MAX_SENTENCE = 300
_MAX_DEPTH = 8  # deeper (recursive $ref) schemas get an empty value
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*`])")
_NUMBER = re.compile(r"(?<![\w.\[])-?\d+(?:\.\d+)?(?![\w\]]|\.\d)")

Passage = tuple[Page, str, float]


@dataclass(frozen=True)
class Synthesis:
    """A written answer: ``content`` (markdown text with ``[n]`` citations, or a JSON object following the
    schema) and its ``basis`` (one entry per top-level field, or a single ``"output"`` entry for text)."""

    content: str | dict[str, Any]
    basis: list[FieldBasis]

    def output(self) -> TaskRunTextOutput | TaskRunJsonOutput:
        """The wire output object of a completed run (``type`` text or json)."""
        if isinstance(self.content, str):
            return TaskRunTextOutput(content=self.content, basis=self.basis)
        return TaskRunJsonOutput(content=self.content, basis=self.basis)


def synthesize(
    corpus: Corpus,
    run_input: str | dict[str, Any],
    output_schema: dict[str, Any] | None,
    *,
    text_description: str | None = None,
) -> Synthesis:
    """Answer ``run_input`` (text, or a dict whose keys and values are read as text) from ``corpus``.

    With ``output_schema`` (a JSON schema whose root is an object) the content is an object holding exactly the
    schema's properties and valid against it; with ``None`` it is a short markdown summary whose sentences cite
    their sources as ``[n]``, guided by ``text_description`` when the input alone matches nothing.
    """
    question = _as_text(run_input)
    if output_schema is None:
        return _text(corpus, question, text_description)
    writer = _Writer(corpus, output_schema)
    content: dict[str, Any] = {}
    basis: list[FieldBasis] = []
    for name, schema in _properties(writer.resolve(output_schema)).items():
        filled = writer.fill(schema, f"{question} {_field_words(name, schema)}", name, depth=1)
        content[name] = filled.value
        basis.append(_basis(name, filled))
        basis.extend(_basis(f"{name}.{i}", item) for i, item in enumerate(filled.items))
    return Synthesis(content, basis)


# --- reading inputs and passages ---


def _as_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return " ".join(f"{_words_of(k)} {_as_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return " ".join(_as_text(v) for v in value)
    return "" if value is None else str(value)


def _words_of(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|[_\-.]", " ", str(name))  # "yearIntroduced"/"year_introduced"


def _field_words(name: str, schema: Mapping[str, Any]) -> str:
    description = schema.get("description")
    return f"{_words_of(name)} {description if isinstance(description, str) else ''}"


def _stems(text: str) -> set[str]:
    return {stem(word) for word in terms(text)}


def _coverage(query: str, passage: str) -> float:
    wanted = _stems(query)
    return len(wanted & _stems(passage)) / len(wanted) if wanted else 0.0


def _confidence(coverage: float) -> str:
    return "high" if coverage >= HIGH_COVERAGE else "medium" if coverage >= MEDIUM_COVERAGE else "low"


def _sentences(passage: str) -> list[tuple[bool, str]]:
    """The sentences of a passage, each flagged as prose (text) or not (grammar, code, stubs)."""
    found = []
    for block in passage.split("\n\n"):
        code = block[:1].isspace() or block.lstrip().startswith("```")
        for sentence in _SENTENCE.split(" ".join(block.split())):
            if sentence:
                found.append((not code and len(sentence.split()) >= 4, sentence))
    return found


def _has_prose(passage: str) -> bool:
    return any(prose for prose, _ in _sentences(passage))


def _best_sentence(passage: str, query: str) -> str:
    """The prose sentence sharing most words with ``query`` (the earliest of equals), at most 300 chars."""
    wanted = _stems(query)
    ranked = [(prose, len(wanted & _stems(s)), -i, s) for i, (prose, s) in enumerate(_sentences(passage))]
    return truncate(max(ranked)[3], _MAX_SENTENCE) if ranked else truncate(passage.strip(), _MAX_SENTENCE)


def _matched_words(query: str, passage: str) -> str:
    found = _stems(passage)
    words = [w for w in terms(query) if stem(w) in found and len(w) > 2][:4]
    return ", ".join(words) or "its words"


# --- filling a schema ---


@dataclass
class _Filled:
    """A value and what it was made from: passages used, how it was chosen, how well the passage matched."""

    value: Any
    used: list[Passage] = field(default_factory=list)
    reason: str = ""
    coverage: float = 0.0
    items: list[_Filled] = field(default_factory=list)  # an array's elements, for per-element basis


class _Writer:
    def __init__(self, corpus: Corpus, root: Mapping[str, Any]) -> None:
        self.corpus = corpus
        self.root = root
        self._found: dict[str, list[Passage]] = {}

    def resolve(self, schema: Any) -> Mapping[str, Any]:
        """The schema with ``$ref`` followed and a single-branch ``allOf`` merged in."""
        if not isinstance(schema, Mapping):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, Mapping) else {}
            merged = {**self.resolve(target), **{k: v for k, v in schema.items() if k != "$ref"}}
            return merged
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                merged = {**self.resolve(part), **merged}
            return merged
        return schema

    def empty(self, schema: Any, depth: int = 2) -> Any:
        """The plainest valid value: null when allowed, else the const, the first enum value, "", 0, false, [],
        or an object of empty properties (``{}`` below ``depth``, which ends recursive schemas)."""
        schema = self.resolve(schema)
        branches = [self.resolve(b) for b in schema.get("anyOf") or schema.get("oneOf") or () if isinstance(b, Mapping)]
        kinds = [k for b in branches for k in _kinds(b)] if branches else _kinds(schema)
        if "null" in kinds:
            return None
        if branches:
            return self.empty(branches[0], depth)
        if "const" in schema or schema.get("enum"):
            return schema["const"] if "const" in schema else schema["enum"][0]
        if kinds[0] == "object":
            return {k: self.empty(v, depth - 1) for k, v in _properties(schema).items()} if depth > 0 else {}
        return {"integer": 0, "number": 0, "boolean": False, "array": []}.get(kinds[0], "")

    def candidates(self, query: str, focus: str) -> list[Passage]:
        """Passages for ``query``: prose before grammar or code, then the ones richer in the field's own words
        (``focus``), then by score."""
        if query not in self._found:
            self._found[query] = self.corpus.passages(query, limit=_CANDIDATES, max_chars=800)
        found = self._found[query]
        return sorted(
            found, key=lambda p: (not _has_prose(p[1]), -p[2] * (1.0 + _coverage(focus, p[1])), found.index(p))
        )

    def fill(self, schema: Any, query: str, name: str, *, depth: int, offset: int = 0) -> _Filled:
        schema = self.resolve(schema)
        found = self.candidates(query, _field_words(name, schema))
        branches = [self.resolve(b) for b in schema.get("anyOf") or schema.get("oneOf") or () if isinstance(b, Mapping)]
        kinds = [k for b in branches for k in _kinds(b)] if branches else _kinds(schema)
        if "null" in kinds and (not found or set(kinds) == {"null"}):
            return _Filled(None, reason=f"No passage in the corpus matches {_quoted(query)}; left null.")
        if branches:  # fill the first branch that is not null, keeping the outer description
            chosen = next(b for b in branches if set(_kinds(b)) != {"null"})
            inner = {**chosen, "description": schema.get("description", chosen.get("description", ""))}
            return self.fill(inner, query, name, depth=depth, offset=offset)
        if depth > _MAX_DEPTH:
            return _Filled(self.empty(schema), reason="Nested too deep to fill from the corpus.")
        if "const" in schema:
            return _Filled(schema["const"], reason="Fixed by the schema (const).", coverage=1.0)
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return _enum(schema["enum"], found, query)
        passage = found[offset % len(found)] if found else None
        kind = next((k for k in kinds if k != "null"), "string")
        if kind == "object":
            return self._object(schema, query, depth, offset)
        if kind == "array":
            return self._array(schema, query, name, depth, found)
        if passage is None:
            return _Filled(self.empty(schema), reason=f"No passage in the corpus matches {_quoted(query)}.")
        page, text, score = passage
        coverage = _coverage(query, text)
        source = f"the passage of '{page.title}' that best matches '{_matched_words(query, text)}'"
        value: Any
        if kind == "boolean":
            value = coverage >= HIGH_COVERAGE
            reason = f"{'True' if value else 'False'}: {source} covers {coverage:.0%} of the question's words."
        elif kind in ("integer", "number"):
            value, how = _number(text, query, kind, len({p[0].url for p in found}))
            low, high = schema.get("minimum", value), schema.get("maximum", value)
            value = min(max(value, low), high) if low <= high else value
            reason = f"{how} {source}, BM25 score {score:.1f}."
        else:
            value = truncate(_string_for(name, page, text, query), int(schema.get("maxLength", _MAX_SENTENCE * 2)))
            reason = f"Taken from {source}, BM25 score {score:.1f}."
        return _Filled(value, [passage], reason, coverage)

    def _object(self, schema: Mapping[str, Any], query: str, depth: int, offset: int) -> _Filled:
        value: dict[str, Any] = {}
        used: list[Passage] = []
        parts: list[_Filled] = []
        for key, sub in _properties(schema).items():
            part = self.fill(
                sub, f"{query} {_field_words(key, self.resolve(sub))}", key, depth=depth + 1, offset=offset
            )
            value[key] = part.value
            used += [p for p in part.used if p not in used]
            parts.append(part)
        coverage = max((p.coverage for p in parts), default=0.0)
        return _Filled(value, used, f"Each property filled from its best passage: {_titles(used)}.", coverage)

    def _array(self, schema: Mapping[str, Any], query: str, name: str, depth: int, found: Sequence[Passage]) -> _Filled:
        low, high = schema.get("minItems", 0), schema.get("maxItems", _ARRAY_ITEMS)
        count = max(int(low), min(len(found), _ARRAY_ITEMS, int(high)))
        items = [self.fill(schema.get("items", {}), query, name, depth=depth, offset=i) for i in range(count)]
        used = [p for item in items for p in item.used]
        reason = f"{count} items, one from each of the best passages: {_titles(used)}." if items else ""
        coverage = max((i.coverage for i in items), default=0.0)
        return _Filled([i.value for i in items], used, reason or "No passage matches; no items.", coverage, items)


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    props = schema.get("properties")
    return dict(props) if isinstance(props, Mapping) else {}


def _kinds(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a (resolved, union-free) schema allows, in its own order."""
    declared = schema.get("type")
    kinds = [declared] if isinstance(declared, str) else [k for k in declared or () if isinstance(k, str)]
    if not kinds:
        kinds = ["object"] if "properties" in schema else ["array"] if "items" in schema else ["string"]
    return kinds


def _enum(values: Sequence[Any], found: Sequence[Passage], query: str) -> _Filled:
    def weight(value: Any) -> float:
        words = {stem(w) for w in re.findall(r"[^\W_]+", str(value).lower())}
        return sum(len(words & _stems(text)) / (rank + 1) for rank, (_, text, _) in enumerate(found[:3]))

    weights = [weight(v) for v in values]
    best = max(range(len(values)), key=lambda i: (weights[i], -i))
    if not found or weights[best] == 0:
        return _Filled(values[0], reason="No enum value's words occur in the passages; took the first value.")
    used = [p for p in found[:3] if weight(values[best]) and _stems(str(values[best])) & _stems(p[1])]
    reason = f"Chose {values[best]!r}: its words occur most often in the passages of {_titles(used)}."
    return _Filled(values[best], used, reason, _coverage(query, used[0][1]) if used else 0.0)


def _number(text: str, query: str, kind: str, pages: int) -> tuple[int | float, str]:
    for place in (_best_sentence(text, query), text):
        for match in _NUMBER.finditer(place):
            if kind == "integer" and "." in match.group():
                continue
            number = float(match.group()) if "." in match.group() else int(match.group())
            return number, f"The number {match.group()} stated in"
    return pages, f"No number stated; counted the {pages} matching pages, led by"


def _string_for(name: str, page: Page, text: str, query: str) -> str:
    words = _words_of(name).lower().split()
    if words and words[-1] in ("url", "link", "website", "homepage", "uri"):
        return page.url
    if words and words[-1] in ("name", "title"):
        return page.title
    if words and words[-1] == "date":
        date = page.publish_date or next(iter(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)), None)
        if date:
            return date
    return _best_sentence(text, query)


def _titles(used: Sequence[Passage]) -> str:
    titles = list(dict.fromkeys(page.title for page, _, _ in used))
    return ", ".join(f"'{t}'" for t in titles[:4]) or "no page"


def _quoted(query: str) -> str:
    return "'" + " ".join(terms(query)[:6]) + "'"


def _citations(used: Sequence[Passage]) -> list[Citation]:
    by_url: dict[str, Citation] = {}
    for page, text, _ in used:
        cited = by_url.setdefault(page.url, Citation(url=page.url, title=page.title, excerpts=[]))
        if cited.excerpts is not None and text not in cited.excerpts:
            cited.excerpts.append(text)
    return list(by_url.values())


def _basis(name: str, filled: _Filled) -> FieldBasis:
    citations = _citations(filled.used)
    return FieldBasis(field=name, reasoning=filled.reason, citations=citations, confidence=_confidence(filled.coverage))


# --- text output ---


def _text(corpus: Corpus, question: str, description: str | None) -> Synthesis:
    found = corpus.passages(question, limit=_CANDIDATES, max_chars=800)
    if not found and description:
        found = corpus.passages(description, limit=_CANDIDATES, max_chars=800)
    query = question if terms(question) else description or ""
    chosen: list[Passage] = []
    for passage in sorted(found, key=lambda p: not _has_prose(p[1])):  # the best of each of the first 3 pages
        if passage[0].url not in {p[0].url for p in chosen} and len(chosen) < 3:
            chosen.append(passage)
    if not chosen:
        reason = f"No passage in the corpus matches {_quoted(query)}."
        return Synthesis(
            "The corpus holds nothing that matches this input.",
            [FieldBasis(field="output", reasoning=reason, confidence="low")],
        )
    sentences = [f"{_best_sentence(text, query)} [{n}]" for n, (_, text, _) in enumerate(chosen, 1)]
    sources = [f"- [{n}] {page.title} - {page.url}" for n, (page, _, _) in enumerate(chosen, 1)]
    content = " ".join(sentences) + "\n\n**Sources**\n\n" + "\n".join(sources)
    best = chosen[0]
    coverage = _coverage(query, " ".join(text for _, text, _ in chosen))
    reason = (
        f"Summarised from the best passage of each of {len(chosen)} pages matching {_quoted(query)}; "
        f"the best is from '{best[0].title}', BM25 score {best[2]:.1f}."
    )
    basis = FieldBasis(field="output", reasoning=reason, citations=_citations(chosen), confidence=_confidence(coverage))
    return Synthesis(content, [basis])
