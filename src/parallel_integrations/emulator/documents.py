"""Documents for the emulator's corpus, and their text: the :class:`Page` record; search words and stems; how a
page is cut into passages and a passage into sentences, and how sentences rank for weighted words; the default
language-reference pages (the topics that CPython ships); readers for Markdown, text, HTML and JSONL files.

Page text is "markdown-ish": Markdown ``#`` headings, underlined headings (reStructuredText, pydoc), fenced or
indented code kept verbatim, prose paragraphs unwrapped. Passages are a few hundred characters, cut at paragraph
and sentence ends, each with the headings of the sections that enclose it.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from parallel_integrations._errors import ParallelValidationError

__all__ = [
    "DOCUMENT_SUFFIXES",
    "STOPWORDS",
    "Page",
    "clean_sentence",
    "clean_title",
    "code_tokens",
    "first_heading",
    "passages_of",
    "rank_sentences",
    "read_document",
    "read_jsonl",
    "sentences",
    "share",
    "stem",
    "stems",
    "terms",
    "topic_pages",
    "truncate",
]


@dataclass(frozen=True, slots=True)
class Page:
    """One document of the corpus: where it lives, its title and its plain text (markdown-ish)."""

    url: str
    title: str
    text: str
    publish_date: str | None = None


def truncate(text: str, limit: int, marker: str = " ...") -> str:
    """``text`` cut to at most ``limit`` characters on a word boundary, ending in ``marker`` when cut."""
    room = limit - len(marker)
    if len(text) <= limit or room <= 0:
        return text[:limit]
    cut = text[:room]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > room // 2 else cut).rstrip() + marker


# --- words ---

# Common English. Python's keywords are never dropped: in this corpus "with", "for", "if" name the topics.
_STOPWORD_TEXT = """a about after all also am an any are at be because been being but by can could did do
does doing each had has have having he her here his how i it its just me more most my no of on only other our
out she should so some such than that the their them then there these they this those to too up use used using
very was we were what when where which who why will would you your work works explain explains explained
describe describes described tell please"""
_KEYWORDS = frozenset(word.lower() for word in [*keyword.kwlist, *keyword.softkwlist])
STOPWORDS = frozenset(_STOPWORD_TEXT.split()) - _KEYWORDS
_WORD = re.compile(r"[^\W_]+")  # what the unicode61 tokenizer calls a token: underscores separate words
_MAX_QUERY_TERMS = 64
_SUFFIXES: tuple[str, ...] = ("ational", "ations", "ation", "ness", "ings", "ing", "ies", "ied", "ers", "ed")
_SUFFIXES += ("es", "er", "ly", "s")


def terms(text: str) -> list[str]:
    """The distinct search words of ``text``, lower-cased, in order, without :data:`STOPWORDS` or single
    letters (kept when nothing else remains, so a query of only common words still searches). A word is what
    SQLite's unicode61 tokenizer calls a token."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    kept = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return (kept or words)[:_MAX_QUERY_TERMS]


def stem(word: str) -> str:
    """A light suffix-stripping stem, used to compare words in Python (the index itself uses Porter)."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=4096)
def stems(text: str) -> frozenset[str]:
    """The stems of the search words of ``text`` (cached: passages and sentences are read again and again)."""
    return frozenset(stem(word) for word in terms(text))


def share(wanted: Mapping[str, float], found: AbstractSet[str], total: float | None = None) -> float:
    """The weight of the ``wanted`` stems that are in ``found``, as a share of ``total`` (default: theirs)."""
    total = sum(wanted.values()) if total is None else total
    return sum(w for s, w in wanted.items() if s in found) / total if total else 0.0


# --- splitting pages into passages ---

_UNDERLINE = re.compile(r"^([=\-*~^#\"+'`])\1{2,}\s*$")
_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_PASSAGE_TARGET = 500
_PARAGRAPH_MAX = 800


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    """Headings as ``(level, text)`` with level >= 1, paragraphs as ``(0, text)``. Knows Markdown ``#``
    headings, underlined ones (levels in order of first appearance, as in reStructuredText and pydoc) and
    fenced code, kept whole. Prose lines are unwrapped; indented or fenced lines keep their line breaks."""
    levels: dict[str, int] = {}
    paragraph: list[str] = []
    fence = ""

    def flush(verbatim: bool = False) -> Iterator[tuple[int, str]]:
        if paragraph:
            prose = not verbatim and not any(line[:1].isspace() for line in paragraph)
            yield 0, " ".join(x.strip() for x in paragraph) if prose else "\n".join(x.rstrip() for x in paragraph)
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if fence or stripped.startswith(("```", "~~~")):
            if not fence:
                yield from flush()
                fence = stripped[:3]
            elif stripped.startswith(fence):
                fence = ""
                paragraph.append(line)
                yield from flush(verbatim=True)
                continue
            paragraph.append(line)
        elif atx := _ATX.match(line):
            yield from flush()
            yield len(atx.group(1)), atx.group(2)
        elif underline := _UNDERLINE.match(line):
            if len(paragraph) == 1 and not paragraph[0][:1].isspace() and len(paragraph[0]) < 120:
                yield levels.setdefault(underline.group(1), len(levels) + 1), paragraph.pop().strip()
            elif paragraph:  # a rule under a longer paragraph is no heading
                paragraph.append(line)
        elif stripped:
            paragraph.append(line)
        else:
            yield from flush()
    yield from flush(verbatim=bool(fence))


def _pieces(paragraph: str) -> Iterator[str]:
    """A long paragraph cut at sentence ends into pieces near the passage size."""
    if len(paragraph) <= _PARAGRAPH_MAX:
        yield paragraph
        return
    piece = ""
    for sentence in _SENTENCE_END.split(paragraph):
        if piece and len(piece) + len(sentence) + 1 > _PASSAGE_TARGET:
            yield piece
            piece = ""
        piece = f"{piece} {sentence}" if piece else sentence
        while len(piece) > _PARAGRAPH_MAX:  # a "sentence" with no end, such as a grammar block
            head = truncate(piece, _PASSAGE_TARGET, marker="")
            yield head
            piece = piece[len(head) :].lstrip()
    if piece:
        yield piece


def passages_of(title: str, text: str) -> Iterator[tuple[str, str]]:
    """``(section heading, passage text)`` pairs of a page, in reading order; the heading names the enclosing
    sections (``"Outer > Inner"``), without the page's own title."""
    stack: list[tuple[int, str]] = []
    current: list[str] = []

    def flush() -> Iterator[tuple[str, str]]:
        if current:
            yield " > ".join(h for _, h in stack), "\n\n".join(current)
            current.clear()

    for level, block in _blocks(text):
        if level:
            yield from flush()
            while stack and stack[-1][0] >= level:
                stack.pop()
            if not (level == 1 and not stack and clean_title(block) == title):
                stack.append((level, clean_title(block)))
            continue
        for piece in _pieces(block):
            if current and sum(map(len, current)) + len(piece) > _PASSAGE_TARGET:
                yield from flush()
            current.append(piece)
    yield from flush()


def clean_title(heading: str) -> str:
    """A heading as a title: pydoc renders ``code`` as "code", the docs show titles without the quotes."""
    return heading.replace('"', "").strip()


def first_heading(text: str) -> str | None:
    """The first heading of ``text`` as a title, or None when it has none."""
    return next((clean_title(block) for level, block in _blocks(text) if level), None)


# --- sentences ---

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(*`“])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf)\.$", re.IGNORECASE)
_NOTE = re.compile(r"(?:Changed|New|Added|Deprecated)(?: in| since)? version\b")
_LEADING = re.compile(r"^(?:See also:?|Note:|Warning:|[*\-+] |\d+\. )\s*", re.IGNORECASE)
_MARKUP = (
    (re.compile(r"\*\*([^*\"]+?)\*\*"), r"\1"),  # **strong**
    (re.compile(r"(?<![\w*\"])\*([A-Za-z][^*\"]*?)\*(?![\w*])"), r"\1"),  # *emphasis*
    (re.compile(r"\[([^\]]+)\]\([^)\s]+\)"), r"\1"),  # [text](url)
)


def clean_sentence(sentence: str) -> str:
    """A sentence on one line without list markers, a leading "See also:"/"Note:", emphasis or link markup;
    a closing colon (it introduced a code block) becomes a full stop."""
    text = " ".join(sentence.split())
    while (lead := _LEADING.match(text)) and lead.end():
        text = text[lead.end() :]
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text[:-1].rstrip() + "." if text.endswith(":") else text


@lru_cache(maxsize=4096)
def sentences(passage: str) -> tuple[tuple[bool, str], ...]:
    """The sentences of a passage, cleaned (see :func:`clean_sentence`), each flagged as prose (true) or not
    (grammar, code, a version note, a stub of under four words). Cached: passages are read again and again."""
    found: list[tuple[bool, str]] = []
    for block in passage.split("\n\n"):
        code = block[:1].isspace() or block.lstrip().startswith(("```", "~~~", ">>>")) or "::=" in block
        pieces: list[str] = []
        for piece in _SENTENCE.split(" ".join(block.split())):
            if pieces and _ABBREVIATION.search(pieces[-1]):
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
        for piece in pieces:
            text = clean_sentence(piece)
            if text:
                prose = not code and len(text.split()) >= 4 and not _NOTE.match(text)
                found.append((prose, text))
    return tuple(found)


# What a sentence scores beyond the share of the wanted words it holds (see rank_sentences).
_PASSAGE_SHARE = 0.5
_FIELD_SHARE = 0.5
_OPENING_BONUS = 0.2
_SECTION_BONUS = 0.4
_TITLED_SHARE = 0.25


def rank_sentences(
    sections: Sequence[str],
    relevance: Mapping[str, float],
    title: str,
    wanted: Mapping[str, float],
    asked: Iterable[str] = (),
    headings: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """``(sentence, passage)`` for every sentence of a page's ``sections``: prose first, best first, then in
    reading order. A sentence scores the share of the ``wanted`` stems' weight it holds (up to 1), plus half how
    well its passage matched (``relevance``, relative to the page's best), plus half the share of the ``asked``
    stems it holds, plus a little for the page's opening sentence, which usually says what the page is about,
    and for the first sentence of a section whose heading (``headings``, by passage) names the wanted stems: it
    says what that section is about ("The match statement is used for pattern matching."). Stems the ``title``
    holds count a quarter: the page is about them already."""
    best = max(relevance.values(), default=0.0) or 1.0
    titled = stems(title)
    weights = {s: w * (_TITLED_SHARE if s in titled else 1.0) for s, w in wanted.items()}
    field = {s: _TITLED_SHARE if s in titled else 1.0 for s in asked}
    total = sum(wanted.values())
    ranked: list[tuple[bool, float, int, str, str]] = []
    for passage in sections:
        heading = (headings or {}).get(passage, "").rsplit(" > ", 1)[-1]
        named = share(wanted, stems(heading), total) if heading else 0.0
        for prose, text in sentences(passage):
            found = stems(text)
            score = share(weights, found, total) + _PASSAGE_SHARE * relevance.get(passage, 0.0) / best
            score += _FIELD_SHARE * share(field, found, len(field))
            score += _OPENING_BONUS if prose and not any(r[0] for r in ranked) else 0.0
            if prose and named:
                score += _SECTION_BONUS * named
                named = 0.0  # the section's first sentence only
            ranked.append((prose, score, len(ranked), text, passage))
    ranked.sort(key=lambda r: (not r[0], -r[1], r[2]))
    return [(text, passage) for _, _, _, text, passage in ranked]


_CODE_TOKEN = re.compile(r"\"([^\"\s]{1,40})\"|`([^`\s]{1,40})`")


def code_tokens(text: str) -> list[str]:
    """The code tokens of ``text`` in order: "quoted" (as pydoc writes code) or `backquoted` words."""
    tokens: list[str] = [m.group(1) or m.group(2) for m in _CODE_TOKEN.finditer(text)]
    return [t for t in tokens if any(ch.isalpha() for ch in t)]


# --- the default pages: pydoc topics and their docs.python.org pages ---

_DOCS = "https://docs.python.org/3/"
_TOPIC_PAGES = {
    "reference/compound_stmts.html": "compound if else elif while for try except finally with match "
    "function class async",
    "reference/simple_stmts.html": "assert assignment augassign break continue del global import nonlocal "
    "pass raise return yield type",
    "reference/expressions.html": "atom-identifiers atom-literals attribute-references await binary "
    "bitwise booleans calls comparisons conversions dict exprlists in is lambda lists operator-summary "
    "power shifting slicings subscriptions unary",
    "reference/datamodel.html": "attribute-access callable-types context-managers customization "
    "numeric-types objects sequence-types specialnames types",
    "reference/executionmodel.html": "dynamic-features exceptions execmodel naming",
    "reference/lexical_analysis.html": "floating id-classes identifiers imaginary integers numbers strings",
    "library/stdtypes.html": "specialattrs string-methods truth",
    "library/string.html": "formatstrings",
    "library/pdb.html": "debugger",
}
_PAGE_OF_TOPIC = {topic: page for page, topics in _TOPIC_PAGES.items() for topic in topics.split()}


def _topic_url(label: str, title: str) -> str:
    page = _PAGE_OF_TOPIC.get(label)
    if page is None and label.startswith(("bltin-", "types")):
        page = "library/stdtypes.html"  # the built-in types chapter holds every bltin-* and types* label
    if page is None:  # a topic newer than this table: the docs' own search finds it
        return f"{_DOCS}search.html?q={quote(title)}"
    return f"{_DOCS}{page}#{label}"


def topic_pages() -> list[Page]:
    """The Python language reference topics shipped with CPython (``pydoc_data.topics``), one page per topic,
    titled like the docs ("Function definitions"), with its docs.python.org URL and anchor."""
    from pydoc_data.topics import topics

    pages: dict[str, Page] = {}
    for label in sorted(topics):
        text = topics[label]
        title = first_heading(text) or label
        previous = pages.get(text)
        # Some labels share one text ('if' and 'else'): keep the label the title names.
        if previous is None or label.lower() in title.lower().split():
            pages[text] = Page(_topic_url(label, title), title, text)
    return list(pages.values())


# --- reading files ---

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_BLOCK_TAG_NAMES = """p div section article header footer main nav aside ul ol li table tr td th pre
blockquote dl dt dd figure figcaption form hr br"""
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, with headings turned into Markdown ``#`` lines."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.title = ""
        self._open: list[str] = []  # open title/skipped/pre elements: they change how text is taken

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS or tag in ("title", "pre"):
            self._open.append(tag)
        if tag in _HEADINGS:
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n" if tag == "br" else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]
        if tag in _HEADINGS or tag in _BLOCK_TAGS:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if "title" in self._open:
            self.title += " ".join(data.split())
        elif not _SKIPPED_TAGS.intersection(self._open):
            if "pre" not in self._open:
                data = re.sub(r"\s+", " ", data)
                data = data.lstrip() if not self.out or self.out[-1].endswith("\n") else data
            self.out.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


def read_document(path: Path) -> Page:
    """A page from a Markdown, text or HTML file. Its URL is the front matter's ``url`` (``---\\nurl: ...\\n---``
    at the top of the file) else the file's ``file://`` URI; its title is the front matter's, else the HTML
    ``<title>``, else the first heading, else the file name."""
    meta, text = _front_matter(path.read_text(encoding="utf-8", errors="replace"))
    title: str | None = None
    if path.suffix.lower() in (".html", ".htm"):
        parser = _HTMLText()
        parser.feed(text)
        parser.close()
        text, title = parser.text(), parser.title or None
    fallback = path.stem.replace("_", " ").replace("-", " ")
    title = meta.get("title") or title or first_heading(text) or fallback
    url = meta.get("url") or path.resolve().as_uri()
    return Page(url, title, text, meta.get("publish_date") or meta.get("date") or None)


def read_jsonl(path: Path) -> Iterator[Page]:
    """Pages from a JSONL file of ``{"url", "text", "title"?, "publish_date"?}`` records (blank lines skipped).
    Raises :class:`ParallelValidationError` naming the file and line of a record that is not such an object."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ("url", "text")):
                problem = 'must be a JSON object with string "url" and "text"'
                raise ParallelValidationError(f"{path.name} line {number}", problem)
            title, date = record.get("title"), record.get("publish_date")
            title = title if isinstance(title, str) and title else record["url"]
            yield Page(record["url"], title, record["text"], date if isinstance(date, str) and date else None)
