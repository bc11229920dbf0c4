"""Search relevance on the default corpus: natural questions and the pages that answer them
(``relevance_set.json``, also measured by ``bench/bench_relevance.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parallel_integrations.emulator.corpus import Corpus

QUESTIONS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "relevance_set.json").read_text())
DOCS = "https://docs.python.org/3/"
TOP = 3
REQUIRED_SHARE = 0.8


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.default()


def _answered(corpus: Corpus, question: dict[str, Any]) -> bool:
    urls = [hit.url.removeprefix(DOCS) for hit in corpus.search(objective=question["question"], max_results=TOP)]
    return any(url in question["answers"] for url in urls)


def test_the_set_is_large_enough_and_points_at_pages_that_exist(corpus: Corpus) -> None:
    assert len(QUESTIONS) >= 40
    known = {page.url for page in corpus.pages}
    missing = [a for q in QUESTIONS for a in q["answers"] if DOCS + a not in known]
    assert not missing


def test_most_questions_have_an_answering_page_in_the_top_three(corpus: Corpus) -> None:
    missed = [q["question"] for q in QUESTIONS if not _answered(corpus, q)]
    share = 1 - len(missed) / len(QUESTIONS)
    assert share >= REQUIRED_SHARE, f"{share:.0%} answered; missed: {missed}"


@pytest.mark.parametrize(
    ("question", "url"),
    [
        ("asyncio event loop", "library/asyncio.html"),
        ("parse JSON from a string", "library/json.html"),
        ("run a shell command and capture its output", "library/subprocess.html"),
        ("the with statement", "reference/compound_stmts.html#with"),
    ],
)
def test_the_issue_examples_come_first(corpus: Corpus, question: str, url: str) -> None:
    assert corpus.search(objective=question, max_results=1)[0].url == DOCS + url


def test_excerpts_are_matching_prose_under_their_heading(corpus: Corpus) -> None:
    (hit,) = corpus.search(objective="the match statement", max_results=1)
    assert all("::=" not in excerpt for excerpt in hit.excerpts)
    assert any(excerpt.startswith("The match statement\n\n") for excerpt in hit.excerpts)
    (loop,) = corpus.search(objective="asyncio event loop", max_results=1, max_chars_per_result=400)
    heading, _, body = loop.excerpts[0].partition("\n\n")
    assert "loop" in heading.lower()
    assert "event_loop" in body.lower() or "event loop" in body.lower()


def test_standard_library_pages_are_titled_and_addressed_like_the_docs(corpus: Corpus) -> None:
    (page,) = [m.page for m in corpus.match("json decoder encoder", limit=5) if m.page.url.endswith("/json.html")]
    assert page.url == "https://docs.python.org/3/library/json.html"
    assert page.title.startswith("json")
    urls = {m.page.url for m in corpus.match("urlopen request", limit=10)}
    assert "https://docs.python.org/3/library/urllib.request.html" in urls
