"""The emulator's search corpus: pages cut into passages of a few hundred characters, indexed in an in-memory
SQLite FTS5 table (Porter stemming, so ``decorators`` finds ``decorator``) and ranked from FTS5's BM25.

How a page is ranked for a query:

- Each query word is scored on its own (``bm25()`` is a sum over words, so nothing is lost) and weighted by how
  few *pages* hold it. BM25's own IDF counts passages; counting pages says which words tell pages apart: in the
  Python reference "python" is on 33 of 78 pages, so "... in Python" barely moves a ranking, while
  "decorators" (7 pages) decides it.
- A passage repeated on several pages (an overview page that includes whole sections) belongs to the most
  specific of them, the page with the fewest passages, so the page devoted to a subject keeps its text.
- A page scores its best passage plus a decaying share of its next two, so a page that treats the subject at
  length beats one that mentions it once.
- The score grows by up to :data:`TITLE_BOOST` times with the share of the title's words the query names, each
  title word weighted by how rare it is among titles: "the for statement" names all of "The for statement".

Query words are all words but common English ones, and never a Python keyword ("with", "for", "try" name topics
here). User text never reaches ``MATCH`` raw: every word is quoted. The default corpus is the Python language
reference shipped with CPython, each topic with its docs.python.org URL.
"""

from __future__ import annotations

import keyword
import math
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from parallel_integrations._errors import ParallelValidationError
from parallel_integrations.emulator.documents import (
    DOCUMENT_SUFFIXES,
    Page,
    first_heading,
    passages_of,
    read_document,
    read_jsonl,
    truncate,
)

__all__ = ["Corpus", "Hit", "Page", "PageMatch", "stem", "terms", "truncate"]


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a page with its best-matching excerpts, best first. ``score`` is positive, higher
    is better, comparable only within one search."""

    url: str
    title: str
    excerpts: list[str]
    publish_date: str | None
    score: float


@dataclass(frozen=True, slots=True)
class PageMatch:
    """A page ranked for a query (see :meth:`Corpus.match`).

    ``passages``: its matching passages as ``(text, score)``, best first. ``sections``: all its passages in
    reading order. ``title_match``: the weighted share (0 to 1) of the title's words that the query names.
    ``coverage``: the weighted share (0 to 1) of the query's words found on the page.
    """

    page: Page
    score: float
    passages: list[tuple[str, float]]
    sections: tuple[str, ...]
    title_match: float
    coverage: float


# --- query words ---

# Common English. Python's keywords are never dropped: in this corpus "with", "for", "if" name the topics.
_STOPWORD_TEXT = """a about after all also am an any are at be because been being but by can could did do
does doing each had has have having he her here his how i it its just me more most my no of on only other our
out she should so some such than that the their them then there these they this those to too up use used using
very was we were what when where which who why will would you your work works"""
_KEYWORDS = frozenset(word.lower() for word in keyword.kwlist + keyword.softkwlist)
STOPWORDS = frozenset(_STOPWORD_TEXT.split()) - _KEYWORDS
_WORD = re.compile(r"[^\W_]+")  # what the unicode61 tokenizer calls a token: underscores separate words
_MAX_QUERY_TERMS = 64
_SUFFIXES: tuple[str, ...] = ("ational", "ations", "ation", "ness", "ings", "ing", "ies", "ied", "ers", "ed")
_SUFFIXES += ("es", "er", "ly", "s")


def terms(text: str) -> list[str]:
    """The distinct search words of ``text``, lower-cased, in order, without :data:`STOPWORDS` or single
    letters (kept when nothing else remains, so a query of only common words still searches)."""
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


def _quoted(word: str) -> str:
    # A quoted FTS5 string: no operator or column filter can come from user text.
    return '"' + word.replace('"', '""') + '"'


def _idf(holding: int, total: int) -> float:
    """BM25's IDF in the form that stays positive for a word found everywhere."""
    return math.log(1.0 + (total - holding + 0.5) / (holding + 0.5))


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
        title = first_heading(text) or label
        previous = pages.get(text)
        # Some labels share one text ('if' and 'else'): keep the label the title names.
        if previous is None or label.lower() in title.lower().split():
            pages[text] = Page(_topic_url(label, title), title, text)
    return list(pages.values())


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
_WEIGHTS = "2.0, 2.0, 1.0"  # title, heading, body (the title counts again, rarity among titles, below)
_ROW_LIMIT = 20_000  # rows read per query word
_DECAY = 0.5  # a page's 2nd and 3rd best passages add this share, then its square, of their score
_AGGREGATED = 3
TITLE_BOOST = 1.0  # a page whose title the query names entirely scores this much more again


class Corpus:
    """A searchable set of pages, indexed by passage with BM25 (SQLite FTS5, in memory, thread-safe).

    Build one with :meth:`default`, :meth:`from_pages` or :meth:`from_path`; then :meth:`search` ranks pages
    for an objective and queries, :meth:`match` ranks pages with their passages for any text (used to write
    task outputs) and :meth:`passages` gives the best passages across pages.
    """

    _default: Corpus | None = None
    _default_lock = threading.Lock()

    def __init__(self, pages: Iterable[Page]) -> None:
        self._pages = list(pages)
        self._where = [_host_and_path(page.url) for page in self._pages]
        parts = [list(passages_of(page.title, page.text)) for page in self._pages]
        self._sections = [tuple(body for _, body in part) for part in parts]
        self._rows = [(index, body) for index, part in enumerate(parts) for _, body in part]  # at rowid - 1
        # A repeated passage belongs to the page with fewest passages (then the first URL): the most specific.
        self._specificity = [(len(s), page.url) for s, page in zip(self._sections, self._pages, strict=True)]
        self._titles = [frozenset(stem(w) for w in terms(page.title)) for page in self._pages]
        titled: dict[str, int] = {}
        for words in self._titles:
            for word in words:
                titled[word] = titled.get(word, 0) + 1
        self._title_idf = {word: _idf(n, len(self._pages)) for word, n in titled.items()}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(f"CREATE VIRTUAL TABLE passages USING fts5(title, heading, body, {_FTS})")
        rows = (
            (self._pages[index].title, heading, body)
            for index, part in enumerate(parts)
            for heading, body in part
        )
        with self._db:
            self._db.executemany("INSERT INTO passages (title, heading, body) VALUES (?, ?, ?)", rows)

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
            return cls(read_jsonl(root))
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        documents = [p for p in files if p.suffix.lower() in DOCUMENT_SUFFIXES]
        if not documents:
            raise ParallelValidationError("path", f"no {'/'.join(DOCUMENT_SUFFIXES)} file in {root}")
        return cls(read_document(p) for p in documents)

    def __len__(self) -> int:
        return len(self._pages)

    def __repr__(self) -> str:
        return f"Corpus({len(self)} pages)"

    def _word_rows(self, word: str) -> list[tuple[int, float]]:
        sql = f"SELECT rowid, -bm25(passages, {_WEIGHTS}) FROM passages WHERE passages MATCH ? LIMIT {_ROW_LIMIT}"
        with self._lock:
            return self._db.execute(sql, [_quoted(word)]).fetchall()

    def _scored(
        self, words: Sequence[str], allowed: Sequence[int] | None
    ) -> tuple[dict[int, float], dict[int, float], float]:
        """Passage scores by rowid (each passage text once, on its most specific allowed page), the weight of
        the query's words found on each page, and the weight of all the query's words."""
        if not words or allowed == []:
            return {}, {}, 0.0
        keep = None if allowed is None else set(allowed)
        scores: dict[int, float] = {}
        found: dict[int, float] = {}
        total = 0.0
        for word in words:
            rows = self._word_rows(word)
            pages = {self._rows[rowid - 1][0] for rowid, _ in rows}
            weight = _idf(len(pages), len(self._pages)) / _idf(1, len(self._pages))
            total += weight
            for page in pages:
                found[page] = found.get(page, 0.0) + weight
            for rowid, score in rows:
                if keep is None or self._rows[rowid - 1][0] in keep:
                    scores[rowid] = scores.get(rowid, 0.0) + weight * max(float(score), 1e-6)
        owner: dict[str, int] = {}
        for rowid in scores:
            body = self._rows[rowid - 1][1]
            mine = owner.setdefault(body, rowid)
            if self._specificity[self._rows[rowid - 1][0]] < self._specificity[self._rows[mine - 1][0]]:
                owner[body] = rowid
        kept = set(owner.values())
        return {rowid: score for rowid, score in scores.items() if rowid in kept}, found, total

    def _allowed(self, include: Sequence[str], exclude: Sequence[str]) -> list[int] | None:
        wanted = [_normalise_domain(e) for e in include if e.strip()]
        if wanted:  # the API ignores exclude_domains when include_domains is given
            return [i for i, w in enumerate(self._where) if any(_domain_matches(*w, e) for e in wanted)]
        unwanted = [_normalise_domain(e) for e in exclude if e.strip()]
        if unwanted:
            return [i for i, w in enumerate(self._where) if not any(_domain_matches(*w, e) for e in unwanted)]
        return None

    def _title_match(self, page: int, stems: set[str]) -> float:
        title = self._titles[page]
        whole = sum(self._title_idf[w] for w in title)
        return sum(self._title_idf[w] for w in title & stems) / whole if whole else 0.0

    def match(
        self,
        text: str,
        *,
        limit: int = 10,
        include_domains: Sequence[str] = (),
        exclude_domains: Sequence[str] = (),
    ) -> list[PageMatch]:
        """The pages that best match ``text``, best first (ties by URL), at most ``limit``, each with its
        matching passages and how well its title and text cover the query (see the module docstring for the
        ranking; domains as in :meth:`search`). An empty list means nothing matches (or ``text`` has no words).
        """
        words = terms(text)
        scores, found, total = self._scored(words, self._allowed(include_domains, exclude_domains))
        by_page: dict[int, list[tuple[float, int]]] = {}
        for rowid, score in scores.items():
            by_page.setdefault(self._rows[rowid - 1][0], []).append((score, rowid))
        stems = {stem(w) for w in words}
        ranked = []
        for page, rows in by_page.items():
            rows.sort(key=lambda row: (-row[0], row[1]))
            body = sum(score * _DECAY**i for i, (score, _) in enumerate(rows[:_AGGREGATED]))
            title = self._title_match(page, stems)
            ranked.append((round(body * (1.0 + TITLE_BOOST * title), 6), page, title))
        ranked.sort(key=lambda item: (-item[0], self._pages[item[1]].url))
        return [
            PageMatch(
                self._pages[page],
                score,
                [(self._rows[rowid - 1][1], round(s, 6)) for s, rowid in by_page[page]],
                self._sections[page],
                round(title, 6),
                round(min(found.get(page, 0.0) / total, 1.0), 6) if total else 0.0,
            )
            for score, page, title in ranked[: max(limit, 0)]
        ]

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
        text = " ".join([objective or "", *queries])
        matches = self.match(
            text, limit=max_results, include_domains=include_domains, exclude_domains=exclude_domains
        )
        return [
            Hit(
                m.page.url,
                m.page.title,
                _fit([body for body, _ in m.passages], max_chars_per_result),
                m.page.publish_date,
                m.score,
            )
            for m in matches
        ]

    def passages(self, text: str, *, limit: int = 5, max_chars: int = 600) -> list[tuple[Page, str, float]]:
        """The best passages across the corpus for free ``text``: ``(page, passage, score)``, best first (ties
        by page URL, then reading order), each passage at most ``max_chars`` long, no passage text twice. An
        empty list means nothing matches (or ``text`` has no words)."""
        scores, _, _ = self._scored(terms(text), None)
        rows = [(self._rows[rowid - 1], score, rowid) for rowid, score in scores.items()]
        rows.sort(key=lambda row: (-row[1], self._pages[row[0][0]].url, row[2]))
        return [
            (self._pages[page], truncate(body, max_chars), round(score, 6))
            for (page, body), score, _ in rows[: max(limit, 0)]
        ]


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
