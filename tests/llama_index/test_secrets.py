"""The API key stays inside the clients: not in a repr, a dump, a serialised form, or an instrumentation event
or span of a run through every adapter."""

from __future__ import annotations

import pytest

from parallel_integrations.llama_index import (
    ParallelQueryEngine,
    ParallelSearchReader,
    ParallelSearchRetriever,
    ParallelTaskReader,
)

KEY = "sk-RECOGNISABLE-7c41e0"


@pytest.fixture
def keyed(emulator, monkeypatch):
    """The emulator's environment with a recognisable key (the emulator accepts any key)."""
    monkeypatch.setenv("PARALLEL_API_KEY", KEY)
    return emulator


@pytest.mark.parametrize("from_env", [True, False], ids=["env", "argument"])
def test_readers_never_serialise_the_key(keyed, from_env):
    key = {} if from_env else {"api_key": KEY}
    for reader in (ParallelSearchReader(max_results=2, **key), ParallelTaskReader(processor="lite", **key)):
        for text in (repr(reader), str(reader), str(reader.model_dump()), str(reader.to_dict()), reader.to_json()):
            assert KEY not in text
        assert reader.load_data("generators")  # the key did reach the clients


def test_retriever_and_engine_reprs_hide_the_key(keyed):
    for component in (ParallelSearchRetriever(api_key=KEY), ParallelQueryEngine(api_key=KEY)):
        assert KEY not in repr(component)
        assert KEY not in str(vars(component))


async def test_no_event_or_span_carries_the_key(keyed, instrumented, no_settings):
    events, spans = instrumented
    retriever, engine = ParallelSearchRetriever(max_results=2), ParallelQueryEngine(processor="lite")
    retriever.retrieve("generators")
    await retriever.aretrieve("generators")
    engine.query("the with statement")
    await engine.aquery("the with statement")
    assert len(events) >= 8  # a start and an end event for each call
    seen = [repr(event) for event in events] + [event.model_dump_json() for event in events]
    assert not [text for text in seen if KEY in text]
    traced = [repr(span) for span in spans.completed_spans] + [repr(spans.open_spans)]
    assert len(spans.completed_spans) >= 4
    assert not [text for text in traced if KEY in text]
