"""Task-run outputs for the emulator, written from the corpus, with a basis for every field.

The input decides where answers come from: the pages that best match it (:meth:`Corpus.match`). A field's name
and description only choose *within* those pages, so a field called "summary" never pulls in an unrelated page.
A scalar field comes from the best page; an array takes one item from each page in rank order (an object item
takes all its properties from its page).

- Strings named like a URL (``url``, ``link``, ``source``...) get the page URL; like a name (``name``,
  ``title``...) its title; like a code term (``keyword``, ``token``...) the code token the page opens with
  (pydoc writes code as "with"); like a date its date. Other strings get one cleaned sentence of the page: the
  one richest in the input's telling words, then in the field's words, preferring the page's opening.
- Numbers: one stated in the sentence that best matches the field's words, else null when allowed, else the
  number of pages matching the input. Booleans: true when the passage that best matches the input and the field
  holds most of their words. Enums: the value whose words occur most in the page's best passages.
- Confidence: ``high`` when the page's title is what the input names, or the page holds most of the input's
  telling words (:data:`HIGH_COVERAGE`), ``medium`` when it holds some, else ``low``.

When the input matches no page, fields are null where allowed, else empty, at low confidence. Text output is a
sentence from each of the three best pages, cited ``[n]``, and their list. Deterministic throughout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from parallel_integrations._models import Citation, FieldBasis, TaskRunJsonOutput, TaskRunTextOutput
from parallel_integrations.emulator.corpus import Corpus, PageMatch
from parallel_integrations.emulator.documents import (
    Page,
    code_tokens,
    rank_sentences,
    share,
    stem,
    stems,
    terms,
    truncate,
)

__all__ = ["Synthesis", "synthesize"]

HIGH_COVERAGE = 0.6
MEDIUM_COVERAGE = 0.3
_PAGES = 10  # pages read for an input
_ARRAY_ITEMS = 3  # items written for an array without minItems/maxItems
_MAX_SENTENCE = 300
_MAX_EXCERPT = 800
_MAX_DEPTH = 8  # deeper (recursive $ref) schemas get an empty value
_HEADING_ROOM = 80  # characters a page's heading may take before its first passage
_NUMBER = re.compile(r"(?<![\w.\[])-?\d+(?:\.\d+)?(?![\w\]]|\.\d)")
_URL_WORDS = frozenset({"url", "uri", "link", "website", "homepage", "source", "reference"})
_TITLE_WORDS = frozenset({"name", "title", "topic", "page", "heading"})
_TOKEN_WORDS = frozenset({"keyword", "term", "token", "symbol", "identifier", "operator"})

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
    writer = _Writer(corpus, output_schema, question)
    content: dict[str, Any] = {}
    basis: list[FieldBasis] = []
    for name, schema in _properties(writer.resolve(output_schema)).items():
        filled = writer.fill(schema, name, depth=1)
        content[name] = filled.value
        basis.append(_basis(name, filled))
        basis.extend(_basis(f"{name}.{i}", item) for i, item in enumerate(filled.items))
    return Synthesis(content, basis)


# --- words ---


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


def _quoted(text: str) -> str:
    return "'" + " ".join(terms(text)[:6]) + "'"


@dataclass(frozen=True)
class _Query:
    """What a field looks for: the input's stems weighted by how well they tell pages apart, the field's own
    stems (weighted alike), and both in words, for reasonings."""

    input: dict[str, float]
    field: dict[str, float]
    input_words: str
    field_words: str

    @classmethod
    def of(cls, corpus: Corpus, question: str, field_words: str) -> _Query:
        weights = corpus.weights(question)
        weighted: dict[str, float] = {}
        for word, weight in weights.items():
            weighted[stem(word)] = max(weight, weighted.get(stem(word), 0.0))
        named = "'" + " ".join(list(weights)[:6]) + "'"
        return cls(weighted, dict.fromkeys(stems(field_words), 1.0), named, _quoted(field_words))


# --- choosing within a page ---


def _ranked(match: PageMatch, query: _Query) -> list[tuple[str, str]]:
    return rank_sentences(match.sections, dict(match.passages), match.page.title, query.input, query.field)


def _code_token(match: PageMatch, query: _Query) -> str | None:
    """The code token the input names in the page's opening (heading and first passage) or in its passages
    that best match the input, else the opening's first one."""
    first = match.sections[0] if match.sections else ""
    opening = code_tokens(match.page.text[: len(match.page.title) + len(first) + _HEADING_ROOM])
    best = [t for text, _ in match.passages[:3] for t in code_tokens(text)]
    named = [t for t in opening + best if stem(t) in query.input]
    return named[0] if named else opening[0] if opening else None


def _strength(match: PageMatch) -> float:
    return max(match.title_match, match.coverage)


def _cited(match: PageMatch, passage: str | None = None) -> Passage:
    """The passage to cite for a value from ``match``: the given one, else the page's best matching one."""
    if passage is None:
        passage = match.passages[0][0] if match.passages else match.sections[0] if match.sections else ""
    return match.page, truncate(passage, _MAX_EXCERPT), dict(match.passages).get(passage, 0.0)


def _source(match: PageMatch, rank: int) -> str:
    """How a reasoning names the page a value comes from."""
    place = "the page that best matches" if rank == 0 else f"the page ranked {rank + 1} for"
    return f"'{match.page.title}', {place} the input (BM25 score {match.score:.1f})"


# --- filling a schema ---


@dataclass
class _Filled:
    """A value and what it was made from: passages used, how it was chosen, how well the source matched."""

    value: Any
    used: list[Passage] = field(default_factory=list)
    reason: str = ""
    coverage: float = 0.0
    items: list[_Filled] = field(default_factory=list)  # an array's elements, for per-element basis


class _Writer:
    def __init__(self, corpus: Corpus, root: Mapping[str, Any], question: str) -> None:
        self.corpus = corpus
        self.root = root
        self.question = question
        self.pages = corpus.match(question, limit=_PAGES)
        self._count: int | None = None

    def resolve(self, schema: Any) -> Mapping[str, Any]:
        """The schema with ``$ref`` followed and a single-branch ``allOf`` merged in."""
        if not isinstance(schema, Mapping):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, Mapping) else {}
            return {**self.resolve(target), **{k: v for k, v in schema.items() if k != "$ref"}}
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

    def count(self) -> int:
        """How many pages of the corpus match the input (all of them, not only those read)."""
        if self._count is None:
            self._count = len(self.corpus.match(self.question, limit=len(self.corpus)))
        return self._count

    def fill(self, schema: Any, name: str, *, depth: int, item: int = 0, nullable: bool = False) -> _Filled:
        """A value for ``schema`` from the page ranked ``item`` (0 for a scalar field, the item's index in an
        array); ``nullable``: an outer ``anyOf`` allows null."""
        schema = self.resolve(schema)
        pages = self.pages
        branches = [self.resolve(b) for b in schema.get("anyOf") or schema.get("oneOf") or () if isinstance(b, Mapping)]
        kinds = [k for b in branches for k in _kinds(b)] if branches else _kinds(schema)
        nullable = nullable or "null" in kinds
        if nullable and (not pages or set(kinds) == {"null"}):
            return _Filled(None, reason=f"No page in the corpus matches {_quoted(self.question)}; left null.")
        if branches:  # fill the first branch that is not null, keeping the outer description
            chosen = next(b for b in branches if set(_kinds(b)) != {"null"})
            inner = {**chosen, "description": schema.get("description", chosen.get("description", ""))}
            return self.fill(inner, name, depth=depth, item=item, nullable=nullable)
        if depth > _MAX_DEPTH:
            return _Filled(self.empty(schema), reason="Nested too deep to fill from the corpus.")
        if "const" in schema:
            return _Filled(schema["const"], reason="Fixed by the schema (const).", coverage=1.0)
        kind = next((k for k in kinds if k != "null"), "string")
        if kind == "array":
            return self._array(schema, name, depth, len(pages))
        if not pages:
            return _Filled(self.empty(schema), reason=f"No page in the corpus matches {_quoted(self.question)}.")
        if kind == "object":
            return self._object(schema, depth, item)
        match = pages[item % len(pages)]
        query = _Query.of(self.corpus, self.question, _field_words(name, schema))
        where = _source(match, item % len(pages))
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return _enum(schema["enum"], match, where)
        if kind == "boolean":
            return _boolean(match, query, where)
        if kind in ("integer", "number"):
            return _number(match, query, where, schema, self.count(), nullable=nullable)
        return _string(name, schema, match, query, where)

    def _object(self, schema: Mapping[str, Any], depth: int, item: int) -> _Filled:
        value: dict[str, Any] = {}
        used: list[Passage] = []
        parts: list[_Filled] = []
        for key, sub in _properties(schema).items():
            part = self.fill(sub, key, depth=depth + 1, item=item)
            value[key] = part.value
            used += [p for p in part.used if p not in used]
            parts.append(part)
        coverage = max((p.coverage for p in parts), default=0.0)
        return _Filled(value, used, f"Each property filled from {_titles(used)}.", coverage)

    def _array(self, schema: Mapping[str, Any], name: str, depth: int, pages: int) -> _Filled:
        low, high = int(schema.get("minItems", 0)), int(schema.get("maxItems", _ARRAY_ITEMS))
        count = max(low, min(pages, _ARRAY_ITEMS, high))
        items: list[_Filled] = []
        index = 0
        while len(items) < count:  # one item per page in rank order; a value twice only past the last page
            filled = self.fill(schema.get("items", {}), name, depth=depth, item=index)
            if index >= pages or all(filled.value != it.value for it in items):
                items.append(filled)
            index += 1
        used = [p for it in items for p in it.used]
        reason = f"{len(items)} items, one from each of the pages that best match the input: {_titles(used)}."
        coverage = max((i.coverage for i in items), default=0.0)
        return _Filled([i.value for i in items], used, reason if items else "No page matches.", coverage, items)


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


# --- values ---


def _string(name: str, schema: Mapping[str, Any], match: PageMatch, query: _Query, where: str) -> _Filled:
    words = _words_of(name).lower().split() or [""]
    last = words[-1].removesuffix("s") if len(words[-1]) > 3 else words[-1]  # "keywords", "urls"
    page, limit = match.page, int(schema.get("maxLength", _MAX_SENTENCE * 2))
    what, value = "title", None
    if last in _URL_WORDS:
        what, value = "URL", page.url
    elif last in _TITLE_WORDS:
        value = page.title
    elif last in _TOKEN_WORDS:
        token = _code_token(match, query)
        what, value = ("opening code token", token) if token else ("title (it opens with no code)", page.title)
    elif last == "date":
        what, value = "date", page.publish_date or next(iter(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", page.text)), None)
    if value is None:
        for sentence, passage in _ranked(match, query)[:1]:
            reason = f"From {where}: the sentence that best matches {query.input_words}, then the field's words."
            value = truncate(sentence, min(limit, _MAX_SENTENCE))
            return _Filled(value, [_cited(match, passage)], reason, _strength(match))
        what, value = "title", page.title
    return _Filled(truncate(value, limit), [_cited(match)], f"From {where}: its {what}.", _strength(match))


def _boolean(match: PageMatch, query: _Query, where: str) -> _Filled:
    wanted = set(query.input) | set(query.field)
    candidates = [text for text, _ in match.passages] or list(match.sections)
    passage = max(candidates, key=lambda text: (len(wanted & stems(text)), -candidates.index(text)))
    coverage = len(wanted & stems(passage)) / len(wanted) if wanted else 0.0
    value = coverage >= HIGH_COVERAGE
    reason = f"From {where}: {value}, as its passage that best matches the input and the field holds "
    reason += f"{coverage:.0%} of their words ({HIGH_COVERAGE:.0%} makes true)."
    return _Filled(value, [_cited(match, passage)], reason, coverage)


def _number(
    match: PageMatch, query: _Query, where: str, schema: Mapping[str, Any], pages: int, *, nullable: bool
) -> _Filled:
    """A number stated in the page's sentence that best matches the field's words, else null or a count."""
    by_field = sorted(_ranked(match, query), key=lambda r: -share(query.field, stems(r[0])))
    for sentence, passage in by_field:
        if not share(query.field, stems(sentence)):
            break
        for found in _NUMBER.finditer(sentence):
            if "integer" in _kinds(schema) and "." in found.group():
                continue
            number: int | float = float(found.group()) if "." in found.group() else int(found.group())
            low, high = schema.get("minimum", number), schema.get("maximum", number)
            number = min(max(number, low), high) if low <= high else number
            reason = f"From {where}: {found.group()}, stated in its sentence that best matches {query.field_words}."
            return _Filled(number, [_cited(match, passage)], reason, _strength(match))
    if nullable:
        reason = f"From {where}: it states no number for {query.field_words}, so left null."
        return _Filled(None, [_cited(match)], reason, _strength(match))
    count = min(max(pages, schema.get("minimum", 0)), schema.get("maximum", pages))
    reason = f"No number for {query.field_words} stated in {where}; counted the {pages} matching pages."
    return _Filled(count, [_cited(match)], reason, min(_strength(match), MEDIUM_COVERAGE))


def _enum(values: Sequence[Any], match: PageMatch, where: str) -> _Filled:
    passages = [text for text, _ in match.passages[:3]]

    def weight(value: Any) -> float:
        words = {stem(w) for w in re.findall(r"[^\W_]+", str(value).lower())}
        return sum(len(words & stems(text)) / (rank + 1) for rank, text in enumerate(passages))

    weights = [weight(v) for v in values]
    best = max(range(len(values)), key=lambda i: (weights[i], -i))
    if weights[best] == 0:
        return _Filled(values[0], reason=f"No enum value's words occur in {where}: took the first value.")
    used = [_cited(match, p) for p in passages if stems(str(values[best])) & stems(p)]
    reason = f"From {where}: {values[best]!r}, the value whose words occur most in its best passages."
    return _Filled(values[best], used, reason, _strength(match))


# --- basis and text output ---


def _titles(used: Sequence[Passage]) -> str:
    titles = list(dict.fromkeys(page.title for page, _, _ in used))
    return ", ".join(f"'{t}'" for t in titles[:4]) or "no page"


def _citations(used: Sequence[Passage]) -> list[Citation]:
    by_url: dict[str, Citation] = {}
    for page, text, _ in used:
        cited = by_url.setdefault(page.url, Citation(url=page.url, title=page.title, excerpts=[]))
        if cited.excerpts is not None and text not in cited.excerpts:
            cited.excerpts.append(text)
    return list(by_url.values())


def _confidence(coverage: float) -> str:
    return "high" if coverage >= HIGH_COVERAGE else "medium" if coverage >= MEDIUM_COVERAGE else "low"


def _basis(name: str, filled: _Filled) -> FieldBasis:
    citations = _citations(filled.used)
    return FieldBasis(field=name, reasoning=filled.reason, citations=citations, confidence=_confidence(filled.coverage))


def _text(corpus: Corpus, question: str, description: str | None) -> Synthesis:
    asked = question
    pages = corpus.match(question, limit=3)
    if not pages and description:
        asked, pages = description, corpus.match(description, limit=3)
    if not pages:
        reason = f"No page in the corpus matches {_quoted(question or description or '')}."
        content = "The corpus holds nothing that matches this input."
        return Synthesis(content, [FieldBasis(field="output", reasoning=reason, confidence="low")])
    query = _Query.of(corpus, asked, "")
    said = [_string("summary", {}, match, query, "") for match in pages]
    body = " ".join(f"{part.value} [{n}]" for n, part in enumerate(said, 1))
    sources = "\n".join(f"- [{n}] {m.page.title} - {m.page.url}" for n, m in enumerate(pages, 1))
    reason = f"A sentence from each of the {len(pages)} pages that best match {query.input_words}, the best being "
    reason += f"'{pages[0].page.title}' (BM25 score {pages[0].score:.1f})."
    used = [passage for part in said for passage in part.used]
    confidence = _confidence(said[0].coverage)
    basis = FieldBasis(field="output", reasoning=reason, citations=_citations(used), confidence=confidence)
    return Synthesis(body + "\n\n**Sources**\n\n" + sources, [basis])
