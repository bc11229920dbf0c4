"""The emulator's search corpus: pages cut into passages of a few hundred characters, indexed in an in-memory
SQLite FTS5 table (Porter stemming, so ``decorators`` finds ``decorator``) and ranked from FTS5's BM25.

How a page is ranked for a query:

- Query words are all words but common English ones (:data:`STOPWORDS`), never a Python keyword: "with",
  "for", "try" name topics here. A corpus may also name its subject words (the default corpus: "python"),
  which every page is about, so a query ignores them unless nothing else is left.
- Each query word is scored on its own (``bm25()`` is a sum over words, so nothing is lost) and weighted by how
  few *pages* hold it, from 1 (one page) towards 0 (every page). BM25's own IDF counts passages; counting pages
  says which words tell pages apart: "statement" is on half the reference's pages, "decorators" on 7 of 78.
- A passage repeated on several pages (an overview page that includes whole sections) belongs to the most
  specific of them, the page with the fewest passages, so the page devoted to a subject keeps its text. A
  "See also" passage counts half: it points elsewhere.
- A page scores its best passage plus half its second and a quarter of its third, so a page that treats the
  subject at length beats one that mentions it once.
- The score grows by up to :data:`TITLE_BOOST` times with the share of the title's words the query names, each
  title word weighted by how rare it is among titles: "the for statement" names all of "The for statement",
  whose words are too common in the text for BM25 to single it out. Two query words written together count as
  a title word: "unit tests" names ``unittest``.

User text never reaches ``MATCH`` raw: every word is quoted. The default corpus is the documentation of the
running Python: the language reference shipped with CPython and every standard-library module as pydoc renders
it (:mod:`.stdlib`), each page with its docs.python.org URL.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from parallel_integrations._errors import ParallelValidationError
from parallel_integrations.emulator.documents import (
    DOCUMENT_SUFFIXES,
    STOPWORDS,
    Page,
    passages_of,
    read_document,
    read_jsonl,
    stem,
    terms,
    topic_pages,
    truncate,
)

__all__ = ["STOPWORDS", "Corpus", "Hit", "Page", "PageMatch", "stem", "terms", "truncate"]


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
    ``coverage``: the weighted share (0 to 1) of the query's words found on the page. ``headings``: the section
    heading of each passage that has one (``"class Path > Path.read_text(self)"``).
    """

    page: Page
    score: float
    passages: list[tuple[str, float]]
    sections: tuple[str, ...]
    title_match: float
    coverage: float
    headings: Mapping[str, str] = field(default_factory=dict)


def _quoted(word: str) -> str:
    # A quoted FTS5 string: no operator or column filter can come from user text.
    return '"' + word.replace('"', '""') + '"'


def _rounded(score: float) -> float:
    # Six significant digits: stable output, and still an order among the tiny scores FTS5 gives a word that
    # most passages hold (its IDF is clamped near zero).
    return float(f"{score:.6g}")


def _idf(holding: int, total: int) -> float:
    """BM25's IDF in the form that stays positive for a word found everywhere."""
    return math.log(1.0 + (total - holding + 0.5) / (holding + 0.5))


# Every page of the default corpus is about Python: "... in Python" asks nothing of it, yet "python" is on 33 of
# its 78 pages, as often as "statement", so no statistic can tell that it says nothing here.
SUBJECT_WORDS = ("python",)


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
_SPREAD_CACHE = 50_000
_DECAY = 0.5  # a page's 2nd and 3rd best passages add this share, then its square, of their score
_AGGREGATED = 3
_SEE_ALSO = re.compile(r"\s*see also\b", re.IGNORECASE)
_SEE_ALSO_SHARE = 0.5  # a "See also" list points elsewhere: it says less about its page than prose does
TITLE_BOOST = 1.5  # a page whose title the query names entirely scores this much more again


class Corpus:
    """A searchable set of pages, indexed by passage with BM25 (SQLite FTS5, in memory, thread-safe).

    Build one with :meth:`default`, :meth:`from_pages` or :meth:`from_path`; then :meth:`search` ranks pages
    for an objective and queries, :meth:`match` ranks pages with their passages for any text (used to write
    task outputs) and :meth:`passages` gives the best passages across pages. ``subject``: words that every page
    is about (a product's name, say), left out of queries unless nothing else is left.
    """

    _default: Corpus | None = None
    _reference: Corpus | None = None
    _default_lock = threading.Lock()

    def __init__(self, pages: Iterable[Page], *, subject: Iterable[str] = ()) -> None:
        self._pages = list(pages)
        self._subject = frozenset(word.lower() for word in subject)
        self._where = [_host_and_path(page.url) for page in self._pages]
        parts = [list(passages_of(page.title, page.text)) for page in self._pages]
        self._sections = [tuple(body for _, body in part) for part in parts]
        self._headings = [{body: heading for heading, body in part if heading} for part in parts]
        self._index = {page.url: index for index, page in enumerate(self._pages)}
        self._rows = [(index, body) for index, part in enumerate(parts) for _, body in part]  # at rowid - 1
        self._worth = [_SEE_ALSO_SHARE if _SEE_ALSO.match(body) else 1.0 for _, body in self._rows]
        # A repeated passage belongs to the page with fewest passages (then the first URL): the most specific.
        self._specificity = [(len(s), page.url) for s, page in zip(self._sections, self._pages, strict=True)]
        self._titles = [frozenset(stem(w) for w in terms(page.title)) for page in self._pages]
        titled: dict[str, int] = {}
        for words in self._titles:
            for word in words:
                titled[word] = titled.get(word, 0) + 1
        self._title_idf = {word: _idf(n, len(self._pages)) for word, n in titled.items()}
        self._spread: dict[str, int] = {}  # pages holding a word, as found by earlier queries
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(f"CREATE VIRTUAL TABLE passages USING fts5(title, heading, body, {_FTS})")
        rows = ((self._pages[index].title, heading, body) for index, part in enumerate(parts) for heading, body in part)
        with self._db:
            self._db.executemany("INSERT INTO passages (title, heading, body) VALUES (?, ?, ?)", rows)

    @classmethod
    def default(cls, cache: str | os.PathLike[str] | None = None) -> Corpus:
        """The Python documentation of the running interpreter: the language reference shipped with CPython
        (``pydoc_data.topics``, one page per topic titled like the docs, "Function definitions") and every
        standard-library module as pydoc renders it (``https://docs.python.org/3/library/<module>.html``).

        The module pages are built once into a cache (``cache``, else ``$PARALLEL_EMULATOR_CACHE``, else the
        user's cache folder; see :func:`.stdlib.cache_dir`), which the first build announces on stderr. The
        corpus is built once per process and shared (searching is thread-safe); the first call decides the
        cache."""
        with cls._default_lock:
            if Corpus._default is None:
                from .stdlib import cached_stdlib_pages

                Corpus._default = cls([*topic_pages(), *cached_stdlib_pages(cache)], subject=SUBJECT_WORDS)
            return Corpus._default

    @classmethod
    def reference(cls) -> Corpus:
        """The Python language reference alone (no standard-library pages): small, and built in a blink."""
        with cls._default_lock:
            if Corpus._reference is None:
                Corpus._reference = cls(topic_pages(), subject=SUBJECT_WORDS)
            return Corpus._reference

    @classmethod
    def from_pages(cls, pages: Iterable[Page], *, subject: Iterable[str] = ()) -> Corpus:
        """A corpus of the given pages (their text may use Markdown headings); ``subject`` as in the class."""
        return cls(pages, subject=subject)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, subject: Iterable[str] = ()) -> Corpus:
        """A corpus read from disk: a ``.jsonl`` file of ``{"url", "title", "text", "publish_date"?}``
        records, or a folder searched recursively for .md/.markdown/.txt/.html/.htm files (or one such file).

        A document's URL is its ``file://`` path unless it starts with front matter such as
        ``---\\nurl: https://...\\ntitle: ...\\n---``; its title is the front-matter title, else the HTML
        ``<title>``, else the first heading, else the file name. Raises ``FileNotFoundError`` for a missing
        path and :class:`ParallelValidationError` for a bad JSONL line or a folder holding no document.
        ``subject`` as in the class.
        """
        root = Path(path)
        if not root.exists():
            raise FileNotFoundError(f"corpus path does not exist: {root}")
        if root.is_file() and root.suffix.lower() == ".jsonl":
            return cls(read_jsonl(root), subject=subject)
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        documents = [p for p in files if p.suffix.lower() in DOCUMENT_SUFFIXES]
        if not documents:
            raise ParallelValidationError("path", f"no {'/'.join(DOCUMENT_SUFFIXES)} file in {root}")
        return cls((read_document(p) for p in documents), subject=subject)

    def __len__(self) -> int:
        return len(self._pages)

    @property
    def pages(self) -> tuple[Page, ...]:
        """Every page, in the order given."""
        return tuple(self._pages)

    def __repr__(self) -> str:
        return f"Corpus({len(self)} pages)"

    def _words(self, text: str) -> list[str]:
        """The search words of ``text``, without the words that name the corpus's own subject (unless
        nothing else is left)."""
        words = terms(text)
        return [w for w in words if w not in self._subject] or words

    def _word_rows(self, word: str) -> list[tuple[int, float]]:
        sql = f"SELECT rowid, -bm25(passages, {_WEIGHTS}) FROM passages WHERE passages MATCH ?"
        sql += f" ORDER BY 2 DESC LIMIT {_ROW_LIMIT}"
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
            self._remember(word, len(pages))
            weight = self._weight(len(pages))
            # A word on no page is the most telling of all: the corpus does not cover it. It counts fully
            # against coverage, so an input the corpus hardly knows never looks well covered.
            total += weight if pages else 1.0
            for page in pages:
                found[page] = found.get(page, 0.0) + weight
            for rowid, score in rows:
                if keep is None or self._rows[rowid - 1][0] in keep:
                    gained = weight * max(float(score), 1e-12) * self._worth[rowid - 1]
                    scores[rowid] = scores.get(rowid, 0.0) + gained
        owner: dict[str, int] = {}
        for rowid in scores:
            body = self._rows[rowid - 1][1]
            mine = owner.setdefault(body, rowid)
            if self._specificity[self._rows[rowid - 1][0]] < self._specificity[self._rows[mine - 1][0]]:
                owner[body] = rowid
        kept = set(owner.values())
        return {rowid: score for rowid, score in scores.items() if rowid in kept}, found, total

    def _remember(self, word: str, pages: int) -> None:
        if len(self._spread) >= _SPREAD_CACHE:  # user text can hold any number of distinct words
            self._spread.clear()
        self._spread[word] = pages

    def _weight(self, pages: int) -> float:
        return _idf(pages, len(self._pages)) / _idf(1, len(self._pages)) if pages else 0.0

    def weights(self, text: str) -> dict[str, float]:
        """How much each search word of ``text`` (see :func:`terms`; subject words left out) tells pages apart:
        from 1 (a word on one page) down towards 0 (a word on every page); 0 for a word on no page."""
        weights = {}
        for word in self._words(text):
            pages = self._spread.get(word)
            if pages is None:
                pages = len({self._rows[rowid - 1][0] for rowid, _ in self._word_rows(word)})
                self._remember(word, pages)
            weights[word] = self._weight(pages)
        return weights

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
        words = self._words(text)
        scores, found, total = self._scored(words, self._allowed(include_domains, exclude_domains))
        by_page: dict[int, list[tuple[float, int]]] = {}
        for rowid, score in scores.items():
            by_page.setdefault(self._rows[rowid - 1][0], []).append((score, rowid))
        stems = {stem(w) for w in words}
        stems |= {stem(a) + stem(b) for a, b in itertools.pairwise(words)}  # "unit tests" names "unittest"
        ranked = []
        for page, rows in by_page.items():
            rows.sort(key=lambda row: (-row[0], row[1]))
            body = sum(score * _DECAY**i for i, (score, _) in enumerate(rows[:_AGGREGATED]))
            title = self._title_match(page, stems)
            ranked.append((_rounded(body * (1.0 + TITLE_BOOST * title)), page, title))
        ranked.sort(key=lambda item: (-item[0], self._pages[item[1]].url))
        return [
            PageMatch(
                self._pages[page],
                score,
                [(self._rows[rowid - 1][1], _rounded(s)) for s, rowid in by_page[page]],
                self._sections[page],
                round(title, 6),
                round(min(found.get(page, 0.0) / total, 1.0), 6) if total else 0.0,
                self._headings[page],
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

        Each hit carries its best passages, best first, each under its section heading (grammar productions
        left out, unless a passage is nothing else), together at most ``max_chars_per_result`` characters (the
        last cut on a word boundary, ending ``" ..."``), at least one. The API's results carry no score, only
        their order; :attr:`Hit.score` is for Python callers. ``include_domains`` keeps pages on those domains
        (``python.org`` covers ``docs.python.org``; ``.gov`` and ``docs.python.org/3/library`` work);
        ``exclude_domains`` drops them, ignored when ``include_domains`` is given; ``file://`` pages have no
        domain. ``[]`` means nothing matched. Raises :class:`ParallelValidationError` for no objective and no
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
        matches = self.match(text, limit=max_results, include_domains=include_domains, exclude_domains=exclude_domains)
        return [
            Hit(
                m.page.url,
                m.page.title,
                _fit(_excerpts(m.passages, self._headings[self._index[m.page.url]]), max_chars_per_result),
                m.page.publish_date,
                m.score,
            )
            for m in matches
        ]

    def passages(self, text: str, *, limit: int = 5, max_chars: int = 600) -> list[tuple[Page, str, float]]:
        """The best passages across the corpus for free ``text``: ``(page, passage, score)``, best first (ties
        by page URL, then reading order), each passage at most ``max_chars`` long, no passage text twice. An
        empty list means nothing matches (or ``text`` has no words)."""
        scores, _, _ = self._scored(self._words(text), None)
        rows = [(self._rows[rowid - 1], score, rowid) for rowid, score in scores.items()]
        rows.sort(key=lambda row: (-row[1], self._pages[row[0][0]].url, row[2]))
        return [
            (self._pages[page], truncate(body, max_chars), _rounded(score))
            for (page, body), score, _ in rows[: max(limit, 0)]
        ]


_GRAMMAR = "::="


def without_grammar(body: str) -> str:
    """A passage without its grammar productions (``a ::= b`` blocks): they share words with a query more
    often than they answer it. Empty when the passage is nothing else."""
    return "\n\n".join(block for block in body.split("\n\n") if _GRAMMAR not in block).strip()


def _excerpts(passages: Sequence[tuple[str, float]], headings: dict[str, str]) -> list[str]:
    """A page's matching passages as excerpts, best first: each under its section heading when it has one,
    grammar productions left out (a passage that is only grammar goes last, whole)."""
    prose, grammar = [], []
    for body, _ in passages:
        text = without_grammar(body)
        heading = headings.get(body, "").rsplit(" > ", 1)[-1]
        if text:
            prose.append(f"{heading}\n\n{text}" if heading else text)
        else:
            grammar.append(body)
    return prose + grammar


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
