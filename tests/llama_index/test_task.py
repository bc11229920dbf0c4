"""ParallelTaskReader and ParallelQueryEngine against the emulator: citation documents, cited responses,
PydanticResponse with no LLM configured, instrumentation events, async paths."""

from __future__ import annotations

import json

import pytest
from llama_index.core.base.response.schema import PydanticResponse, Response
from llama_index.core.instrumentation.events.query import QueryEndEvent, QueryStartEvent
from pydantic import BaseModel, Field

from parallel_integrations import AsyncParallelClient, OutputValidationError, ParallelValidationError
from parallel_integrations.llama_index import ParallelQueryEngine, ParallelTaskReader

CITATION_KEYS = {"source", "url", "title", "field", "reasoning", "confidence", "run_id", "processor"}
QUESTION = "What does the with statement do?"


class Statement(BaseModel):
    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


# --- reader -----------------------------------------------------------------------------------------------------


def test_task_reader_documents_carry_field_confidence_and_url(emulator):
    documents = ParallelTaskReader(processor="lite", output=Statement).load_data(QUESTION)
    answer, citations = documents[0], documents[1:]
    assert json.loads(answer.text).keys() == {"keyword", "summary"}
    assert answer.metadata["run_id"].startswith("trun_")
    assert answer.metadata["query"] == QUESTION
    assert citations
    for document in citations:
        assert set(document.metadata) == CITATION_KEYS
        assert document.metadata["field"] in ("keyword", "summary")
        assert document.metadata["confidence"] in ("high", "medium", "low")
        assert document.metadata["url"].startswith("https://docs.python.org/")
        assert document.metadata["run_id"] == answer.metadata["run_id"]
        assert document.metadata["processor"] == "lite"
        assert document.text.strip()
        assert all(v is None or isinstance(v, str | int | float) for v in document.metadata.values())
    assert len({d.id_ for d in documents}) == len(documents)
    assert {d.metadata["field"] for d in citations} == {"keyword", "summary"}


SCHEMA = {"type": "object", "properties": {"keyword": {"type": "string"}, "summary": {"type": "string"}}}
ANSWER = {"keyword": "with", "summary": "wraps a block in a context manager"}
BASIS = [
    {
        "field": "keyword",
        "reasoning": "the grammar names it",
        "confidence": "high",
        "citations": [{"url": "https://docs.python.org/3/reference/compound_stmts.html#with", "excerpts": ["with"]}],
    },
    {
        "field": "summary",
        "reasoning": "the reference says so",
        "confidence": "low",
        "citations": [
            {"url": "https://docs.python.org/3/reference/compound_stmts.html#with", "title": "The with statement"},
            {"url": "https://docs.python.org/3/reference/datamodel.html#context-managers", "excerpts": ["enter"]},
        ],
    },
]


def test_scripted_basis_becomes_one_document_per_citation(emulator):
    emulator.script_output(QUESTION, ANSWER, basis=BASIS)
    documents = ParallelTaskReader(processor="lite", output=SCHEMA).load_data(QUESTION)
    assert json.loads(documents[0].text) == ANSWER
    assert [(d.metadata["field"], d.metadata["confidence"], d.metadata["url"]) for d in documents[1:]] == [
        ("keyword", "high", "https://docs.python.org/3/reference/compound_stmts.html#with"),
        ("summary", "low", "https://docs.python.org/3/reference/compound_stmts.html#with"),
        ("summary", "low", "https://docs.python.org/3/reference/datamodel.html#context-managers"),
    ]
    assert documents[2].text == "The with statement"  # no excerpts: the title, so no document is empty
    assert documents[1].metadata["reasoning"] == "the grammar names it"


def test_answer_on_the_first_citation_by_setting(emulator):
    emulator.script_output(QUESTION, ANSWER, basis=BASIS)
    documents = ParallelTaskReader(processor="lite", output=SCHEMA, answer_as="metadata").load_data(QUESTION)
    assert len(documents) == 3
    assert all("field" in d.metadata for d in documents)  # no separate answer document
    assert json.loads(documents[0].metadata["answer"]) == ANSWER
    assert "answer" in documents[0].excluded_embed_metadata_keys
    assert all("answer" not in d.metadata for d in documents[1:])


def test_answer_stays_a_document_when_nothing_is_cited(emulator):
    emulator.script_output(QUESTION, ANSWER, basis=[])
    documents = ParallelTaskReader(processor="lite", output=SCHEMA, answer_as="metadata").load_data(QUESTION)
    assert len(documents) == 1
    assert json.loads(documents[0].text) == ANSWER


async def test_task_reader_async_uses_the_async_client(emulator, refusing_sync_client):
    sync_client, transport = refusing_sync_client
    reader = ParallelTaskReader(processor="lite", client=sync_client, async_client=AsyncParallelClient())
    documents = await reader.aload_data(QUESTION)
    assert len(documents) >= 2
    assert [d async for d in reader.alazy_load_data("the for statement")]
    assert transport.calls == 0


def test_structured_input_is_kept_as_json_in_the_answer_metadata(emulator):
    reader = ParallelTaskReader(processor="lite", timeout=60)
    answer = reader.load_data({"statement": "with", "language": "Python"})[0]
    assert json.loads(answer.metadata["query"]) == {"statement": "with", "language": "Python"}
    with pytest.raises(ParallelValidationError, match="input"):
        reader.load_data(42)
    with pytest.raises(ParallelValidationError, match="input"):
        reader.lazy_load_data(None)  # checked before the iterator is returned


def test_task_reader_serialises_without_a_class(emulator):
    reader = ParallelTaskReader(processor="lite", output=Statement, timeout=60)
    dumped = reader.to_dict()
    assert dumped["output"]["type"] == "object"
    assert set(dumped["output"]["properties"]) == {"keyword", "summary"}
    json.loads(reader.to_json())
    again = ParallelTaskReader.from_dict(dumped)
    assert json.loads(again.load_data(QUESTION)[0].text).keys() == {"keyword", "summary"}


BAD_TASK_SETTINGS = [
    ({"processor": 3}, "processor"),
    ({"processor": ""}, "processor"),
    ({"output": 42}, "output"),
    ({"timeout": "60"}, "timeout"),
    ({"timeout": -1}, "timeout"),
]


@pytest.mark.parametrize(("kwargs", "field"), [*BAD_TASK_SETTINGS, ({"answer_as": "first"}, "answer_as")])
def test_bad_reader_settings_are_refused_at_construction(kwargs, field):
    with pytest.raises(ParallelValidationError) as caught:
        ParallelTaskReader(api_key="k", **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(("kwargs", "field"), BAD_TASK_SETTINGS)
def test_bad_engine_settings_are_refused_at_construction(kwargs, field):
    with pytest.raises(ParallelValidationError) as caught:
        ParallelQueryEngine(api_key="k", **kwargs)
    assert caught.value.field == field


def test_a_schema_the_api_cannot_express_is_refused_at_construction():
    class Node(BaseModel):
        children: list[Node]

    with pytest.raises(ParallelValidationError, match="output"):
        ParallelQueryEngine(api_key="k", output=Node)


# --- query engine -------------------------------------------------------------------------------------------------


def test_query_engine_answers_with_cited_source_nodes(emulator, no_settings):
    engine = ParallelQueryEngine(processor="lite")
    response = engine.query(QUESTION)
    assert isinstance(response, Response)
    assert str(response).strip()
    assert response.source_nodes
    for node in response.source_nodes:
        assert node.node.metadata["url"].startswith("https://docs.python.org/")
        assert node.node.metadata["field"] == "output"
        assert node.score == {"high": 0.9, "medium": 0.6, "low": 0.3}[node.node.metadata["confidence"]]
    metadata = response.metadata
    assert metadata["run_id"].startswith("trun_")
    assert metadata["output_type"] == "text"
    assert [b["field"] for b in metadata["basis"]] == ["output"]
    cited = {c["url"] for b in metadata["basis"] for c in b["citations"]}
    assert cited == {n.node.metadata["url"] for n in response.source_nodes}


def test_query_engine_gives_a_pydantic_response_with_no_llm(emulator, no_settings):
    emulator.script_output(QUESTION, ANSWER, basis=BASIS)
    response = ParallelQueryEngine(processor="lite", output=Statement).query(QUESTION)
    assert isinstance(response, PydanticResponse)
    assert isinstance(response.response, Statement)
    assert response.keyword == "with"
    assert response.metadata["content"] == ANSWER
    assert [b["field"] for b in response.metadata["basis"]] == ["keyword", "summary"]
    assert [(n.node.metadata["field"], n.score) for n in response.source_nodes] == [
        ("keyword", 0.9),
        ("summary", 0.3),
        ("summary", 0.3),
    ]


def test_query_engine_with_a_json_schema_answers_in_json(emulator, no_settings):
    schema = {"type": "object", "properties": {"keyword": {"type": "string"}}, "required": ["keyword"]}
    response = ParallelQueryEngine(processor="lite", output=schema).query(QUESTION)
    assert isinstance(response, Response)
    assert set(json.loads(str(response))) == {"keyword"}


async def test_aquery_uses_the_async_client(emulator, no_settings, refusing_sync_client):
    sync_client, transport = refusing_sync_client
    engine = ParallelQueryEngine(
        processor="lite", output=Statement, client=sync_client, async_client=AsyncParallelClient()
    )
    response = await engine.aquery(QUESTION)
    assert isinstance(response.response, Statement)
    assert response.source_nodes
    assert transport.calls == 0


def test_an_answer_that_does_not_fit_the_class_raises(emulator, no_settings):
    emulator.script_output(QUESTION, {"keyword": "with"})  # summary missing
    with pytest.raises(OutputValidationError):
        ParallelQueryEngine(processor="lite", output=Statement).query(QUESTION)


async def test_query_events_are_emitted_sync_and_async(emulator, no_settings, instrumented):
    collected, _ = instrumented
    engine = ParallelQueryEngine(processor="lite")
    response = engine.query(QUESTION)
    await engine.aquery(QUESTION)
    starts = [e for e in collected if isinstance(e, QueryStartEvent)]
    ends = [e for e in collected if isinstance(e, QueryEndEvent)]
    assert len(starts) == len(ends) == 2
    assert ends[0].response is response


def test_repr_shows_settings_not_the_key(emulator):
    text = repr(ParallelQueryEngine(processor="lite", output=Statement, api_key="sk-recognisable-0042"))
    assert "processor='lite'" in text
    assert "Statement" in text
    assert "sk-recognisable" not in text
