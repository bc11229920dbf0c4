"""The contenders of ``run_all.py``: one named case per way a user could make a call, each built in the virtualenv
that has its package (stdlib only at import: this module is loaded by ``_worker.py`` in every environment).

A case is built once per worker (``build(name, url)``) and gives a sync call, an async call, or both; each call makes
one search, one task run (create, then result), or reads one whole Task Group event stream, and checks what it got
so a contender that silently returns nothing cannot look fast. The environment a case needs is in ``ENVIRONMENT``
(``ours``: the project's own virtualenv; the others: ``_venvs.ALTERNATIVES``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

API_KEY = "bench-key"
OBJECTIVE = "How do Python decorators work, and when should functools.wraps be used?"
QUERIES = ["python decorators functools.wraps"]
TASK_INPUT = "Who maintains the Python standard library's functools module, in one paragraph?"
GROUP_ID = "tgrp_9f1c2a7be3d04c6f8a51e0d27b3c4f11"
RESULTS = 10
HEADERS = {"x-api-key": API_KEY, "content-type": "application/json", "accept": "application/json"}
SEARCH_BODY = json.dumps({"objective": OBJECTIVE, "search_queries": QUERIES, "max_results": RESULTS}).encode()
TASK_BODY = json.dumps({"input": TASK_INPUT, "processor": "lite"}).encode()


@dataclass
class Case:
    """One contender: ``sync()`` and/or ``run()`` (a coroutine function) do one unit of work and return a count."""

    sync: Callable[[], int] | None = None
    run: Callable[[], Awaitable[int]] | None = None


def _results(value: Any) -> int:
    """How many results or documents a search answer holds (each contender answers in its own shape)."""
    if isinstance(value, dict):
        value = value.get("results", value.get("search_results"))
    elif hasattr(value, "results"):
        value = value.results
    elif isinstance(value, str):  # a tool's text for a model: one numbered entry per result
        return RESULTS if value.count("http") >= RESULTS else 0
    return len(value) if value is not None else 0


def _text(value: Any) -> int:
    """1 when a task answer carries its text, whatever the shape, else 0."""
    return int("Section Title" in str(value)[:100_000])


# --- floors: the standard library and raw httpx --------------------------------------------------------------------


def _http_client_search(url: str) -> Case:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)

    def call() -> int:
        connection.request("POST", "/alpha/search", SEARCH_BODY, HEADERS)
        return _results(json.loads(connection.getresponse().read()))

    return Case(sync=call)


def _http_client_task(url: str) -> Case:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)

    def call() -> int:
        connection.request("POST", "/v1/tasks/runs", TASK_BODY, HEADERS)
        run = json.loads(connection.getresponse().read())
        connection.request("GET", f"/v1/tasks/runs/{run['run_id']}/result", headers=HEADERS)
        return _text(json.loads(connection.getresponse().read()))

    return Case(sync=call)


def _httpx_search(url: str) -> Case:
    import httpx

    client, aclient = httpx.Client(base_url=url), httpx.AsyncClient(base_url=url)

    def call() -> int:
        return _results(json.loads(client.post("/alpha/search", content=SEARCH_BODY, headers=HEADERS).content))

    async def run() -> int:
        answer = await aclient.post("/alpha/search", content=SEARCH_BODY, headers=HEADERS)
        return _results(json.loads(answer.content))

    return Case(call, run)


def _httpx_task(url: str) -> Case:
    import httpx

    client, aclient = httpx.Client(base_url=url), httpx.AsyncClient(base_url=url)

    def call() -> int:
        run = json.loads(client.post("/v1/tasks/runs", content=TASK_BODY, headers=HEADERS).content)
        return _text(json.loads(client.get(f"/v1/tasks/runs/{run['run_id']}/result", headers=HEADERS).content))

    async def arun() -> int:
        run = json.loads((await aclient.post("/v1/tasks/runs", content=TASK_BODY, headers=HEADERS)).content)
        answer = await aclient.get(f"/v1/tasks/runs/{run['run_id']}/result", headers=HEADERS)
        return _text(json.loads(answer.content))

    return Case(call, arun)


def _httpx_events(url: str) -> Case:
    import httpx

    client = httpx.Client(base_url=url)

    def call() -> int:  # the floor: the same bytes read, nothing decoded
        with client.stream("GET", f"/v1beta/tasks/groups/{GROUP_ID}/events", headers=HEADERS) as answer:
            body = b"".join(answer.iter_bytes())
        return body.count(b"\ndata:") + body.startswith(b"data:")

    return Case(sync=call)


# --- this package ------------------------------------------------------------------------------------------------


def _ours(url: str) -> tuple[Any, Any]:
    from parallel_integrations import AsyncParallelClient, ParallelClient

    return ParallelClient(API_KEY, base_url=url), AsyncParallelClient(API_KEY, base_url=url)


def _ours_search(url: str) -> Case:
    client, aclient = _ours(url)

    def call() -> int:
        return _results(client.search(OBJECTIVE, search_queries=QUERIES, max_results=RESULTS))

    async def run() -> int:
        return _results(await aclient.search(OBJECTIVE, search_queries=QUERIES, max_results=RESULTS))

    return Case(call, run)


def _ours_task(url: str) -> Case:
    client, aclient = _ours(url)

    def call() -> int:
        run = client.task_runs.create(TASK_INPUT, "lite")
        return _text(client.task_runs.result(run.run_id).output.content)

    async def arun() -> int:
        run = await aclient.task_runs.create(TASK_INPUT, "lite")
        return _text((await aclient.task_runs.result(run.run_id)).output.content)

    return Case(call, arun)


def _ours_events(url: str) -> Case:
    client, _ = _ours(url)

    def call() -> int:
        with client.task_groups.stream_events(GROUP_ID) as events:
            return sum(1 for _ in events)

    return Case(sync=call)


def _lc_retriever(url: str) -> Case:
    from parallel_integrations.langchain import ParallelSearchRetriever

    retriever = ParallelSearchRetriever(client=_ours(url)[0], async_client=_ours(url)[1], k=RESULTS)

    async def run() -> int:
        return _results(await retriever.ainvoke(OBJECTIVE))

    return Case(lambda: _results(retriever.invoke(OBJECTIVE)), run)


def _lc_tool(url: str) -> Case:
    from parallel_integrations.langchain import ParallelSearchTool

    client, aclient = _ours(url)
    tool = ParallelSearchTool(client=client, async_client=aclient, max_results=RESULTS, max_chars=100_000)
    args = {"objective": OBJECTIVE, "search_queries": QUERIES}

    async def run() -> int:
        return _results(await tool.ainvoke(args))

    return Case(lambda: _results(tool.invoke(args)), run)


def _lc_tool_floor(url: str) -> Case:
    """What LangChain's part of the search tool's call costs on this client: the search, then ``invoke()`` of the
    tool with its answer ready (``_floors.ready_search_tool``): no rendering of the tool's own."""
    from _floors import ready_search_tool

    from parallel_integrations.langchain import ParallelSearchTool

    client, aclient = _ours(url)
    args = {"objective": OBJECTIVE, "search_queries": QUERIES}
    real = ParallelSearchTool(client=client, max_results=RESULTS, max_chars=100_000)
    text, response = real._run(OBJECTIVE, QUERIES)
    ready = ready_search_tool(client, aclient, text, response)

    def call() -> int:
        client.search(OBJECTIVE, search_queries=QUERIES, max_results=RESULTS)
        return _results(ready.invoke(args))

    async def run() -> int:
        await aclient.search(OBJECTIVE, search_queries=QUERIES, max_results=RESULTS)
        return _results(await ready.ainvoke(args))

    return Case(call, run)


def _lc_runnable(url: str) -> Case:
    from parallel_integrations.langchain import ParallelTaskRunnable

    client, aclient = _ours(url)
    runnable = ParallelTaskRunnable(client=client, async_client=aclient, processor="lite")

    async def run() -> int:
        return _text(await runnable.ainvoke(TASK_INPUT))

    return Case(lambda: _text(runnable.invoke(TASK_INPUT)), run)


def _lc_task_tool(url: str) -> Case:
    from parallel_integrations.langchain import ParallelTaskTool

    client, aclient = _ours(url)
    tool = ParallelTaskTool(client=client, async_client=aclient, processor="lite", max_chars=100_000)

    async def run() -> int:
        return _text(await tool.ainvoke({"input": TASK_INPUT}))

    return Case(lambda: _text(tool.invoke({"input": TASK_INPUT})), run)


def _li_retriever(url: str) -> Case:
    from parallel_integrations.llama_index import ParallelSearchRetriever

    client, aclient = _ours(url)
    retriever = ParallelSearchRetriever(client=client, async_client=aclient, max_results=RESULTS)

    async def run() -> int:
        return _results(await retriever.aretrieve(OBJECTIVE))

    return Case(lambda: _results(retriever.retrieve(OBJECTIVE)), run)


def _li_retriever_floor(url: str) -> Case:
    """What any LlamaIndex retriever on this client costs: the search, then LlamaIndex's ``retrieve()`` of nodes the
    retriever already holds (``_floors.ready_retriever``): the framework's part, with no conversion."""
    from _floors import ready_retriever

    from parallel_integrations.llama_index import ParallelSearchRetriever

    client, aclient = _ours(url)
    ready = ready_retriever(ParallelSearchRetriever(client=client, max_results=RESULTS).retrieve(OBJECTIVE))

    def call() -> int:
        client.search(OBJECTIVE, max_results=RESULTS)
        return _results(ready.retrieve(OBJECTIVE))

    async def run() -> int:
        await aclient.search(OBJECTIVE, max_results=RESULTS)
        return _results(await ready.aretrieve(OBJECTIVE))

    return Case(call, run)


def _li_reader(url: str) -> Case:
    from parallel_integrations.llama_index import ParallelSearchReader

    client, aclient = _ours(url)
    reader = ParallelSearchReader(client=client, async_client=aclient, max_results=RESULTS)

    async def run() -> int:
        return _results(await reader.aload_data(OBJECTIVE))

    return Case(lambda: _results(reader.load_data(OBJECTIVE)), run)


def _li_task_reader(url: str) -> Case:
    from parallel_integrations.llama_index import ParallelTaskReader

    client, aclient = _ours(url)
    reader = ParallelTaskReader(client=client, async_client=aclient, processor="lite")

    async def run() -> int:
        return _text([d.text for d in await reader.aload_data(TASK_INPUT)])

    return Case(lambda: _text([d.text for d in reader.load_data(TASK_INPUT)]), run)


def _li_tool_spec(url: str) -> Any:
    from parallel_integrations.llama_index import ParallelToolSpec

    client, aclient = _ours(url)
    return ParallelToolSpec(
        client=client, async_client=aclient, max_results=RESULTS, task_processor="lite", max_chars=100_000
    )


def _li_spec_search(url: str) -> Case:
    spec = _li_tool_spec(url)

    async def run() -> int:
        return _results(await spec.asearch(OBJECTIVE, QUERIES))

    return Case(lambda: _results(spec.search(OBJECTIVE, QUERIES)), run)


def _li_spec_task(url: str) -> Case:
    spec = _li_tool_spec(url)

    async def run() -> int:
        return _text(await spec.arun_task(TASK_INPUT))

    return Case(lambda: _text(spec.run_task(TASK_INPUT)), run)


# --- the official SDK ----------------------------------------------------------------------------------------------


def _sdk(url: str) -> tuple[Any, Any]:
    from parallel import AsyncParallel, Parallel

    return Parallel(api_key=API_KEY, base_url=url), AsyncParallel(api_key=API_KEY, base_url=url)


def _sdk_search(url: str) -> Case:
    sdk, asdk = _sdk(url)
    settings = {"max_results": RESULTS}

    def call() -> int:
        return _results(sdk.search(objective=OBJECTIVE, search_queries=QUERIES, advanced_settings=settings))

    async def run() -> int:
        return _results(await asdk.search(objective=OBJECTIVE, search_queries=QUERIES, advanced_settings=settings))

    return Case(call, run)


def _sdk_task(url: str) -> Case:
    sdk, asdk = _sdk(url)

    def call() -> int:
        run = sdk.task_run.create(input=TASK_INPUT, processor="lite")
        return _text(sdk.task_run.result(run.run_id).output.content)

    async def arun() -> int:
        run = await asdk.task_run.create(input=TASK_INPUT, processor="lite")
        return _text((await asdk.task_run.result(run.run_id)).output.content)

    return Case(call, arun)


def _sdk_events(url: str) -> Case:
    sdk, _ = _sdk(url)

    def call() -> int:
        return sum(1 for _ in sdk.task_group.events(GROUP_ID))

    return Case(sync=call)


# --- langchain-parallel ----------------------------------------------------------------------------------------------


def _lcp_retriever(url: str) -> Case:
    from langchain_parallel import ParallelSearchRetriever

    retriever = ParallelSearchRetriever(api_key=API_KEY, base_url=url, max_results=RESULTS, objective=OBJECTIVE)

    async def run() -> int:
        return _results(await retriever.ainvoke(QUERIES[0]))

    return Case(lambda: _results(retriever.invoke(QUERIES[0])), run)


def _lcp_tool(url: str) -> Case:
    from langchain_parallel import ParallelWebSearchTool

    tool = ParallelWebSearchTool(api_key=API_KEY, base_url=url)
    args = {"objective": OBJECTIVE, "search_queries": QUERIES, "max_results": RESULTS}

    async def run() -> int:
        return _results(await tool.ainvoke(args))

    return Case(lambda: _results(tool.invoke(args)), run)


def _lcp_task_tool(url: str) -> Case:
    from langchain_parallel import ParallelTaskRunTool

    tool = ParallelTaskRunTool(api_key=API_KEY, base_url=url, processor="lite")

    async def run() -> int:
        return _text(await tool.ainvoke({"input": TASK_INPUT}))

    return Case(lambda: _text(tool.invoke({"input": TASK_INPUT})), run)


# --- llama-index-tools-parallel-web-systems --------------------------------------------------------------------------


def _lip_search(url: str) -> Case:
    """Its ``search`` is async only (a new ``httpx.AsyncClient`` per call, ``POST /v1beta/search``); sync callers go
    through the tool LlamaIndex makes of it, as an agent does (``FunctionTool.call`` runs the coroutine)."""
    from llama_index.tools.parallel_web_systems import ParallelWebSystemsToolSpec

    spec = ParallelWebSystemsToolSpec(api_key=API_KEY, base_url=url)
    tool = next(tool for tool in spec.to_tool_list() if tool.metadata.name == "search")
    args = {"objective": OBJECTIVE, "search_queries": QUERIES, "max_results": RESULTS}

    async def run() -> int:
        return _results(await spec.search(**args))

    return Case(lambda: _results(tool.call(**args).raw_output), run)


BUILDERS: dict[str, tuple[str, Callable[[str], Case]]] = {
    "search/http.client": ("ours", _http_client_search),
    "search/httpx": ("ours", _httpx_search),
    "search/ours": ("ours", _ours_search),
    "search/ours-lc-retriever": ("ours", _lc_retriever),
    "search/ours-lc-tool": ("ours", _lc_tool),
    "search/ours-lc-tool-floor": ("ours", _lc_tool_floor),
    "search/ours-li-retriever": ("ours", _li_retriever),
    "search/ours-li-retriever-floor": ("ours", _li_retriever_floor),
    "search/ours-li-reader": ("ours", _li_reader),
    "search/ours-li-toolspec": ("ours", _li_spec_search),
    "search/sdk": ("sdk", _sdk_search),
    "search/lcp-retriever": ("langchain-parallel", _lcp_retriever),
    "search/lcp-tool": ("langchain-parallel", _lcp_tool),
    "search/lip-tool": ("llama-index-parallel", _lip_search),
    "task/http.client": ("ours", _http_client_task),
    "task/httpx": ("ours", _httpx_task),
    "task/ours": ("ours", _ours_task),
    "task/ours-lc-runnable": ("ours", _lc_runnable),
    "task/ours-lc-tool": ("ours", _lc_task_tool),
    "task/ours-li-reader": ("ours", _li_task_reader),
    "task/ours-li-toolspec": ("ours", _li_spec_task),
    "task/sdk": ("sdk", _sdk_task),
    "task/lcp-tool": ("langchain-parallel", _lcp_task_tool),
    "events/httpx": ("ours", _httpx_events),
    "events/ours": ("ours", _ours_events),
    "events/sdk": ("sdk", _sdk_events),
}
ENVIRONMENT = {name: env for name, (env, _) in BUILDERS.items()}


def build(name: str, url: str) -> Case:
    """The case called ``name``, talking to ``url``; its package is imported here, in the worker's environment."""
    return BUILDERS[name][1](url)
