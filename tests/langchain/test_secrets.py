"""The API key never shows: not in a repr, a dump, a serialised object, a callback payload or a tool's output."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps

from parallel_integrations.langchain import (
    ParallelSearchRetriever,
    ParallelSearchTool,
    ParallelTaskRunnable,
    ParallelTaskTool,
    ParallelToolkit,
)

from .conftest import SECRET


class Everything(BaseCallbackHandler):
    """Keeps the text of every callback payload."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _keep(self, *args: Any, **kwargs: Any) -> None:
        self.seen.append(repr(args) + repr(kwargs))

    on_retriever_start = on_retriever_end = on_retriever_error = _keep
    on_tool_start = on_tool_end = on_tool_error = _keep
    on_chain_start = on_chain_end = on_chain_error = _keep

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._keep(name, data, **kwargs)


def objects(secret: str) -> list[Any]:
    return [
        ParallelSearchRetriever(api_key=secret, k=2),
        ParallelSearchTool(api_key=secret, max_results=2),
        ParallelTaskTool(api_key=secret, processor="lite"),
        ParallelToolkit(api_key=secret),
        ParallelTaskRunnable(api_key=secret, output="a short answer"),
    ]


@pytest.mark.usefixtures("secret_env")
@pytest.mark.parametrize("from_env", [False, True])
def test_the_key_is_in_no_repr_or_dump(from_env: bool) -> None:
    made = objects(SECRET) if not from_env else [ParallelSearchRetriever(), ParallelSearchTool(), ParallelTaskTool()]
    for thing in made:
        assert thing.api_key.get_secret_value() == SECRET  # the key is really there
        shown = [
            repr(thing),
            str(thing),
            str(thing.model_dump()),
            thing.model_dump_json(exclude={"args_schema", "handle_validation_error"}),  # a class, a function: not JSON
            json.dumps(dumpd(thing), default=str),
            dumps(thing),
            repr(thing.sync_client()),
        ]
        for text in shown:
            assert SECRET not in text


def test_the_key_is_in_no_callback_payload_nor_the_output(secret_env: str) -> None:
    handler = Everything()
    retriever, search, task, _, runnable = objects(SECRET)
    docs = retriever.invoke("decorators", config={"callbacks": [handler]})
    found = search.invoke(
        {"type": "tool_call", "id": "1", "name": "parallel_search", "args": {"objective": "decorators"}},
        config={"callbacks": [handler]},
    )
    answer = task.invoke(
        {"type": "tool_call", "id": "2", "name": "parallel_task", "args": {"input": "the with statement"}},
        config={"callbacks": [handler]},
    )
    text = runnable.invoke("the pass statement", config={"callbacks": [handler], "metadata": {"who": "test"}})
    assert isinstance(text, str)
    assert len(handler.seen) >= 12  # starts, ends and the custom events
    assert any("parallel_task_start" in text for text in handler.seen)
    assert docs
    for text in [*handler.seen, repr(docs)] + [m.content + repr(m.artifact) for m in (found, answer)]:
        assert SECRET not in text


def test_the_key_is_not_in_an_error_message(secret_env: str) -> None:
    tool = ParallelSearchTool(api_key=SECRET, base_url="http://127.0.0.1:9", max_retries=0)
    message = tool.invoke({"type": "tool_call", "id": "1", "name": "parallel_search", "args": {"objective": "x"}})
    assert message.status == "error"
    assert SECRET not in message.content
