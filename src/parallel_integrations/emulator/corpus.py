"""The emulator's search corpus: pages cut into passages of a few hundred characters, indexed in an in-memory
SQLite FTS5 table and ranked with BM25 (title > section heading > body; Porter stemming, so ``decorators``
finds ``decorator``). User text never reaches ``MATCH`` raw: every word is quoted. The default corpus is the
Python language reference shipped with CPython, each topic with its docs.python.org URL.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

from parallel_integrations._errors import ParallelValidationError

__all__ = ["Corpus", "Hit", "Page"]


@dataclass(frozen=True, slots=True)
class Page:
    """One document of the corpus: where it lives, its title and its plain text (markdown-ish)."""

    url: str
    title: str
    text: str
    publish_date: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a page with its best-matching excerpts, best first. ``score`` is positive, higher
    is better, comparable only within one search."""

    url: str
    title: str
    excerpts: list[str]
    publish_date: str | None
    score: float


# --- text handling ---

# Common English, minus words that are also Python keywords ("while", "for", "with", "is", "in", ...).
_STOPWORD_TEXT = """a about after all also am an any are at be because been being but by can could did do
does doing each had has have having he her here his how i it its just me more most my no of on only other our
out she should so some such than that the their them then there these they this those to too up use used using
very was we were what when where which who why will would you your work works"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[^\W_]+")  # what the unicode61 tokenizer calls a token: underscores separate words
_MAX_QUERY_TERMS = 64
_SUFFIXES: tuple[str, ...] = ("ational", "ations", "ation", "ness", "ings", "ing", "ies", "ied", "ers", "ed")
_SUFFIXES += ("es", "er", "ly", "s")


def terms(text: str) -> list[str]:
    """The distinct search words of ``text``, lower-cased, in order, without stopwords or single letters (kept
    when nothing else remains, so a query of only common words still searches)."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    kept = [w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
    return (kept or words)[:_MAX_QUERY_TERMS]


def stem(word: str) -> str:
    """A light suffix-stripping stem, used to compare words in Python (the index itself uses Porter)."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _match_expression(words: Sequence[str]) -> str:
    # Every word becomes a quoted FTS5 string, so no operator or column filter can come from user text.
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def truncate(text: str, limit: int, marker: str = " ...") -> str:
    """``text`` cut to at most ``limit`` characters on a word boundary, ending in ``marker`` when cut."""
    room = limit - len(marker)
    if len(text) <= limit or room <= 0:
        return text[:limit]
    cut = text[:room]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > room // 2 else cut).rstrip() + marker


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


def _passages(title: str, text: str) -> Iterator[tuple[str, str]]:
    """``(section heading, passage text)`` pairs of a page; the heading names the enclosing sections."""
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
            if not (level == 1 and not stack and _clean_title(block) == title):
                stack.append((level, _clean_title(block)))
            continue
        for piece in _pieces(block):
            if current and sum(map(len, current)) + len(piece) > _PASSAGE_TARGET:
                yield from flush()
            current.append(piece)
    yield from flush()


def _clean_title(heading: str) -> str:
    # pydoc renders ``code`` as "code"; the docs show titles without the quotes.
    return heading.replace('"', "").strip()


def _first_heading(text: str) -> str | None:
    return next((_clean_title(block) for level, block in _blocks(text) if level), None)


# --- the default corpus: pydoc topics and their docs.python.org pages ---

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


def _topic_pages() -> list[Page]:
    from pydoc_data.topics import topics

    pages: dict[str, Page] = {}
    for label in sorted(topics):
        text = topics[label]
        title = _first_heading(text) or label
        previous = pages.get(text)
        # Some labels share one text ('if' and 'else'): keep the label the title names.
        if previous is None or label.lower() in title.lower().split():
            pages[text] = Page(_topic_url(label, title), title, text)
    return list(pages.values())


# --- reading files ---

_DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
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


def _read_document(path: Path) -> Page:
    meta, text = _front_matter(path.read_text(encoding="utf-8", errors="replace"))
    title: str | None = None
    if path.suffix.lower() in (".html", ".htm"):
        parser = _HTMLText()
        parser.feed(text)
        parser.close()
        text, title = parser.text(), parser.title or None
    fallback = path.stem.replace("_", " ").replace("-", " ")
    title = meta.get("title") or title or _first_heading(text) or fallback
    url = meta.get("url") or path.resolve().as_uri()
    return Page(url, title, text, meta.get("publish_date") or meta.get("date") or None)


def _read_jsonl(path: Path) -> Iterator[Page]:
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


# --- domains ---


def _normalise_domain(entry: str) -> tuple[str, str]:
    """``(host, path prefix)`` of a source-policy entry: ``.gov``, ``python.org``, ``docs.python.org/3``."""
    entry = re.sub(r"^[a-z]+://", "", entry.strip().lower()).removeprefix("www.")
    host, _, path = entry.partition("/")
    return host.strip("*."), ("/" + path).rstrip("/")


def _domain_matches(host: str, path: str, entry: tuple[str, str]) -> bool:
    want_host, want_path = entry
    if not host or not want_host or not (host == want_host or host.endswith("." + want_host)):
        return False
    return not want_path or path == want_path or path.startswith(want_path + "/")


def _host_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "", ""
    return (parts.hostname or "").removeprefix("www."), parts.path.rstrip("/")


# --- the corpus ---

_FTS = "tokenize='porter unicode61 remove_diacritics 2'"
_WEIGHTS = "10.0, 2.0, 1.0"  # title, heading, body: a word in a page title says most about the page
_ROW_LIMIT = 5000
_TITLE_BONUS = 0.5  # a page whose title the query spells out entirely scores half as much again


class Corpus:
    """A searchable set of pages, indexed by passage with BM25 (SQLite FTS5, in memory, thread-safe).

    Build one with :meth:`default`, :meth:`from_pages` or :meth:`from_path`; then :meth:`search` ranks pages
    for an objective and queries, and :meth:`passages` gives the best passages for any text (used to write
    task outputs).
    """

    _default: Corpus | None = None
    _default_lock = threading.Lock()

    def __init__(self, pages: Iterable[Page]) -> None:
        self._pages = list(pages)
        self._where = [_host_and_path(page.url) for page in self._pages]
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(f"CREATE VIRTUAL TABLE passages USING fts5(title, heading, body, page UNINDEXED, {_FTS})")
        rows = (
            (page.title, heading, body, index)
            for index, page in enumerate(self._pages)
            for heading, body in _passages(page.title, page.text)
        )
        with self._db:
            self._db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)", rows)

    @classmethod
    def default(cls) -> Corpus:
        """The Python language reference shipped with CPython (``pydoc_data.topics``): one page per topic,
        titled like the docs ("Function definitions"), with its docs.python.org URL and anchor. Built once per
        process and shared (searching is thread-safe)."""
        with cls._default_lock:
            if Corpus._default is None:
                Corpus._default = cls(_topic_pages())
            return Corpus._default

    @classmethod
    def from_pages(cls, pages: Iterable[Page]) -> Corpus:
        """A corpus of the given pages (their text may use Markdown headings)."""
        return cls(pages)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> Corpus:
        """A corpus read from disk: a ``.jsonl`` file of ``{"url", "title", "text", "publish_date"?}``
        records, or a folder searched recursively for .md/.markdown/.txt/.html/.htm files (or one such file).

        A document's URL is its ``file://`` path unless it starts with front matter such as
        ``---\\nurl: https://...\\ntitle: ...\\n---``; its title is the front-matter title, else the HTML
        ``<title>``, else the first heading, else the file name. Raises ``FileNotFoundError`` for a missing
        path and :class:`ParallelValidationError` for a bad JSONL line or a folder holding no document.
        """
        root = Path(path)
        if not root.exists():
            raise FileNotFoundError(f"corpus path does not exist: {root}")
        if root.is_file() and root.suffix.lower() == ".jsonl":
            return cls(_read_jsonl(root))
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        documents = [p for p in files if p.suffix.lower() in _DOCUMENT_SUFFIXES]
        if not documents:
            raise ParallelValidationError("path", f"no {'/'.join(_DOCUMENT_SUFFIXES)} file in {root}")
        return cls(_read_document(p) for p in documents)

    def __len__(self) -> int:
        return len(self._pages)

    def __repr__(self) -> str:
        return f"Corpus({len(self)} pages)"

    def _ranked(self, words: Sequence[str], allowed: Sequence[int] | None) -> list[tuple[int, str, float]]:
        """Matching passages as ``(page index, text, score)``, best first; ties broken by page URL then order;
        a passage text appears once."""
        if not words or allowed == []:
            return []
        sql = f"SELECT page, body, -bm25(passages, {_WEIGHTS}) AS score, rowid FROM passages"
        sql += " WHERE passages MATCH ?"
        params: list[object] = [_match_expression(words)]
        if allowed is not None:
            sql += " AND page IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(allowed)))
        sql += f" ORDER BY score DESC, rowid LIMIT {_ROW_LIMIT}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        rows.sort(key=lambda row: (-row[2], self._pages[row[0]].url, row[3]))
        # A passage found on several pages (a section repeated in an overview page) counts once, for the page
        # where it scores best, so the page devoted to it wins over the page that merely includes it.
        seen: set[str] = set()
        ranked = []
        for page, body, score, _ in rows:
            if body not in seen:
                seen.add(body)
                ranked.append((page, body, max(float(score), 1e-6)))
        return ranked

    def _allowed(self, include: Sequence[str], exclude: Sequence[str]) -> list[int] | None:
        wanted = [_normalise_domain(e) for e in include if e.strip()]
        if wanted:  # the API ignores exclude_domains when include_domains is given
            return [i for i, w in enumerate(self._where) if any(_domain_matches(*w, e) for e in wanted)]
        unwanted = [_normalise_domain(e) for e in exclude if e.strip()]
        if unwanted:
            return [i for i, w in enumerate(self._where) if not any(_domain_matches(*w, e) for e in unwanted)]
        return None

    def search(
        self,
        *,
        objective: str | None = None,
        queries: Sequence[str] = (),
        max_results: int = 10,
        max_chars_per_result: int = 1500,
        include_domains: Sequence[str] = (),
        exclude_domains: Sequence[str] = (),
    ) -> list[Hit]:
        """Pages matching the objective and queries, best first (ties by URL), at most ``max_results``.

        Each hit carries its best passages, best first, together at most ``max_chars_per_result`` characters
        (the last cut on a word boundary, ending ``" ..."``), at least one. ``include_domains`` keeps pages on
        those domains (``python.org`` covers ``docs.python.org``; ``.gov`` and ``docs.python.org/3/library``
        work); ``exclude_domains`` drops them, ignored when ``include_domains`` is given; ``file://`` pages have
        no domain. ``[]`` means nothing matched. Raises :class:`ParallelValidationError` for no objective and no
        query, or a limit below 1.
        """
        if not (objective and objective.strip()) and not any(q.strip() for q in queries):
            raise ParallelValidationError("objective", "give an objective or at least one search query")
        if max_results < 1:
            raise ParallelValidationError("max_results", f"must be at least 1 (got {max_results})", limit=1)
        if max_chars_per_result < 1:
            raise ParallelValidationError(
                "max_chars_per_result", f"must be at least 1 (got {max_chars_per_result})", limit=1
            )
        words = terms(" ".join([objective or "", *queries]))
        by_page: dict[int, list[tuple[str, float]]] = {}
        for page, body, score in self._ranked(words, self._allowed(include_domains, exclude_domains)):
            by_page.setdefault(page, []).append((body, score))
        stems = {stem(w) for w in words}
        scored = []
        for page, found in by_page.items():
            # A page is as good as its best passage, and better when its title is what was asked for.
            title = {stem(w) for w in terms(self._pages[page].title)}
            score = found[0][1] * (1.0 + _TITLE_BONUS * len(title & stems) / max(len(title), 1))
            scored.append((round(score, 6), page))
        scored.sort(key=lambda item: (-item[0], self._pages[item[1]].url))
        hits = []
        for score, index in scored[:max_results]:
            doc = self._pages[index]
            excerpts = _fit([body for body, _ in by_page[index]], max_chars_per_result)
            hits.append(Hit(doc.url, doc.title, excerpts, doc.publish_date, score))
        return hits

    def passages(self, text: str, *, limit: int = 5, max_chars: int = 600) -> list[tuple[Page, str, float]]:
        """The best passages across the corpus for free ``text``: ``(page, passage, score)``, best first, each
        passage at most ``max_chars`` long, no passage text twice. An empty list means nothing matches (or
        ``text`` has no words)."""
        ranked = self._ranked(terms(text), None)[: max(limit, 0)]
        return [(self._pages[i], truncate(body, max_chars), round(score, 6)) for i, body, score in ranked]


_MIN_TAIL = 80  # below this, a further excerpt would be a stub: stop instead


def _fit(passages: Sequence[str], budget: int) -> list[str]:
    """Passages, best first, whose lengths together stay within ``budget``; at least one, cut if needed."""
    out: list[str] = []
    left = budget
    for body in passages:
        if len(body) <= left:
            out.append(body)
            left -= len(body)
        elif not out or left >= _MIN_TAIL:
            out.append(truncate(body, left))
            break
        else:
            break
    return out
