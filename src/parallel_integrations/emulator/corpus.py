"""The emulator's search corpus: pages indexed by passage in an in-memory SQLite FTS5 table, ranked by BM25."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Corpus", "Hit", "Page"]


@dataclass(frozen=True, slots=True)
class Page:
    """One document of the corpus: where it lives, its title and its plain text."""

    url: str
    title: str
    text: str
    publish_date: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: a page with its best-matching excerpts, best first. ``score`` is higher for better."""

    url: str
    title: str
    excerpts: list[str]
    publish_date: str | None
    score: float


class Corpus:
    """A searchable set of pages (placeholder body; the indexed version follows)."""

    def __init__(self, pages: Iterable[Page]) -> None:
        self._pages = list(pages)

    @classmethod
    def default(cls) -> Corpus:
        """The Python language reference topics shipped with CPython (``pydoc_data.topics``), built once."""
        from pydoc_data.topics import topics

        return cls(Page(f"https://docs.python.org/3/#{k}", k, v) for k, v in sorted(topics.items()))

    @classmethod
    def from_pages(cls, pages: Iterable[Page]) -> Corpus:
        """A corpus of the given pages."""
        return cls(pages)

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> Corpus:
        """A corpus from a folder of .md/.txt/.html files (recursive) or a .jsonl file of page records."""
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._pages)

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
        """Pages matching the objective and queries, best first, each with excerpts totalling at most
        ``max_chars_per_result`` characters."""
        words = {w.lower() for w in " ".join([objective or "", *queries]).split()}
        hits = []
        for page in self._pages:
            score = sum(page.text.lower().count(w) for w in words)
            if score:
                hits.append(Hit(page.url, page.title, [page.text[:max_chars_per_result]], page.publish_date, score))
        hits.sort(key=lambda h: (-h.score, h.url))
        return hits[:max_results]

    def passages(self, text: str, *, limit: int = 5, max_chars: int = 600) -> list[tuple[Page, str, float]]:
        """The best passages across the corpus for free ``text``: (page, passage, score), best first."""
        hits = self.search(objective=text, max_results=limit, max_chars_per_result=max_chars)
        by_url = {p.url: p for p in self._pages}
        return [(by_url[h.url], h.excerpts[0], h.score) for h in hits]
