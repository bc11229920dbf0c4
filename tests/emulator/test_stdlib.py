"""Standard-library pages: pydoc's text as Markdown, the module list, and the build cache."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from parallel_integrations.emulator import stdlib
from parallel_integrations.emulator.documents import Page, passages_of, sentences

PYDOC = """Python Library Documentation: module shelf

NAME
    shelf - Keep books on a shelf.

MODULE REFERENCE
    https://docs.python.org/3.11/library/shelf.html

DESCRIPTION
    A shelf holds books in order.

    Example::

        >>> Shelf().add("Dune")

CLASSES
    builtins.object
        Shelf

    class Shelf(builtins.object)
     |  Shelf(size=10)
     |
     |  A row of books.
     |
     |  Methods defined here:
     |
     |  __init__(self, size=10)
     |      Initialize self.  See help(type(self)) for accurate signature.
     |
     |  __repr__(self)
     |      Return repr(self).
     |
     |  add(self, title)
     |      Put a book on the shelf.
     |
     |      Raises ValueError when the shelf is full.
     |
     |  ----------------------------------------------------------------------
     |  Data descriptors defined here:
     |
     |  __dict__
     |      dictionary for instance variables (if defined)
     |
     |  ----------------------------------------------------------------------
     |  Methods inherited from Base:
     |
     |  dust(self)
     |      Remove the dust.

FUNCTIONS
    lend(book, *, days=14)
        Lend a book for some days.

DATA
    __all__ = ['Shelf', 'lend']

FILE
    /usr/lib/python3.11/shelf.py
"""


def test_pydoc_text_becomes_markdown_without_boilerplate() -> None:
    synopsis, markdown = stdlib.pydoc_markdown(PYDOC)
    assert synopsis == "Keep books on a shelf."
    assert "## class Shelf(builtins.object)" in markdown
    assert "### Shelf.add(self, title)\n\nPut a book on the shelf.\n\nRaises ValueError" in markdown
    assert "### lend(book, *, days=14)\n\nLend a book for some days." in markdown
    assert '    >>> Shelf().add("Dune")' in markdown  # code stays indented: verbatim
    for gone in ("dust", "__repr__", "__dict__", "__all__", "/usr/lib", "MODULE REFERENCE", "builtins.object\n"):
        assert gone not in markdown, gone
    assert "### Shelf.__init__(self, size=10)" in markdown


def test_docstrings_read_as_prose() -> None:
    _, markdown = stdlib.pydoc_markdown(PYDOC)
    headings = {heading for heading, _ in passages_of("shelf", markdown)}
    assert "class Shelf(builtins.object) > Shelf.add(self, title)" in headings
    prose = [text for _, body in passages_of("shelf", markdown) for is_prose, text in sentences(body) if is_prose]
    assert "Put a book on the shelf." in prose


def test_a_real_module_renders_at_its_docs_address() -> None:
    page = stdlib.render_module("json")
    assert page is not None
    assert page.url == "https://docs.python.org/3/library/json.html"
    assert page.title.startswith("json")
    assert "### loads(" in page.text
    assert stdlib.render_module("no_such_module_here") is None


def test_the_module_list_covers_packages_but_not_tests_or_side_effects() -> None:
    names = stdlib.module_names()
    assert {"json", "asyncio", "pathlib", "os.path", "urllib.request", "concurrent.futures"} <= set(names)
    assert not {"antigravity", "this", "test", "idlelib"} & set(names)
    assert not [n for n in names if any(part.startswith("_") for part in n.split("."))]


def test_the_cache_is_built_once_and_announced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[int] = []

    def fake_build(workers: int | None = None) -> list[Page]:
        built.append(1)
        return [Page("https://docs.python.org/3/library/shelf.html", "shelf", "# shelf\n\nBooks.")]

    monkeypatch.setattr(stdlib, "stdlib_pages", fake_build)
    first = stdlib.cached_stdlib_pages(tmp_path / "cache")
    assert "building the search corpus" in capsys.readouterr().err
    again = stdlib.cached_stdlib_pages(tmp_path / "cache")
    assert capsys.readouterr().err == ""
    assert first == again
    assert built == [1]
    monkeypatch.setenv(stdlib.CACHE_ENV, str(tmp_path / "cache"))
    assert stdlib.cache_dir() == tmp_path / "cache"
    assert stdlib.cached_stdlib_pages() == first
    assert built == [1]


def test_an_unwritable_cache_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(stdlib, "stdlib_pages", lambda workers=None: [Page("u", "t", "x")])
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert stdlib.cached_stdlib_pages(blocker / "cache") == [Page("u", "t", "x")]
    assert "not cached" in capsys.readouterr().err


def test_the_command_line_reads_the_cache_it_is_given(tmp_path: Path) -> None:
    from tests.emulator.test_server import start_cli, stop_cli

    page = {"url": "https://docs.python.org/3/library/zebra.html", "title": "zebra", "text": "Zebras graze."}
    stdlib._cache_file(tmp_path).write_text(json.dumps(page) + "\n")
    process, base_url = start_cli("--corpus-cache", str(tmp_path))
    try:
        answer = httpx.post(f"{base_url}/v1/search", json={"search_queries": ["zebras"]}, headers={"x-api-key": "k"})
    finally:
        stderr = stop_cli(process)
    assert [result["url"] for result in answer.json()["results"]] == [page["url"]]
    assert "building" not in stderr
