"""ParallelSearchReader and ParallelTaskReader against the emulator: documents, metadata, ids, async paths,
ingestion into an index and re-ingestion through a pipeline with a docstore."""

from __future__ import annotations

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode
from llama_index.core.storage.docstore import SimpleDocumentStore
from llama_index.core.vector_stores import SimpleVectorStore

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelValidationError
from parallel_integrations.llama_index import ParallelSearchReader

SEARCH_KEYS = {"source", "url", "title", "publish_date", "rank", "search_id", "query"}


def test_search_reader_gives_one_document_per_result(emulator):
    documents = ParallelSearchReader(max_results=4).load_data("how do decorators work")
    assert len(documents) == 4
    assert [d.metadata["rank"] for d in documents] == [1, 2, 3, 4]
    for document in documents:
        assert set(document.metadata) == SEARCH_KEYS
        assert all(v is None or isinstance(v, str | int | float) for v in document.metadata.values())
        assert document.id_ == document.metadata["url"]
        assert document.metadata["url"].startswith("https://docs.python.org/")
        assert document.metadata["query"] == "how do decorators work"
        assert document.text.strip()
    assert len({d.metadata["search_id"] for d in documents}) == 1


def test_search_metadata_left_out_of_embeddings_and_llm(emulator):
    document = ParallelSearchReader(max_results=1).load_data("the with statement")[0]
    embedded = document.get_content(MetadataMode.EMBED)
    for_llm = document.get_content(MetadataMode.LLM)
    assert document.metadata["title"] in embedded
    assert document.metadata["url"] not in embedded
    assert document.metadata["search_id"] not in embedded
    assert document.metadata["url"] in for_llm
    assert document.metadata["search_id"] not in for_llm


def test_search_reader_settings_and_per_call_override(recorded):
    client, recorder = recorded
    policy = {"exclude_domains": ["x.org"]}
    reader = ParallelSearchReader(client=client, max_results=2, max_chars_per_result=300, source_policy=policy)
    assert len(reader.load_data(search_queries=["generator", "yield"])) == 2
    assert len(reader.load_data("generators", max_results=5)) == 5
    body = recorder.bodies[-1]
    assert body["max_results"] == 5
    assert body["max_chars_per_result"] == 300
    assert body["source_policy"] == {"exclude_domains": ["x.org"]}


def test_search_queries_and_objective_both_reach_the_api(recorded):
    client, recorder = recorded
    ParallelSearchReader(client=client, max_results=1).load_data("decorators", search_queries="functools.wraps")
    body = recorder.bodies[-1]
    assert body["objective"] == "decorators"
    assert body["search_queries"] == ["functools.wraps"]  # one string is one query, never split


def test_lazy_loading_checks_at_once_and_searches_on_first_use(emulator):
    reader = ParallelSearchReader(max_results=2)
    lazy = reader.lazy_load_data("lambda expressions")
    assert emulator.requests() == []
    assert len(list(lazy)) == 2
    assert len(emulator.requests()) == 1
    with pytest.raises(ParallelValidationError, match="objective"):
        reader.lazy_load_data(objective=["not", "a", "string"])
    with pytest.raises(ParallelValidationError, match="max_results"):
        reader.alazy_load_data("lambda", max_results="2")


async def test_async_loading_uses_the_async_client(emulator, refusing_sync_client):
    sync_client, transport = refusing_sync_client
    reader = ParallelSearchReader(client=sync_client, async_client=AsyncParallelClient(), max_results=3)
    documents = await reader.aload_data("the import system")
    streamed = [d async for d in reader.alazy_load_data(search_queries=["import"])]
    assert len(documents) == 3
    assert len(streamed) == 3
    assert transport.calls == 0


async def test_async_with_only_a_sync_client_runs_it_in_a_thread(emulator):
    with ParallelClient() as client:
        documents = await ParallelSearchReader(client=client, max_results=2).aload_data("exceptions")
    assert len(documents) == 2


def test_sync_with_only_an_async_client_is_refused_clearly(emulator):
    reader = ParallelSearchReader(async_client=AsyncParallelClient())
    with pytest.raises(ParallelValidationError, match="client"):
        reader.load_data("exceptions")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"objective": 3}, "objective"),
        ({"objective": "x", "max_results": "3"}, "max_results"),
        ({"objective": "x", "max_results": True}, "max_results"),
        ({"objective": "x", "search_queries": ["ok", 5]}, "search_queries[1]"),
        ({"objective": "x", "search_queries": {"a": 1}}, "search_queries"),
        ({"objective": "x", "max_results": 100}, "max_results"),
    ],
)
def test_bad_arguments_are_refused_before_sending(emulator, kwargs, field):
    reader = ParallelSearchReader()
    with pytest.raises(ParallelValidationError) as caught:
        reader.load_data(**kwargs)
    assert caught.value.field == field
    assert emulator.requests() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_results": "5"}, "max_results"),
        ({"processor": 1}, "processor"),
        ({"source_policy": ["x.org"]}, "source_policy"),
        ({"client": "not a client"}, "client"),
        ({"async_client": ParallelClient("k")}, "async_client"),
        ({"api_key": 123}, "api_key"),
    ],
)
def test_bad_settings_are_refused_at_construction(kwargs, field):
    with pytest.raises(ParallelValidationError) as caught:
        ParallelSearchReader(**kwargs)
    assert caught.value.field == field


def test_a_misspelt_setting_is_refused():
    with pytest.raises(ParallelValidationError) as caught:
        ParallelSearchReader(api_key="k", max_result=5)
    assert caught.value.field == "max_result"


def test_key_or_client_not_both():
    with pytest.raises(ParallelValidationError, match="not both"):
        ParallelSearchReader(api_key="k", client=ParallelClient("k"))


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("PARALLEL_API_KEY", raising=False)
    with pytest.raises(ParallelValidationError, match="PARALLEL_API_KEY"):
        ParallelSearchReader()


def test_serialised_reader_round_trips(emulator):
    reader = ParallelSearchReader(max_results=2, processor="base")
    again = ParallelSearchReader.from_dict(reader.to_dict())
    assert again.max_results == 2
    assert again.processor == "base"
    assert len(again.load_data("classes")) == 2


def test_ingested_search_results_answer_a_retrieval(emulator, mock_settings):
    documents = ParallelSearchReader(max_results=5).load_data("how do decorators work")
    index = VectorStoreIndex.from_documents(documents)
    retrieved = index.as_retriever(similarity_top_k=2).retrieve("decorators")
    assert len(retrieved) == 2
    urls = {d.metadata["url"] for d in documents}
    assert {node.node.metadata["url"] for node in retrieved} <= urls
    response = index.as_query_engine(similarity_top_k=2).query("decorators")
    assert response.source_nodes
    assert str(response)


def test_reingestion_with_a_docstore_replaces_instead_of_duplicating(emulator):
    reader = ParallelSearchReader(max_results=4)
    docstore, vector_store = SimpleDocumentStore(), SimpleVectorStore()
    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(chunk_size=1024), MockEmbedding(embed_dim=8)],
        docstore=docstore,
        vector_store=vector_store,
    )
    first = reader.load_data("how do decorators work")
    pipeline.run(documents=first)
    nodes_after_first = len(vector_store.data.embedding_dict)
    assert len(docstore.docs) == 4
    assert nodes_after_first >= 4
    # The same search again: a new search id (so new hashes), the same URLs, so the same documents.
    again = reader.load_data("how do decorators work")
    assert {d.id_ for d in again} == {d.id_ for d in first}
    assert {d.hash for d in again}.isdisjoint({d.hash for d in first})
    pipeline.run(documents=again)
    assert len(docstore.docs) == 4
    assert len(vector_store.data.embedding_dict) == nodes_after_first
    assert {docstore.get_document_hash(d.id_) for d in again} == {d.hash for d in again}
