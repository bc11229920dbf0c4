"""Per-field basis on task outputs: look-ups by name and dot path, confidence, and citation iteration."""

from __future__ import annotations

import pytest

from parallel_integrations import TaskRunResult

RESULT = {
    "run": {"run_id": "trun_" + "e" * 32, "status": "completed", "is_active": False, "processor": "core"},
    "output": {
        "type": "json",
        "content": {
            "company": "Acme",
            "executives": [{"name": "Ada", "role": "CEO"}, {"name": "Bob", "role": "CTO"}],
            "revenue": None,
        },
        "basis": [
            {
                "field": "company",
                "reasoning": "named on the home page",
                "confidence": "high",
                "citations": [{"url": "https://acme.test/", "title": "Acme", "excerpts": ["Acme Inc."]}],
            },
            {
                "field": "executives",
                "reasoning": "team page",
                "confidence": "medium",
                "citations": [{"url": "https://acme.test/team", "title": "Team", "excerpts": None}],
            },
            {
                "field": "executives.1",
                "reasoning": "press release",
                "confidence": "low",
                "citations": [
                    {"url": "https://news.test/bob", "title": None, "excerpts": ["Bob joins"]},
                    {"url": "https://acme.test/team", "title": "Team", "excerpts": []},
                ],
            },
            {"field": "revenue", "reasoning": "not found", "confidence": "", "citations": None},
        ],
    },
}


@pytest.fixture
def result() -> TaskRunResult:
    return TaskRunResult.model_validate(RESULT)


def test_basis_by_field_name(result: TaskRunResult) -> None:
    assert result.output.basis_for("company").reasoning == "named on the home page"
    assert result.output.confidence_of("company") == "high"
    assert [c.url for c in result.output.citations_for("company")] == ["https://acme.test/"]


def test_basis_by_dot_path_exact_and_nearest_parent(result: TaskRunResult) -> None:
    assert result.output.basis_for("executives.1").confidence == "low"
    assert result.output.basis_for("executives.1.name").field == "executives.1"
    assert result.output.basis_for("executives.0.name").field == "executives"


def test_unknown_field_names_the_fields_that_have_a_basis(result: TaskRunResult) -> None:
    with pytest.raises(KeyError, match="company"):
        result.output.basis_for("ceo")


def test_empty_confidence_reads_as_none(result: TaskRunResult) -> None:
    assert result.output.confidence_of("revenue") is None
    assert result.output.citations_for("revenue") == []


def test_low_confidence_fields(result: TaskRunResult) -> None:
    assert result.output.low_confidence_fields() == ["executives.1"]
    assert result.output.low_confidence_fields(below="high") == ["executives", "executives.1"]


def test_every_citation_with_its_field(result: TaskRunResult) -> None:
    pairs = [(field, c.url) for field, c in result.output.iter_citations()]
    assert pairs == [
        ("company", "https://acme.test/"),
        ("executives", "https://acme.test/team"),
        ("executives.1", "https://news.test/bob"),
        ("executives.1", "https://acme.test/team"),
    ]


def test_text_output_exposes_its_single_basis() -> None:
    text = TaskRunResult.model_validate(
        {
            "run": RESULT["run"],
            "output": {
                "type": "text",
                "content": "Acme is led by Ada [1].",
                "basis": [
                    {
                        "field": "output",
                        "reasoning": "summary",
                        "confidence": "medium",
                        "citations": [{"url": "https://acme.test/team"}],
                    }
                ],
            },
        }
    )
    assert text.output.basis_for("output").confidence == "medium"
    assert [field for field, _ in text.output.iter_citations()] == ["output"]


def test_json_content_sent_as_a_string_is_parsed() -> None:
    data = {"run": RESULT["run"], "output": {"type": "json", "content": '{"company": "Acme"}', "basis": []}}
    assert TaskRunResult.model_validate(data).output.content == {"company": "Acme"}


def test_task_spec_schema_type_defaults_by_shape() -> None:
    from parallel_integrations import JsonSchema, TaskSpec, TextSchema

    spec = TaskSpec.model_validate(
        {
            "output_schema": {"json_schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
            "input_schema": {"description": "a company name"},
        }
    )
    assert isinstance(spec.output_schema, JsonSchema)
    assert isinstance(spec.input_schema, TextSchema)
