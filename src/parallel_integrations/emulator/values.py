"""One value of a task-run answer, drawn from one ranked page: what kind of value a field asks for, where on the
page such a value is, how sure the emulator is of it. :mod:`.synth` walks the schema and calls these.

What a field asks for (its :func:`intent`) comes from its name, else its description's opening noun phrase: a
URL, a name, a code keyword, a module, a version, a year, a date, an e-mail address, a host name, a count or a
score; a ``format`` the schema compiler restated in the description decides first. Each kind has its own reader
of the page (the version in "Added in version 3.10", the keyword the input names among the page's code
tokens...). A value that does not fit the field's constraints (:mod:`.fitting`) is passed over; when the page
holds none that fits, a nullable field is ``null``, any other gets the plainest value that fits, as a guess.

Confidence is a level: ``high`` for a value read from a page that strongly matches the input (its title named,
or most of the input's telling words on it), ``medium`` when the page matches less well or the value is derived
(a score from the match's strength, a token picked only because it fits a pattern), ``low`` for a guess or an
input the corpus hardly covers. Each reasoning starts by saying which it was: "Taken from", "Derived from" or
"Guessed".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .corpus import Corpus, PageMatch, without_grammar
from .documents import Page, code_tokens, rank_sentences, share, stem, stems, terms, truncate
from .fitting import fit_number, fit_text, made_up_string, number_fits, string_fits

__all__ = [
    "CONFIDENCE",
    "HIGH",
    "HIGH_COVERAGE",
    "LOW",
    "MEDIUM",
    "MEDIUM_COVERAGE",
    "Filled",
    "Passage",
    "Query",
    "boolean_value",
    "enum_value",
    "intent",
    "level_of",
    "number_value",
    "string_value",
    "words_of",
]

HIGH_COVERAGE = 0.6
MEDIUM_COVERAGE = 0.3
LOW, MEDIUM, HIGH = 0, 1, 2
CONFIDENCE = ("low", "medium", "high")
_MAX_SENTENCE = 300
_MAX_EXCERPT = 800

Passage = tuple[Page, str, float]

_INTENTS: dict[str, frozenset[str]] = {
    "url": frozenset({"url", "uri", "link", "website", "homepage", "source", "reference", "href", "documentation"}),
    "email": frozenset({"email", "mail"}),
    "host": frozenset({"host", "hostname", "domain"}),
    "version": frozenset({"version", "release"}),
    "year": frozenset({"year"}),
    "date": frozenset({"date", "day", "when", "published", "released", "updated", "created"}),
    "module": frozenset({"module", "package", "library"}),
    "keyword": frozenset({"keyword", "term", "token", "symbol", "identifier", "operator", "statement",
                          "function", "method", "command", "builtin", "attribute", "tag", "label"}),
    "name": frozenset({"name", "title", "topic", "page", "heading"}),
    "count": frozenset({"count", "number", "total", "amount", "num", "quantity", "size", "length"}),
    "score": frozenset({"score", "rating", "relevance", "probability", "likelihood", "confidence"}),
}  # fmt: skip
_FORMAT_INTENTS = {
    "uri": "url",
    "iri": "url",
    "email": "email",
    "date": "date",
    "date-time": "date",
    "hostname": "host",
}
_VERSION = re.compile(r"\b(?:[Vv]ersions?|Python|release)\s+v?(\d+\.\d+(?:\.\d+)?)\b")
_YEAR = re.compile(r"(?<![\d.\-])(1[89]\d\d|20\d\d)(?![\d.\-])")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_NUMBER = re.compile(r"(?<![\w.\[])-?\d+(?:\.\d+)?(?![\w\]]|\.\d)")
_PLACEHOLDERS = {"version": "0.0", "year": "2000", "count": "0", "score": "0"}
_TOKEN = re.compile(r"[^\s\"'`()\[\]{},;]+")


def words_of(name: str) -> str:
    """A field name as words: ``"yearIntroduced"`` and ``"year_introduced"`` give ``"year introduced"``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|[_\-.]", " ", str(name))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _kind_of(words: Sequence[str]) -> str | None:
    for word in words:
        for kind, names in _INTENTS.items():
            if word in names:
                return kind
    return None


_PHRASE_END = re.compile(r"[,;:(]| (?:that|which|who|where|when|in|of|for|from|to|by|with|as|the|it|is|was)\b")
_ARTICLE = re.compile(r"^(?:the|a|an|its|their|this|one)\s+")


def _described(description: Any) -> str | None:
    """The kind a description names when it opens with a noun phrase ("the Python version that added it",
    "year the feature was added", "how many sources ...") rather than a sentence ("what the statement
    does", "when the else clause runs")."""
    if not isinstance(description, str):
        return None
    text = description.strip().lower()
    if re.match(r"how (?:many|much)\b", text):
        return "count"
    if re.match(r"(?:what|when|where|why|how|which|who|whether|if)\b", text):
        return None  # a question: it asks for prose
    phrase = _ARTICLE.sub("", _PHRASE_END.split(text, maxsplit=1)[0].strip())
    words = [_singular(w) for w in re.findall(r"[a-z]+", phrase)]
    return _kind_of(words[-1:]) if 0 < len(words) <= 4 else None


def intent(name: str, limits: Mapping[str, Any], description: Any = None) -> str | None:
    """What kind of value the field asks for (a key of :data:`_INTENTS`), or ``None`` for prose: the format
    decides first, then the name's last word, its other words, then the head of the description's opening
    noun phrase (a description that is a sentence, "what the statement does", names no kind)."""
    fmt = limits.get("format")
    if isinstance(fmt, str) and fmt in _FORMAT_INTENTS:
        return _FORMAT_INTENTS[fmt]
    named = [_singular(w) for w in words_of(name).lower().split()]
    return _kind_of([*named[-1:], *named[:-1][::-1]]) or _described(description)


@dataclass(frozen=True)
class Query:
    """What a field looks for: the input's stems weighted by how well they tell pages apart, the field's own
    stems, and both in words, for reasonings."""

    input: dict[str, float]
    field: dict[str, float]
    input_words: str
    field_words: str

    @classmethod
    def of(cls, corpus: Corpus, question: str, field_words: str) -> Query:
        """The query for ``field_words`` (a field's name and description) asked of ``question``."""
        weights = corpus.weights(question)
        weighted: dict[str, float] = {}
        for word, weight in weights.items():
            weighted[stem(word)] = max(weight, weighted.get(stem(word), 0.0))
        named = "'" + " ".join(list(weights)[:6]) + "'"
        return cls(weighted, dict.fromkeys(stems(field_words), 1.0), named, quoted(field_words))


def quoted(text: str) -> str:
    """The first few search words of ``text``, quoted, for a reasoning."""
    return "'" + " ".join(terms(text)[:6]) + "'"


@dataclass
class Filled:
    """A value and what it was made from: the passages used, the reasoning, the confidence level, and an
    array's elements (each with its own basis)."""

    value: Any
    used: list[Passage] = field(default_factory=list)
    reason: str = ""
    level: int = LOW
    items: list[Filled] = field(default_factory=list)


def level_of(match: PageMatch) -> int:
    """How strongly the page matches the input: its title named, or most of the input's telling words on it."""
    strength = max(match.title_match, match.coverage)
    return HIGH if strength >= HIGH_COVERAGE else MEDIUM if strength >= MEDIUM_COVERAGE else LOW


def cited(match: PageMatch, passage: str | None = None) -> Passage:
    """The passage to cite for a value from ``match``: the given one, else the page's best matching one."""
    if passage is None:
        passage = match.passages[0][0] if match.passages else match.sections[0] if match.sections else ""
    score = dict(match.passages).get(passage, 0.0)
    return match.page, truncate(without_grammar(passage) or passage, _MAX_EXCERPT), score


def source(match: PageMatch, rank: int) -> str:
    """How a reasoning names the page a value comes from."""
    place = "the page that best matches" if rank == 0 else f"the page ranked {rank + 1} for"
    return f"'{match.page.title}', {place} the input (BM25 score {match.score:.1f})"


def _ranked(match: PageMatch, query: Query) -> list[tuple[str, str]]:
    return rank_sentences(
        match.sections, dict(match.passages), match.page.title, query.input, query.field, match.headings
    )


def _evidence(match: PageMatch) -> Iterator[str]:
    """The page's passages that match the input, best first, then the rest in reading order."""
    matching = [text for text, _ in match.passages]
    yield from matching
    yield from (text for text in match.sections if text not in set(matching))


def _found(pattern: re.Pattern[str], match: PageMatch, group: int = 0) -> Iterator[tuple[str, str]]:
    """``(value, passage)`` for each occurrence of ``pattern`` in the page, best matching passages first."""
    for passage in _evidence(match):
        for found in pattern.finditer(passage):
            yield found.group(group), passage


def _code_token(match: PageMatch, query: Query) -> Iterator[tuple[str, str]]:
    """Code tokens for a keyword field: those the input names (the most telling first), then the page's
    opening ones. pydoc writes code as "with"; Markdown as `with`."""
    # The words of the page's title say which page it is; the input's other words name the thing on it
    # ("json dumps" on the page "json" names dumps; "the built-in map" on "builtins — Built-in functions", map).
    titled = stems(match.page.title)
    named: dict[str, tuple[bool, float, int, str]] = {}
    for order, passage in enumerate(_evidence(match)):
        for token in code_tokens(passage):
            weight = query.input.get(stem(token), 0.0)
            if weight and token not in named:
                named[token] = (stem(token) in titled, -weight, order, passage)
    heading = [t for t in code_tokens(match.page.title) if stem(t) in query.input]
    yield from ((t, match.sections[0] if match.sections else "") for t in heading)
    yield from ((token, passage) for token, (_, _, _, passage) in sorted(named.items(), key=lambda kv: kv[1]))
    opening = match.sections[0] if match.sections else ""
    yield from ((token, opening) for token in code_tokens(opening))
    for word, _ in sorted(query.input.items(), key=lambda kv: (kv[0] in titled, -kv[1])):  # no code: words
        for passage in _evidence(match):
            found = re.search(rf"\b{re.escape(word)}\w*", passage, re.IGNORECASE)
            if found and stem(found.group()) == word:
                yield found.group(), passage
                break


def _candidates(kind: str | None, match: PageMatch, query: Query) -> Iterator[tuple[str, str | None, str]]:
    """``(value, passage, what)`` proposals for a string field of ``kind``, best first."""
    page = match.page
    if kind == "url":
        yield page.url, None, "its URL"
        yield from ((u, p, "a URL it cites") for u, p in _found(_URL, match))
    elif kind == "name":
        yield page.title, None, "its title"
    elif kind == "module":
        named = re.search(r"/library/([\w.]+)\.html$", urlsplit(page.url).path)
        if named:
            yield named.group(1), None, "the module it documents"
        yield from ((t, p, "the code token the input names") for t, p in _code_token(match, query))
    elif kind == "host" and urlsplit(page.url).hostname:
        yield str(urlsplit(page.url).hostname), None, "its host name"
    elif kind == "keyword":
        yield from ((t, p, "the code token the input names") for t, p in _code_token(match, query))
    elif kind == "version":
        yield from ((v, p, "the version it states") for v, p in _found(_VERSION, match, 1))
    elif kind == "year":
        yield from ((y, p, "a year it states") for y, p in _found(_YEAR, match))
    elif kind == "date":
        if page.publish_date:
            yield page.publish_date, None, "its publication date"
        yield from ((d, p, "a date it states") for d, p in _found(_DATE, match))
    elif kind == "email":
        yield from ((e, p, "an e-mail address it gives") for e, p in _found(_EMAIL, match))


def string_value(
    kind: str | None,
    limits: Mapping[str, Any],
    match: PageMatch,
    query: Query,
    where: str,
    *,
    nullable: bool,
) -> Filled:
    """A string for the field: a value of its kind read from the page, else a sentence of the page (prose
    fields), else ``None`` (nullable; at most ``medium``: an absence, not a reading) or the plainest value that
    fits, as a guess."""
    level = level_of(match)
    fmt = limits.get("format")
    for proposed, passage, what in _candidates(kind, match, query):
        value = _as_format(proposed, fmt)
        if value is not None and string_fits(value, limits):
            return Filled(value, [cited(match, passage)], f"Taken from {where}: {what}.", level)
    prose = kind in (None, "name", "keyword") and not fmt and "pattern" not in limits
    if prose:
        ranked = _ranked(match, query)
        for number, (sentence, passage) in enumerate(ranked[:1]):
            more = " ".join(s for s, _ in ranked[number + 1 : number + 4])
            value = fit_text(truncate(sentence, _MAX_SENTENCE), limits, more)
            if string_fits(value, limits):
                reason = f"Taken from {where}: the sentence that best matches {query.input_words}, "
                reason += "then the field's words."
                return Filled(value, [cited(match, passage)], reason, level)
    pattern = limits.get("pattern")
    if isinstance(pattern, str):
        for token, passage in _tokens(match):
            if string_fits(token, limits):
                reason = f"Derived from {where}: a token of its text that fits the pattern {pattern!r}."
                return Filled(token, [cited(match, passage)], reason, min(level, MEDIUM))
    missing = kind or (f"value in {fmt} format" if fmt else "value that fits the field")
    if nullable:
        reason = f"Taken from {where}: it gives no {missing}, so left null."
        return Filled(None, [cited(match)], reason, min(level, MEDIUM))
    value = made_up_string(limits, match.page.url, _PLACEHOLDERS.get(kind or "", match.page.title))
    reason = f"Guessed: {where} gives no {missing}; this is a placeholder that fits the field."
    return Filled(value, [cited(match)], reason, LOW)


def _as_format(value: str, fmt: Any) -> str | None:
    """A proposed value written in the field's format where that is only a matter of writing: a date as a
    date-time at midnight UTC, a year as the year's first day."""
    if fmt == "date-time" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value}T00:00:00Z"
    if fmt in ("date", "date-time") and re.fullmatch(r"\d{4}", value):
        return f"{value}-01-01" + ("T00:00:00Z" if fmt == "date-time" else "")
    return value


def _tokens(match: PageMatch) -> Iterator[tuple[str, str]]:
    for passage in _evidence(match):
        for token in _TOKEN.findall(passage):
            yield token.rstrip(".:"), passage


def number_value(
    kind: str | None,
    limits: Mapping[str, Any],
    match: PageMatch,
    query: Query,
    where: str,
    pages: int,
    *,
    integer: bool,
    nullable: bool,
) -> Filled:
    """A number for the field: a year the page states (year fields), a score from how well the page matches
    (score fields), a number stated in the sentence that best matches the field's words; else ``None``
    (nullable) or, as a guess, the number of matching pages fitted into the bounds."""
    level = level_of(match)
    if kind == "year":
        for year, passage in _found(_YEAR, match):
            if number_fits(int(year), limits, integer=integer):
                return Filled(int(year), [cited(match, passage)], f"Taken from {where}: a year it states.", level)
    elif kind == "score":
        strength = max(match.title_match, match.coverage)
        low, high = limits.get("minimum", 0), limits.get("maximum", 1 if not integer else 10)
        value = fit_number(low + strength * (high - low), limits, integer=integer)
        reason = f"Derived from {where}: how well it matches the input ({strength:.0%}), scaled to the field."
        return Filled(value, [cited(match)], reason, min(level, MEDIUM))
    else:
        stated = _stated_number(match, query, limits, integer)
        if stated is not None:
            value, sentence, passage = stated
            reason = f"Taken from {where}: {sentence!r} states it; the sentence best matches {query.field_words}."
            return Filled(value, [cited(match, passage)], reason, level)
    if nullable:
        reason = f"Taken from {where}: it states no number for {query.field_words}, so left null."
        return Filled(None, [cited(match)], reason, min(level, MEDIUM))
    value = fit_number(pages, limits, integer=integer)
    reason = f"Guessed: {where} states no number for {query.field_words}; counted the {pages} matching pages"
    reason += f", fitted to the field's bounds ({value})." if value != pages else "."
    return Filled(value, [cited(match)], reason, LOW)


def _stated_number(
    match: PageMatch, query: Query, limits: Mapping[str, Any], integer: bool
) -> tuple[int | float, str, str] | None:
    by_field = sorted(_ranked(match, query), key=lambda r: -share(query.field, stems(r[0])))
    for sentence, passage in by_field:
        if not share(query.field, stems(sentence)):
            return None
        for found in _NUMBER.finditer(sentence):
            text = found.group()
            number: int | float = float(text) if "." in text else int(text)
            if number_fits(number, limits, integer=integer):
                return number, truncate(sentence, 120), passage
    return None


def boolean_value(match: PageMatch, query: Query, where: str) -> Filled:
    """True when the passage that best matches the input and the field holds most of their words: a reading of
    the page, never better than ``medium``."""
    wanted = set(query.input) | set(query.field)
    candidates = [text for text, _ in match.passages] or list(match.sections)
    passage = max(candidates, key=lambda text: (len(wanted & stems(text)), -candidates.index(text)))
    coverage = len(wanted & stems(passage)) / len(wanted) if wanted else 0.0
    value = coverage >= HIGH_COVERAGE
    reason = f"Derived from {where}: {value}, as its passage that best matches the input and the field holds "
    reason += f"{coverage:.0%} of their words ({HIGH_COVERAGE:.0%} makes true)."
    return Filled(value, [cited(match, passage)], reason, min(level_of(match), MEDIUM if value else LOW))


def enum_value(values: Sequence[Any], match: PageMatch, query: Query, where: str) -> Filled:
    """The enum value whose words occur most in the page's best passages; else the one the input names
    (derived, at most ``medium``); else the first value, as a guess."""
    passages = [text for text, _ in match.passages[:3]]

    def words(value: Any) -> set[str]:
        return {stem(w) for w in re.findall(r"[^\W_]+", str(value).lower())}

    def weight(value: Any) -> float:
        return sum(len(words(value) & stems(text)) / (rank + 1) for rank, text in enumerate(passages))

    weights = [weight(v) for v in values]
    best = max(range(len(values)), key=lambda i: (weights[i], -i))
    if weights[best] > 0:
        used = [cited(match, p) for p in passages if words(values[best]) & stems(p)]
        reason = f"Taken from {where}: {values[best]!r}, the value whose words occur most in its best passages."
        return Filled(values[best], used, reason, level_of(match))
    named = [v for v in values if words(v) & set(query.input)]
    if named:
        reason = f"Derived from the input: it names {named[0]!r}; {where} does not settle it."
        return Filled(named[0], [cited(match)], reason, min(level_of(match), MEDIUM))
    return Filled(values[0], [], f"Guessed: no enum value's words occur in {where}; took the first value.")
