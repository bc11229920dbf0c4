"""Documents for the emulator's corpus: the :class:`Page` record, how a page's text is cut into passages, and the
readers that turn files (Markdown, text, HTML, JSONL) into pages.

Page text is "markdown-ish": Markdown ``#`` headings, underlined headings (reStructuredText, pydoc), fenced or
indented code kept verbatim, prose paragraphs unwrapped. Passages are a few hundred characters, cut at paragraph
and sentence ends, each with the headings of the sections that enclose it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from parallel_integrations._errors import ParallelValidationError

__all__ = [
    "DOCUMENT_SUFFIXES",
    "Page",
    "clean_title",
    "first_heading",
    "passages_of",
    "read_document",
    "read_jsonl",
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
