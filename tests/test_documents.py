"""The framework-free documents and the text a model reads: one metadata table for both adapters."""

from __future__ import annotations

import re

import pytest

from parallel_integrations import SearchResponse, TaskRunResult
from parallel_integrations.documents import (
    DocumentParts,
    citation_documents,
    render_search,
    render_task_result,
    search_documents,
)

FLAT = (str, int, float, type(None))


def search_response(count: int = 3, excerpt: str = "word ", repeat: int = 50) -> SearchResponse:
    return SearchResponse.model_validate(
        {
            "search_id": "search_1",
            "results": [
                {
                    "url": f"https://example.org/{n}",
                    "title": f"Page {n}",
                    "publish_date": "2024-05-01" if n == 1 else None,
                    "excerpts": [excerpt * repeat, f"second excerpt of {n}"],
                }
                for n in range(1, count + 1)
            ],
        }
    )


def json_result() -> TaskRunResult:
    return TaskRunResult.model_validate(
        {
            "run": {"run_id": "trun_1", "status": "completed", "is_active": False, "processor": "base"},
            "output": {
                "type": "json",
                "content": {"keyword": "with", "versions": ["2.5", "2.6"], "note": None},
                "basis": [
                    {
                        "field": "keyword",
                        "reasoning": "The page names it.",
                        "confidence": "high",
                        "citations": [
                            {"url": "https://a.example/with", "title": "With", "excerpts": ["The with statement"]},
                            {"url": "https://b.example/pep", "title": None, "excerpts": None},
                        ],
                    },
                    {
                        "field": "versions",
                        "reasoning": "",
                        "confidence": "low",
                        "citations": [{"url": "https://a.example/with", "title": "With", "excerpts": ["2.5"]}],
                    },
                ],
            },
        }
    )


def test_search_documents_follow_the_metadata_table() -> None:
    docs = search_documents(search_response(), query="context managers")
    assert [d.id for d in docs] == [f"https://example.org/{n}" for n in (1, 2, 3)]
    first = docs[0]
    assert first.metadata == {
        "source": "https://example.org/1",
        "url": "https://example.org/1",
        "title": "Page 1",
        "publish_date": "2024-05-01",
        "rank": 1,
        "search_id": "search_1",
        "query": "context managers",
    }
    assert first.text.endswith("\n\nsecond excerpt of 1")
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3]
    assert all(isinstance(v, FLAT) for d in docs for v in d.metadata.values())


def test_citation_documents_one_per_citation_with_field_and_confidence() -> None:
    docs = citation_documents(json_result())
    assert [(d.metadata["field"], d.metadata["url"]) for d in docs] == [
        ("keyword", "https://a.example/with"),
        ("keyword", "https://b.example/pep"),
        ("versions", "https://a.example/with"),
    ]
    assert docs[0].text == "The with statement"
    assert docs[1].text == "https://b.example/pep"  # no excerpts, no title: the URL, never an empty text
    assert docs[0].metadata["reasoning"] == "The page names it."
    assert docs[2].metadata["reasoning"] is None
    assert docs[2].metadata["confidence"] == "low"
    assert {d.metadata["run_id"] for d in docs} == {"trun_1"}
    assert {d.metadata["processor"] for d in docs} == {"base"}
    # Stable and distinct: the same run, field and URL always give the same id.
    assert len({d.id for d in docs}) == 3
    assert [d.id for d in citation_documents(json_result())] == [d.id for d in docs]
    assert all(isinstance(v, FLAT) for d in docs for v in d.metadata.values())


def test_document_parts_are_immutable() -> None:
    doc = DocumentParts(id="x", text="t")
    with pytest.raises(AttributeError):
        doc.text = "other"  # type: ignore[misc]


def test_render_search_numbers_sources_with_urls() -> None:
    text = render_search(search_response(count=2, repeat=2))
    assert text.startswith("[1] Page 1\nURL: https://example.org/1\nPublished: 2024-05-01\n")
    assert "[2] Page 2\nURL: https://example.org/2\n" in text
    assert "left out" not in text


@pytest.mark.parametrize("budget", [300, 800, 2_000, 6_000])
def test_render_search_stays_within_budget_and_keeps_every_url_it_can(budget: int) -> None:
    text = render_search(search_response(count=10), max_chars=budget)
    assert len(text) <= budget
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\]", text, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    for n in numbers:
        assert f"URL: https://example.org/{n}\n" in text or text.endswith(f"URL: https://example.org/{n}")
    if len(numbers) < 10:
        assert f"({10 - len(numbers)} more results left out" in text


def test_render_search_empty() -> None:
    assert render_search(SearchResponse(search_id="s", results=[])) == "No results."


def test_render_task_result_cites_each_field() -> None:
    text = render_task_result(json_result())
    assert text.startswith("Answer (run trun_1):\n")
    assert "keyword: with [1][2] (confidence: high)" in text
    assert 'versions: ["2.5", "2.6"] [1] (confidence: low)' in text
    assert "note: null" in text
    sources = text.split("Sources:\n", 1)[1]
    assert sources.startswith("[1] With\nURL: https://a.example/with")
    assert "[2] https://b.example/pep\nURL: https://b.example/pep" in sources


def test_render_task_result_text_output_and_budget() -> None:
    result = TaskRunResult.model_validate(
        {
            "run": {"run_id": "trun_2", "status": "completed", "is_active": False},
            "output": {
                "type": "text",
                "content": "A long report. " * 500,
                "basis": [
                    {"field": "output", "citations": [{"url": f"https://s{n}.example", "excerpts": ["x" * 400]}]}
                    for n in range(5)
                ],
            },
        }
    )
    text = render_task_result(result, max_chars=1_500)
    assert len(text) <= 1_500
    assert "…" in text.split("Sources:")[0]
    assert "URL: https://s0.example" in text


def test_render_task_result_without_citations() -> None:
    result = TaskRunResult.model_validate(
        {
            "run": {"run_id": "trun_3", "status": "completed", "is_active": False},
            "output": {"type": "json", "content": {"a": 1}, "basis": []},
        }
    )
    assert render_task_result(result) == "Answer (run trun_3):\na: 1"
