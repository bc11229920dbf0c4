"""A recognisable key set once, then everything a user could see or ship is scanned for it: reprs of the clients
and what they return, every kind of exception with its notes and traceback, DEBUG logs of every logger (httpx and
httpcore included), LangChain callbacks, ``astream_events`` and serialised runnables, LlamaIndex instrumentation
events and dumps, and the emulator's request log. The key must appear nowhere."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from langchain_core.load import dumps
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from pydantic import BaseModel, Field

import parallel_integrations
from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelError
from parallel_integrations.emulator import Fault, Schedule, serve
from parallel_integrations.emulator.server import RunningEmulator

from ._support import SECRET_KEY

MIDDLE = SECRET_KEY[3:-3]  # a cut-down key (a prefix shown "for debugging") is a leak too


def _leaks(texts: list[str]) -> list[str]:
    return [text[:200] for text in texts if SECRET_KEY in text or MIDDLE in text]


@pytest.fixture
def keyed(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    monkeypatch.setenv("PARALLEL_API_KEY", SECRET_KEY)
    return emulator


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG (httpx, httpcore, the package's own), formatted with its arguments."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "parallel_integrations", "langchain_core", "llama_index", "uvicorn"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    for name in ("httpx", "httpcore", "parallel_integrations", "langchain_core", "llama_index", "uvicorn"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _error_texts(error: BaseException) -> list[str]:
    """What a user sees of an exception: its str and repr, its notes, its whole chained traceback (plain, and with
    each frame's locals), its attributes."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(error)), _traceback_with_locals(error)]
    texts += list(getattr(error, "__notes__", []))
    texts += [repr(value) for value in vars(error).values()]
    return texts


def _traceback_with_locals(error: BaseException) -> str:
    """The chained traceback with every frame's local variables, as a crash reporter (or pytest ``-l``) shows it:
    the request, the client and its headers are locals of the frames the error went through."""
    return "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())


class Answer(BaseModel):
    summary: str


class _Keep(BaseEventHandler):
    """Keeps every LlamaIndex instrumentation event, as its repr and its JSON."""

    seen: list[str] = Field(default_factory=list)

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.seen += [repr(event), event.model_dump_json()]


def test_the_key_is_in_no_repr_response_log_line_or_exception_of_the_client(
    keyed: RunningEmulator, debug_log: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    errors: list[BaseException] = []
    keyed.script_failure("please fail")
    with ParallelClient(max_retries=1) as client:
        seen += [repr(client), str(client), repr(client.task_runs), repr(client.task_groups)]
        seen += [repr(client.with_options(max_retries=3)), repr(vars(client))]
        seen.append(repr(client.search("decorators", max_results=2)))
        result = client.task_runs.execute("the with statement", "lite", output=Answer)
        seen += [repr(result), result.model_dump_json()]
        seen += [repr(item) for item in client.task_groups.run_batch(["a", "please fail"], processor="lite")]
        keyed.add_fault(Fault.error("POST /alpha/search", 429, times=5, retry_after=0))
        keyed.add_fault(Fault.error("GET /v1/tasks/runs/*", 503, times=5, retry_after=0))
        keyed.add_fault(Fault.after_handling("POST /v1/tasks/runs"))
        failing = [
            lambda: client.search("decorators"),  # 429 after the retries
            lambda: client.task_runs.retrieve("trun_0123456789abcdef0123456789abcdef"),  # 5xx after the retries
            lambda: client.task_runs.create("dropped", "lite"),  # RunCreationUncertainError
            lambda: client.task_runs.execute("please fail", "lite"),  # TaskRunFailedError
            lambda: client.task_groups.retrieve("tgrp_missing"),  # 404
            lambda: client.task_runs.create("x", "no-such-processor"),  # 403 or validation
            lambda: client.search(max_results=-1),  # ParallelValidationError
        ]
        for call in failing:
            try:
                call()
            except ParallelError as error:
                errors.append(error)
        keyed.clear_faults()
    with ParallelClient(base_url="http://127.0.0.1:9", max_retries=0) as dead:  # nothing listens on port 9
        try:
            dead.search("decorators")
        except ParallelError as error:
            errors.append(error)
    with serve(api_key="the-only-accepted-key") as strict, ParallelClient(base_url=strict.base_url) as refused:
        try:
            refused.search("decorators")  # 401
        except ParallelError as error:
            errors.append(error)
        seen += [repr(record) for record in strict.requests()]
    assert len(errors) == 9, [type(e).__name__ for e in errors]
    assert len({type(e) for e in errors}) >= 7  # many kinds, not one kind many times
    for error in errors:
        seen += _error_texts(error)
    seen += [repr(record) for record in keyed.requests()]
    assert keyed.requests()[0].headers["x-api-key"] == "<redacted>"  # the key was sent, and only there
    logged = [record.getMessage() for record in debug_log.records] + [debug_log.text]
    assert any(record.name == "httpx" or record.name.startswith("httpcore") for record in debug_log.records)
    assert _leaks(seen + logged) == []


def test_the_key_is_in_no_repr_or_exception_of_the_async_client(keyed: RunningEmulator) -> None:
    async def main() -> list[str]:
        texts: list[str] = []
        async with AsyncParallelClient(max_retries=0) as client:
            texts += [repr(client), repr(client.task_runs)]
            texts.append(repr(await client.search("decorators", max_results=1)))
            keyed.add_fault(Fault.error("POST /alpha/search", 500, times=1))
            try:
                await client.search("decorators")
            except ParallelError as error:
                texts += _error_texts(error)
        return texts

    texts = asyncio.run(main())
    assert any("InternalServerError" in text for text in texts)
    assert _leaks(texts) == []


def test_every_public_name_constructed_with_the_key_hides_it(keyed: RunningEmulator) -> None:
    shown: list[str] = []
    for name in parallel_integrations.__all__:
        thing = getattr(parallel_integrations, name)
        if isinstance(thing, type) and issubclass(thing, (ParallelClient, AsyncParallelClient)):
            made: Any = thing(api_key=SECRET_KEY)
            shown += [repr(made), str(made), repr(vars(made))]
    assert len(shown) == 6
    assert _leaks(shown) == []


def test_the_emulator_request_log_and_its_log_lines_keep_no_credentials(
    capfd: pytest.CaptureFixture[str],
) -> None:
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "Cookie": f"session={SECRET_KEY}"}
    with (
        serve(log_requests=True, schedule=Schedule(queued=0, running=0.01)) as emulator,
        ParallelClient(api_key=SECRET_KEY, base_url=emulator.base_url) as client,
    ):
        client.search("decorators", max_results=1)
        httpx.get(f"{emulator.base_url}/_emulator/health", headers=headers)
        httpx.post(f"{emulator.base_url}/alpha/search", headers={"x-api-key": SECRET_KEY, **headers}, json={})
        records = emulator.requests()
        over_http = httpx.get(f"{emulator.base_url}/_emulator/requests").text
    out, err = capfd.readouterr()
    assert len(records) >= 2
    assert records[0].headers["x-api-key"] == "<redacted>"
    assert _leaks([repr(records), over_http, out, err]) == []


def test_the_key_is_in_no_langchain_callback_event_stream_or_serialised_runnable(keyed: RunningEmulator) -> None:
    from langchain_core.runnables import RunnableLambda

    from parallel_integrations.langchain import ParallelSearchRetriever, ParallelTaskRunnable, ParallelToolkit

    runnable = ParallelTaskRunnable(output=Answer, processor="lite", api_key=SECRET_KEY)
    retriever = ParallelSearchRetriever(k=2, api_key=SECRET_KEY)
    chain = retriever | RunnableLambda(lambda docs: docs[0].page_content) | runnable
    tools = ParallelToolkit(api_key=SECRET_KEY, processor="lite").get_tools()

    async def events() -> list[str]:
        texts = [repr(event) async for event in chain.astream_events("decorators", version="v2")]
        for tool in tools[:2]:
            args = {"objective": "decorators"} if "search" in tool.name else {"input": "the with statement"}
            call = {"type": "tool_call", "id": "c1", "name": tool.name, "args": args}
            texts += [repr(event) async for event in tool.astream_events(call, version="v2")]
        return texts

    seen = asyncio.run(events())
    assert any("on_custom_event" in text for text in seen)  # the task tool's start/end events were there
    seen += [dumps(runnable), dumps(retriever), repr(chain), str(runnable.batch(["a", "b"]))]
    seen += [repr(tool) for tool in tools] + [dumps(tool) for tool in tools]
    assert _leaks(seen) == []


# FunctionAgent's construction reads deprecated attributes of its own pydantic models: not this package's warnings
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince211")
def test_the_key_is_in_no_event_output_log_or_instrumentation_of_a_llama_index_function_agent(
    keyed: RunningEmulator, debug_log: pytest.LogCaptureFixture
) -> None:
    from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
    from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.llms.mock import MockFunctionCallingLLM
    from llama_index.core.memory import Memory

    from parallel_integrations.llama_index import ParallelToolSpec

    calls = [("search", {"objective": "decorators"}), ("run_task", {"input": "the with statement"})]
    calls += [("search", {"objective": "a search the server refuses"})]

    def model(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
        """A scripted function-calling model: each tool call in turn, then an answer quoting the last result."""
        done = [m for m in messages if m.role == MessageRole.TOOL]
        if len(done) < len(calls):
            name, args = calls[len(done)]
            if len(done) == 2:
                keyed.add_fault(Fault.error("POST /alpha/search", 401))  # its text goes back to the model
            block = ToolCallBlock(tool_call_id=f"call-{len(done)}", tool_name=name, tool_kwargs=args)
            return ChatMessage(role=MessageRole.ASSISTANT, blocks=[block])
        return ChatMessage(role=MessageRole.ASSISTANT, content=f"Done: {done[-1].content}")

    handler = _Keep()
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    spec = ParallelToolSpec(max_results=2, task_processor="lite", api_key=SECRET_KEY)
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=MockFunctionCallingLLM(response_generator=model))

    memory = Memory.from_defaults(session_id="scan")

    async def run() -> tuple[list[Any], Any, str]:
        running = agent.run(user_msg="How do decorators work?", memory=memory)
        events = [event async for event in running.stream_events()]
        answer = await running
        history = [message.model_dump_json() for message in await memory.aget_all()]
        return events, answer, "\n".join(history)  # the conversation an app keeps: the tools' answers included

    try:
        events, answer, saved = asyncio.run(run())
    finally:
        dispatcher.event_handlers.remove(handler)
    results = [event for event in events if isinstance(event, ToolCallResult)]
    assert [event.tool_name for event in results] == ["search", "run_task", "search"]
    assert str(results[2].tool_output.content).startswith("Error: AuthenticationError")
    seen = [repr(event) for event in events] + [event.model_dump_json() for event in events]
    assert "Error: AuthenticationError" in saved  # the kept conversation holds the tools' answers
    seen += [str(answer), repr(answer), saved, repr(agent), repr(spec), repr(vars(spec))]
    seen += [record.getMessage() for record in debug_log.records] + [debug_log.text]
    assert len(handler.seen) >= 10  # the agent's LLM and tool calls were instrumented
    assert _leaks(handler.seen + seen) == []


def test_the_key_is_in_no_llama_index_event_or_dump(keyed: RunningEmulator) -> None:
    from llama_index.core.instrumentation import get_dispatcher

    from parallel_integrations.llama_index import (
        ParallelQueryEngine,
        ParallelSearchReader,
        ParallelSearchRetriever,
        ParallelTaskReader,
        ParallelToolSpec,
    )

    handler = _Keep()
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    try:
        readers = [ParallelSearchReader(max_results=1, api_key=SECRET_KEY), ParallelTaskReader(processor="lite")]
        engine = ParallelQueryEngine(processor="lite", api_key=SECRET_KEY)
        retriever = ParallelSearchRetriever(max_results=1, api_key=SECRET_KEY)
        tools = ParallelToolSpec(api_key=SECRET_KEY, task_processor="lite").to_tool_list()
        outputs = [str(readers[0].load_data("decorators")), str(engine.query("the with statement"))]
        outputs += [repr(retriever.retrieve("decorators")), str(tools[0].call(objective="decorators"))]
        dumped = [reader.model_dump_json() for reader in readers] + [repr(vars(engine)), repr(vars(retriever))]
        dumped += [reader.to_json() for reader in readers] + [repr(tool.metadata) for tool in tools]
    finally:
        dispatcher.event_handlers.remove(handler)
    assert len(handler.seen) >= 8
    assert _leaks(handler.seen + outputs + dumped) == []


def test_a_timeout_error_and_the_debug_log_around_it_hold_no_key(
    keyed: RunningEmulator, debug_log: pytest.LogCaptureFixture
) -> None:
    keyed.set_schedule(queued=0, running=30)  # runs outlast every wait below
    errors: list[BaseException] = []
    with ParallelClient(timeout=0.5, max_retries=1) as client:
        run_id = client.task_runs.create("a slow run", "lite").run_id
        keyed.add_fault(Fault.slow("GET /v1/tasks/runs/*", 2.0, times=2))  # longer than the client waits
        for call in (
            lambda: client.task_runs.result(run_id, timeout=0.3),  # TaskRunTimeoutError
            lambda: client.task_runs.retrieve(run_id),  # httpx's read timeout, as APITimeoutError after the retry
        ):
            try:
                call()
            except ParallelError as error:
                errors.append(error)
    assert [type(error).__name__ for error in errors] == ["TaskRunTimeoutError", "APITimeoutError"]
    assert isinstance(errors[1].__cause__, httpx.TimeoutException)  # the read timeout is chained, with its frames
    rendered = [_traceback_with_locals(error) for error in errors]
    assert all(re.search(r"^ +self = ", text, re.MULTILINE) for text in rendered)  # the frames' locals are shown
    seen = [text for error in errors for text in _error_texts(error)]
    logged = [record.getMessage() for record in debug_log.records] + [debug_log.text]
    assert any(record.name.startswith("httpcore") for record in debug_log.records)
    assert _leaks(seen + logged) == []
