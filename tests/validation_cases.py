"""Bad input for every public method, as data: each :class:`Case` is a call and the field its error must name.

``tests/test_validation.py`` runs every case against the sync and the async client and checks that the call
raises :class:`ParallelValidationError` naming ``field`` and that nothing was sent. To cover a new method or a new
rule, add a case here; property-based tests can draw calls from the same shapes and reuse :func:`invoke`.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from parallel_integrations import AsyncParallelClient, ParallelClient

NAN = float("nan")
INF = float("inf")
RUN = "trun_" + "a" * 32
GROUP = "tgrp_" + "b" * 32
OK_RUN = {"input": "the with statement", "processor": "base"}
SELF_CONTAINING: dict[str, Any] = {"a": 1}
SELF_CONTAINING["self"] = SELF_CONTAINING
TOO_WIDE = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(101)}}


def _nested(names: str) -> dict[str, Any]:
    """An object schema with one property per level: ``_nested("ab")`` holds ``a``, which holds ``b``."""
    inner: dict[str, Any] = {"type": "string"}
    for name in reversed(names):
        inner = {"type": "object", "properties": {name: inner}}
    return inner


TOO_DEEP = _nested("abcdef")


class Node(BaseModel):
    """A recursive class: the API's schemas cannot recurse."""

    children: list[Node] = []


@dataclass(frozen=True)
class Case:
    """``method`` is a dotted path on the client (``"task_groups.add_runs"``), or ``"__init__"`` for the
    constructor; ``field`` is the exact ``ParallelValidationError.field`` expected."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    field: str
    note: str = ""
    id: str = field(default="", compare=False)


def case(method: str, *args: Any, field: str, note: str = "", **kwargs: Any) -> Case:
    shown = ", ".join([*(_short(a) for a in args), *(f"{k}={_short(v)}" for k, v in kwargs.items())])
    return Case(method, args, kwargs, field, note, f"{method}({shown})")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def invoke(client: ParallelClient | AsyncParallelClient, c: Case) -> Any:
    """Make the call of ``c`` on ``client`` (running a coroutine to completion; a stream or a batch is only
    created, never iterated, so a check must happen at the call)."""
    if c.method == "__init__":
        kwargs = {"base_url": "https://fake.test", **c.kwargs}
        return type(client)(*(c.args or ("sk-test",)), **kwargs)
    target: Any = client
    for part in c.method.split("."):
        target = getattr(target, part)
    outcome = target(*c.args, **c.kwargs)
    if inspect.iscoroutine(outcome):
        return asyncio.run(outcome)
    return outcome


CASES: list[Case] = [
    # --- the constructor and with_options ---
    case("__init__", timeout=NAN, field="timeout"),
    case("__init__", timeout=INF, field="timeout"),
    case("__init__", timeout="30", field="timeout"),
    case("__init__", timeout=True, field="timeout"),
    case("__init__", max_retries="3", field="max_retries"),
    case("__init__", max_retries=1.5, field="max_retries"),
    case("__init__", max_retries=False, field="max_retries"),
    case("__init__", 123, field="api_key"),
    case("__init__", "sk-a\nb", field="api_key"),
    case("__init__", "   ", field="api_key"),
    case("__init__", base_url=5, field="base_url"),
    case("__init__", base_url="http://api.example.com", field="base_url"),
    case("__init__", base_url="https://api.example.com/?x=1", field="base_url"),
    case("__init__", endpoints=1, field="endpoints"),
    case("__init__", allow_insecure_http="yes", field="allow_insecure_http"),
    case("__init__", http_client="pool", field="http_client"),
    case("with_options", timeout=NAN, field="timeout"),
    case("with_options", timeout="5", field="timeout"),
    case("with_options", timeout=-1, field="timeout"),
    case("with_options", max_retries="3", field="max_retries"),
    case("with_options", max_retries=True, field="max_retries"),
    case("with_options", timeout=10**400, field="timeout"),
    # --- search ---
    case("search", 123, field="objective"),
    case("search", "", field="objective"),
    case("search", " \n\t", field="objective"),
    case("search", "decorators \ud800", field="objective"),
    case("search", "x", search_queries="python decorators", field="search_queries", note="never wrapped or split"),
    case("search", "x", search_queries=("q" for q in "ab"), field="search_queries"),
    case("search", "x", search_queries=["ok", "  "], field="search_queries[1]"),
    case("search", "x", search_queries=["ok", 5], field="search_queries[1]"),
    case("search", "x", search_queries=["\udfff"], field="search_queries[0]"),
    case("search", "x", max_results="5", field="max_results"),
    case("search", "x", max_results=True, field="max_results"),
    case("search", "x", max_results=5.0, field="max_results"),
    case("search", "x", max_results=NAN, field="max_results"),
    case("search", "x", max_chars_per_result=INF, field="max_chars_per_result"),
    case("search", "x", processor=1, field="processor"),
    case("search", "x", source_policy={"include": ["python.org"]}, field="source_policy.include"),
    case("search", "x", source_policy={"include_domains": "python.org"}, field="source_policy.include_domains"),
    case("search", "x", source_policy=["python.org"], field="source_policy"),
    case("search", "x", source_policy={"exclude_domains": ["a\ud800.org"]}, field="source_policy.exclude_domains[0]"),
    case("search", "x", source_policy={"after_date": 2024}, field="source_policy.after_date"),
    # --- task_runs.create ---
    case("task_runs.create", None, "base", field="input"),
    case("task_runs.create", "", "base", field="input"),
    case("task_runs.create", " \n", "base", field="input"),
    case("task_runs.create", {}, "base", field="input"),
    case("task_runs.create", 42, "base", field="input"),
    case("task_runs.create", ["a", "b"], "base", field="input"),
    case("task_runs.create", "q\ud800", "base", field="input"),
    case("task_runs.create", {"a": NAN}, "base", field="input.a"),
    case("task_runs.create", {"a": [1, INF]}, "base", field="input.a[1]"),
    case("task_runs.create", {"a": {"b": "\ud800"}}, "base", field="input.a.b"),
    case("task_runs.create", {"a\udc80": 1}, "base", field="input", note="a key JSON cannot carry"),
    case("task_runs.create", {1: "x"}, "base", field="input", note="json would turn the key into '1'"),
    case("task_runs.create", {"a": {1, 2}}, "base", field="input.a", note="a set has no order"),
    case("task_runs.create", {"a": [1, frozenset()]}, "base", field="input.a[1]"),
    case("task_runs.create", {"a": b"x"}, "base", field="input.a", note="bytes have no encoding"),
    case("task_runs.create", {"a": {"b": object()}}, "base", field="input.a.b"),
    case("task_runs.create", SELF_CONTAINING, "base", field="input", note="a dict that contains itself"),
    case("task_runs.create", "q", 5, field="processor"),
    case("task_runs.create", "q", "  ", field="processor"),
    case("task_runs.create", "q", "base", metadata={"k": INF}, field="metadata.k"),
    case("task_runs.create", "q", "base", metadata="k=v", field="metadata"),
    case("task_runs.create", "q", "base", metadata={"k": None}, field="metadata.k"),
    case("task_runs.create", "q", "base", enable_events="yes", field="enable_events"),
    case("task_runs.create", "q", "base", webhook={"url": "https://h", "events": []}, field="webhook.events"),
    case("task_runs.create", "q", "base", webhook={"url": 5}, field="webhook.url"),
    case(
        "task_runs.create",
        "q",
        "base",
        webhook={"url": "https://h", "event_types": "task_run.status"},
        field="webhook.event_types",
    ),
    case("task_runs.create", "q", "base", mcp_servers={"url": "https://m", "name": "m"}, field="mcp_servers"),
    case(
        "task_runs.create",
        "q",
        "base",
        mcp_servers=[{"url": "https://m", "name": "m", "header": {}}],
        field="mcp_servers[0].header",
    ),
    case("task_runs.create", "q", "base", task_spec={"output": "a summary"}, field="task_spec.output"),
    case(
        "task_runs.create",
        "q",
        "base",
        task_spec={"output_schema": {"type": "text", "descripton": "x"}},
        field="task_spec.output_schema.descripton",
    ),
    case("task_runs.create", "q", "base", source_policy={"exclude": []}, field="source_policy.exclude"),
    case("task_runs.create", "q", "base", betas="mcp-server-2025-07-17", field="betas"),
    case("task_runs.create", "q", "base", previous_interaction_id=" ", field="previous_interaction_id"),
    # --- ids, in every method that takes one ---
    case("task_runs.retrieve", 123, field="run_id"),
    case("task_runs.retrieve", "", field="run_id"),
    case("task_runs.retrieve", "..", field="run_id"),
    case("task_runs.retrieve", "a/b", field="run_id"),
    case("task_runs.retrieve", "a?b", field="run_id"),
    case("task_runs.retrieve", "a#b", field="run_id"),
    case("task_runs.retrieve", "a b", field="run_id"),
    case("task_runs.retrieve", "a\nb", field="run_id"),
    case("task_runs.retrieve", "a\\b", field="run_id"),
    case("task_runs.retrieve", "a\x00b", field="run_id"),
    case("task_runs.retrieve", "trun_\ud800", field="run_id"),
    case("task_runs.retrieve_input", None, field="run_id"),
    case("task_runs.retrieve_input", "x/../y", field="run_id"),
    case("task_runs.result", "r/1", field="run_id"),
    case("task_runs.result", RUN, timeout=NAN, field="timeout"),
    case("task_runs.result", RUN, timeout="30", field="timeout"),
    case("task_runs.result", RUN, timeout=True, field="timeout"),
    case("task_runs.result", RUN, timeout=-1, field="timeout"),
    case("task_runs.result", RUN, betas="events-sse-2025-07-24", field="betas"),
    case("task_runs.stream_events", "a/b", field="run_id"),
    case("task_runs.stream_events", 7, field="run_id"),
    # --- task_runs.execute ---
    case("task_runs.execute", "", "base", field="input"),
    case("task_runs.execute", "q", None, field="processor"),
    case("task_runs.execute", {"a": NAN}, "base", field="input.a"),
    case("task_runs.execute", "q", "base", timeout=INF, field="timeout"),
    case("task_runs.execute", "q", "base", timeout="60", field="timeout"),
    case("task_runs.execute", "q", "base", task_spec={"outputschema": "x"}, field="task_spec.outputschema"),
    case("task_runs.execute", "q", "base", betas="b", field="betas"),
    case("task_runs.execute", "q", "base", metadata={"k": NAN}, field="metadata.k"),
    case("task_runs.execute", "q", "base", output=123, field="output"),
    case(
        "task_runs.execute",
        "q",
        "base",
        output={"type": "object", "properties": {"a": {"type": "frob"}}},
        field="output.a.type",
        note="not a JSON Schema type",
    ),
    case(
        "task_runs.execute",
        "q",
        "base",
        output={"type": "object", "properties": {"a": {"type": ["string", 5]}}},
        field="output.a.type",
    ),
    case("task_runs.execute", "q", "base", output=" ", field="output"),
    case("task_runs.execute", "q", "base", output={"type": "text", "desc": "x"}, field="output.desc"),
    case("task_runs.execute", "q", "base", input_schema=[], field="input_schema"),
    # output= is compiled into the spec's output_schema, but errors name the argument the caller passed
    case("task_runs.execute", "q", "base", output={"type": "json"}, field="output.json_schema"),
    case("task_runs.execute", "q", "base", output={"type": "text", "description": 5}, field="output.description"),
    case("task_runs.execute", "q", "base", output=TOO_DEEP, field="output.a.b.c.d.e.f"),
    case("task_runs.execute", "q", "base", output=TOO_WIDE, field="output"),
    case("task_runs.execute", "q", "base", output=Node, field="output.children.items"),
    case("task_runs.execute", "q", "base", betas=["a b"], field="betas[0]"),
    case("task_runs.execute", "q", "base", betas=["x\n"], field="betas[0]"),
    # --- task_groups ---
    case("task_groups.create", metadata={"k": NAN}, field="metadata.k"),
    case("task_groups.create", metadata=[("k", "v")], field="metadata"),
    case("task_groups.create", metadata={"k": "\ud800"}, field="metadata.k"),
    case("task_groups.create", metadata={"k\ud800": "v"}, field="metadata"),
    case("task_groups.create", metadata={1: "v"}, field="metadata"),
    case("task_groups.retrieve", "tgrp/1", field="taskgroup_id"),
    case("task_groups.retrieve", None, field="taskgroup_id"),
    case("task_groups.add_runs", GROUP, None, field="inputs"),
    case("task_groups.add_runs", GROUP, "text", field="inputs", note="never one run per character"),
    case("task_groups.add_runs", GROUP, OK_RUN, field="inputs", note="a dict would give one run per key"),
    case("task_groups.add_runs", GROUP, 5, field="inputs"),
    case("task_groups.add_runs", GROUP, ["text"], field="inputs[0]"),
    case("task_groups.add_runs", GROUP, [OK_RUN, {"input": " ", "processor": "base"}], field="inputs[1].input"),
    case("task_groups.add_runs", GROUP, [{"inptu": "x", "processor": "base"}], field="inputs[0].inptu"),
    case("task_groups.add_runs", GROUP, [{"input": {"n": NAN}, "processor": "base"}], field="inputs[0].input.n"),
    case("task_groups.add_runs", "../x", [OK_RUN], field="taskgroup_id"),
    case("task_groups.add_runs", GROUP, [OK_RUN], default_task_spec={"output": 1}, field="default_task_spec.output"),
    case("task_groups.add_runs", GROUP, [OK_RUN], betas="b", field="betas"),
    case("task_groups.stream_runs", "a b", field="taskgroup_id"),
    case("task_groups.stream_runs", GROUP, status="done", field="status"),
    case("task_groups.stream_runs", GROUP, include_input="yes", field="include_input"),
    case("task_groups.stream_runs", GROUP, include_output=1, field="include_output"),
    case("task_groups.stream_runs", GROUP, last_event_id=5, field="last_event_id"),
    case("task_groups.stream_events", "tgrp#1", field="taskgroup_id"),
    case("task_groups.stream_events", GROUP, last_event_id=" ", field="last_event_id"),
    case("task_groups.retrieve_run", GROUP, "trun/1", field="run_id"),
    case("task_groups.retrieve_run", None, RUN, field="taskgroup_id"),
    case("task_groups.run_batch", "text", processor="base", field="inputs", note="never one run per character"),
    case("task_groups.run_batch", {"input": "x"}, processor="base", field="inputs"),
    case("task_groups.run_batch", 5, processor="base", field="inputs"),
    case("task_groups.run_batch", field="inputs"),
    case("task_groups.run_batch", ["a"], processor="base", taskgroup_id=GROUP, field="inputs"),
    case("task_groups.run_batch", ["a", " "], processor="base", field="inputs[1]"),
    case("task_groups.run_batch", ["a", 5], processor="base", field="inputs[1]"),
    case("task_groups.run_batch", [{"q": NAN}], processor="base", field="inputs[0].q"),
    case("task_groups.run_batch", ["a"], field="inputs[0]", note="plain inputs need a processor"),
    case("task_groups.run_batch", ["a"], processor=3, field="processor"),
    case("task_groups.run_batch", ["a"], processor="base", max_concurrency=0, field="max_concurrency"),
    case("task_groups.run_batch", ["a"], processor="base", max_concurrency="4", field="max_concurrency"),
    case("task_groups.run_batch", ["a"], processor="base", on_progress="print", field="on_progress"),
    case("task_groups.run_batch", ["a"], processor="base", metadata={"k": NAN}, field="metadata.k"),
    case("task_groups.run_batch", taskgroup_id="../g", field="taskgroup_id"),
    case("task_groups.run_batch", ["a"], processor="base", output=5, field="output"),
    case("task_groups.run_batch", ["a"], processor="base", output={"type": "json"}, field="output.json_schema"),
    case("task_groups.run_batch", ["a"], processor="base", output=TOO_DEEP, field="output.a.b.c.d.e.f"),
    case("task_groups.run_batch", ["a"], processor="base", output=TOO_WIDE, field="output"),
    case("task_groups.run_batch", ["a"], processor="base", output=Node, field="output.children.items"),
    case(
        "task_groups.run_batch",
        ["a"],
        processor="base",
        output="text",
        input_schema=Node,
        field="input_schema.children.items",
    ),
    case("task_groups.run_batch", ["a"], processor="base", input_schema="", field="input_schema"),
]
