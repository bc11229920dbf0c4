"""Task-run outputs for the emulator, written from the corpus, with a basis for every field.

The input decides where answers come from: the pages that best match it (:meth:`Corpus.match`). A field's name
and description only choose *within* those pages, so a field called "summary" never pulls in an unrelated page.
A scalar field comes from the best page; an array takes one item from each page in rank order (an object item
takes all its properties from its page); a fixed-length array (``prefixItems``, a ``tuple``) takes each
position from the best page.

Every answer fits the schema: types, ``enum``, ``const``, nested objects, nullable fields, and the constraints
the schema compiler restated in descriptions (formats, bounds, lengths, patterns, item counts; read with
:mod:`.fitting`). Which value a field gets, and how sure the emulator is of it, is :mod:`.values`.

When the input matches no page, fields are null where allowed, else the plainest value that fits, at low
confidence. Text output is a sentence from each of the three best pages, cited ``[n]``, and their list.
Deterministic throughout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parallel_integrations._models import Citation, FieldBasis, TaskRunJsonOutput, TaskRunTextOutput
from parallel_integrations.emulator.corpus import Corpus
from parallel_integrations.emulator.fitting import fit_number, limits_of, made_up_string
from parallel_integrations.emulator.values import (
    CONFIDENCE,
    HIGH,
    LOW,
    Filled,
    Passage,
    Query,
    boolean_value,
    enum_value,
    intent,
    level_of,
    number_value,
    quoted,
    source,
    string_value,
    words_of,
)

__all__ = ["Synthesis", "synthesize"]

_PAGES = 10  # pages read for an input
_ARRAY_ITEMS = 3  # items written for an array without minItems/maxItems
_MAX_DEPTH = 8  # deeper (recursive $ref) schemas get an empty value
_RELATED_SCORE = 0.75  # a page scoring below this share of the best page's score is not quoted in a text answer


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
        return " ".join(f"{words_of(k)} {_as_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return " ".join(_as_text(v) for v in value)
    return "" if value is None else str(value)


def _field_words(name: str, schema: Mapping[str, Any]) -> str:
    description = schema.get("description")
    return f"{words_of(name)} {description if isinstance(description, str) else ''}"


# --- filling a schema ---


def _branches(schema: Mapping[str, Any]) -> list[Any]:
    return [b for b in schema.get("anyOf") or schema.get("oneOf") or () if isinstance(b, Mapping)]


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

    def empty(self, schema: Any, depth: int = 2, inherited: Mapping[str, Any] | None = None) -> Any:
        """The plainest valid value: null when allowed, else the const, the first enum value, a string, number
        or array that meets the constraints, false, or an object of empty properties (``{}`` below ``depth``,
        which ends recursive schemas)."""
        schema = self.resolve(schema)
        limits = {**(inherited or {}), **limits_of(schema)}
        branches = [self.resolve(b) for b in _branches(schema)]
        kinds = [k for b in branches for k in _kinds(b)] if branches else _kinds(schema)
        if "null" in kinds:
            return None
        if branches:
            return self.empty(branches[0], depth, limits)
        if "const" in schema or schema.get("enum"):
            return schema["const"] if "const" in schema else schema["enum"][0]
        if kinds[0] == "object":
            return {k: self.empty(v, depth - 1) for k, v in _properties(schema).items()} if depth > 0 else {}
        if kinds[0] == "array":
            return self._empty_array(schema, depth, limits)
        if kinds[0] in ("integer", "number"):
            return fit_number(0, limits, integer=kinds[0] == "integer")
        if kinds[0] == "boolean":
            return False
        return made_up_string(limits, "https://example.org/", "") if limits else ""

    def _empty_array(self, schema: Mapping[str, Any], depth: int, limits: Mapping[str, Any]) -> list[Any]:
        if isinstance(schema.get("prefixItems"), list):
            return [self.empty(sub, depth) for sub in schema["prefixItems"]]
        return [self.empty(schema.get("items", {}), depth) for _ in range(int(limits.get("minItems", 0)))]

    def count(self) -> int:
        """How many pages of the corpus match the input (all of them, not only those read)."""
        if self._count is None:
            self._count = len(self.corpus.match(self.question, limit=len(self.corpus)))
        return self._count

    def fill(
        self,
        schema: Any,
        name: str,
        *,
        depth: int,
        item: int = 0,
        nullable: bool = False,
        inherited: Mapping[str, Any] | None = None,
        described: str | None = None,
    ) -> Filled:
        """A value for ``schema`` from the page ranked ``item`` (0 for a scalar field, the item's index in an
        array). ``nullable``: an outer ``anyOf`` allows null; ``inherited``: constraints an outer ``anyOf``'s
        description states; ``described``: the outer description, which names what the field asks."""
        schema = self.resolve(schema)
        limits = {**(inherited or {}), **limits_of(schema)}
        pages = self.pages
        branches = [self.resolve(b) for b in _branches(schema)]
        kinds = [k for b in branches for k in _kinds(b)] if branches else _kinds(schema)
        nullable = nullable or "null" in kinds
        if nullable and (not pages or set(kinds) == {"null"}):
            return Filled(None, reason=f"No page in the corpus matches {quoted(self.question)}; left null.")
        if branches:  # fill the first branch that is not null, under the outer description
            chosen = next(b for b in branches if set(_kinds(b)) != {"null"})
            outer = schema.get("description")
            return self.fill(
                chosen,
                name,
                depth=depth,
                item=item,
                nullable=nullable,
                inherited=limits,
                described=outer if isinstance(outer, str) else described,
            )
        if depth > _MAX_DEPTH:
            return Filled(self.empty(schema, inherited=limits), reason="Nested too deep to fill from the corpus.")
        if "const" in schema:
            return Filled(schema["const"], reason="Taken from the schema: a const.", level=HIGH)
        kind = next((k for k in kinds if k != "null"), "string")
        if kind == "array":
            return self._array(schema, name, depth, limits)
        if not pages:
            value = self.empty(schema, inherited=limits)
            return Filled(value, reason=f"Guessed: no page in the corpus matches {quoted(self.question)}.")
        if kind == "object":
            return self._object(schema, depth, item)
        match = pages[item % len(pages)]
        own = schema.get("description")
        about = {**schema, "description": " ".join(t for t in (described, own) if isinstance(t, str))}
        query = Query.of(self.corpus, self.question, _field_words(name, about))
        where = source(match, item % len(pages))
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return enum_value(schema["enum"], match, query, where)
        if kind == "boolean":
            return boolean_value(match, query, where)
        wants = intent(name, limits, about.get("description"))
        if kind in ("integer", "number"):
            return number_value(
                wants, limits, match, query, where, self.count(), integer=kind == "integer", nullable=nullable
            )
        return string_value(wants, limits, match, query, where, nullable=nullable)

    def _object(self, schema: Mapping[str, Any], depth: int, item: int) -> Filled:
        value: dict[str, Any] = {}
        used: list[Passage] = []
        parts: list[Filled] = []
        for key, sub in _properties(schema).items():
            part = self.fill(sub, key, depth=depth + 1, item=item)
            value[key] = part.value
            used += [p for p in part.used if p not in used]
            parts.append(part)
        level = min((p.level for p in parts), default=level_of(self.pages[item % len(self.pages)]))
        guessed = [k for k, p in zip(value, parts, strict=True) if p.reason.startswith("Guessed")]
        reason = f"Each property taken from {_titles(used)}"
        reason += f"; guessed: {', '.join(guessed)}." if guessed else "."
        return Filled(value, used, reason, level)

    def _array(self, schema: Mapping[str, Any], name: str, depth: int, limits: Mapping[str, Any]) -> Filled:
        positions = schema.get("prefixItems")
        if isinstance(positions, list):  # a tuple: each position from the best page
            parts = [self.fill(sub, name, depth=depth, item=0) for sub in positions]
            used = [p for part in parts for p in part.used]
            level = min((p.level for p in parts), default=LOW)
            reason = f"{len(parts)} positions, each taken from {_titles(used)}."
            return Filled([p.value for p in parts], used, reason, level, parts)
        pages = len(self.pages)
        low, high = int(limits.get("minItems", 0)), int(limits.get("maxItems", _ARRAY_ITEMS))
        count = max(low, min(pages, _ARRAY_ITEMS, high))
        items: list[Filled] = []
        index = 0
        while len(items) < count:  # one item per page in rank order; a value twice only past the last page
            filled = self.fill(schema.get("items", {}), name, depth=depth, item=index)
            repeated = any(_same(filled.value, it.value) for it in items)
            if repeated and index >= max(pages, count * 3):
                filled, repeated = self._another(schema.get("items", {}), items, filled, limits), False
            if not repeated:
                items.append(filled)
            index += 1
        used = [p for it in items for p in it.used]
        reason = f"{len(items)} items, one from each of the pages that best match the input: {_titles(used)}."
        level = min((i.level for i in items), default=LOW)
        return Filled([i.value for i in items], used, reason if items else "No page matches.", level, items)

    def _another(self, schema: Any, items: list[Filled], repeat: Filled, limits: Mapping[str, Any]) -> Filled:
        """When the pages are used up: for unique items, an enum value not taken yet or the repeated string
        numbered (a guess); else the repeat itself."""
        if not limits.get("uniqueItems"):
            return repeat
        choices = self.resolve(schema).get("enum")
        taken = [it.value for it in items]
        if isinstance(choices, list):
            unused = [v for v in choices if not any(_same(v, t) for t in taken)]
            if unused:
                return Filled(unused[0], reason="Guessed: the pages name no other value; an unused one.")
        if isinstance(repeat.value, str):
            numbered = f"{repeat.value} ({len(items) + 1})"
            return Filled(numbered, repeat.used, "Guessed: the pages give no other value; numbered.", LOW)
        return repeat


def _same(a: Any, b: Any) -> bool:
    """Whether two array items repeat each other ("Try" repeats "try")."""
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return bool(a == b)


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


def _basis(name: str, filled: Filled) -> FieldBasis:
    citations = _citations(filled.used)
    return FieldBasis(field=name, reasoning=filled.reason, citations=citations, confidence=CONFIDENCE[filled.level])


def _text(corpus: Corpus, question: str, description: str | None) -> Synthesis:
    asked = question
    pages = corpus.match(question, limit=3)
    if not pages and description:
        asked, pages = description, corpus.match(description, limit=3)
    if not pages:
        reason = f"Guessed: no page in the corpus matches {quoted(question or description or '')}."
        content = "The corpus holds nothing that matches this input."
        return Synthesis(content, [FieldBasis(field="output", reasoning=reason, confidence="low")])
    # A page far behind the best one shares only common words with the question ("statement", "file"): a
    # sentence from it would read as an unrelated aside, so it is left out of the answer.
    pages = [match for match in pages if match.score >= _RELATED_SCORE * pages[0].score]
    query = Query.of(corpus, asked, "")
    said = [string_value(None, {}, match, query, "", nullable=False) for match in pages]
    body = " ".join(f"{part.value} [{n}]" for n, part in enumerate(said, 1))
    sources = "\n".join(f"- [{n}] {m.page.title} - {m.page.url}" for n, m in enumerate(pages, 1))
    reason = f"Taken from the corpus: a sentence from each of the {len(pages)} best-matching page(s) for "
    reason += f"{query.input_words}, the best being '{pages[0].page.title}' (BM25 score {pages[0].score:.1f})."
    used = [passage for part in said for passage in part.used]
    confidence = CONFIDENCE[said[0].level]
    basis = FieldBasis(field="output", reasoning=reason, citations=_citations(used), confidence=confidence)
    return Synthesis(body + "\n\n**Sources**\n\n" + sources, [basis])
