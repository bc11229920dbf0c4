"""Agent tools: ``parallel_search`` (web search), ``parallel_task`` (a research task with cited answer), and the
non-blocking pair ``parallel_task_start`` / ``parallel_task_result``.

The model sees only the arguments of each ``args_schema``; everything the developer fixes (processor, result count,
excerpt size, source policy, output schema, timeouts, text budget) is a constructor argument. Each tool answers
with ``response_format="content_and_artifact"``: compact text with numbered, URL-bearing sources for the model,
and the typed response as the artifact. API errors reach the model as a readable ``ToolException`` message
(``handle_tool_error=True``).
"""

# No ``from __future__ import annotations`` here: BaseTool.run reads the type hints of ``_run`` on every call, and
# string annotations would be compiled each time (about 200 µs a call).
import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cache
from types import FunctionType, TracebackType
from typing import Any, ClassVar, Literal, NamedTuple

import langchain_core
from langchain_core.tools import ArgsSchema, BaseTool, ToolException
from langchain_core.tools.base import FILTERED_ARGS
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.v1 import ValidationError as ValidationErrorV1  # what BaseTool's signature names (already imported)

from parallel_integrations import ParallelError, SearchResponse, TaskRun, TaskRunResult, TaskRunTimeoutError
from parallel_integrations.documents import DEFAULT_CHAR_BUDGET, render_search, render_task_result

from ._search import SearchSettings
from ._tasks import TaskSettings

__all__ = [
    "ParallelSearchInput",
    "ParallelSearchTool",
    "ParallelTaskInput",
    "ParallelTaskResultInput",
    "ParallelTaskResultTool",
    "ParallelTaskStartTool",
    "ParallelTaskTool",
    "errors_for_the_model",
    "explain_invalid_arguments",
    "tool_error",
]


def tool_error(exc: ParallelError) -> ToolException:
    """An API or input error as the message a model reads (the error's own text never holds the key)."""
    return ToolException(f"Parallel API error ({type(exc).__name__}): {exc}")


class _ErrorsForTheModel:
    # A plain class, not @contextmanager: it is entered on every tool call, and a generator costs more.
    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        if isinstance(exc, ParallelError):
            raise tool_error(exc) from exc


_ERRORS_FOR_THE_MODEL = _ErrorsForTheModel()


def errors_for_the_model() -> AbstractContextManager[None]:
    """Turn the package's errors into ``ToolException``, which ``handle_tool_error`` shows the model."""
    return _ERRORS_FOR_THE_MODEL


def explain_invalid_arguments(exc: ValidationError | ValidationErrorV1) -> str:
    """Arguments that do not fit the tool's schema, as a message the model can act on."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}" for error in exc.errors()
    )
    return f"Invalid arguments ({problems}). Fix them and call the tool again."


VERIFIED_LANGCHAIN_CORE = frozenset({(1, 8)})
"""The langchain-core releases (major, minor) whose ``BaseTool.run`` was checked to call the two argument methods
:class:`_ParallelTool` answers itself; under any other, LangChain's own methods run."""
FAST_ARGUMENTS = tuple(int(part) for part in langchain_core.__version__.split(".")[:2]) in VERIFIED_LANGCHAIN_CORE


class _ParallelTool(BaseTool):
    """What every Parallel tool shares: text and artifact, readable errors, a text budget, and argument handling
    that does once per class what ``BaseTool`` does on every call.

    ``BaseTool.run`` asks two of its methods for the arguments: ``_filter_injected_args`` (what the callbacks are
    shown) and ``_to_args_and_kwargs`` (what ``_run`` receives). For any schema they walk its annotations looking
    for injected arguments, twice a call, then validate, dump and rebuild the arguments: about a third of what
    LangChain spends on a call. The schemas of this module (``own_schema``) have no injected arguments and no
    aliases, so the same answers come from one validation. Any other ``args_schema`` (a subclass's) takes
    LangChain's own path, and so does every call under a langchain-core release outside
    ``VERIFIED_LANGCHAIN_CORE`` (these are private methods: another release may call them differently).
    ``tests/langchain/test_tool_arguments.py`` checks both answers against ``BaseTool``'s.
    """

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool | str | Callable[[ToolException], str] | None = True
    handle_validation_error: bool | str | Callable[[ValidationError | ValidationErrorV1], str] | None = (
        explain_invalid_arguments
    )
    max_chars: int = Field(
        default=DEFAULT_CHAR_BUDGET, ge=200, strict=True, description="Length of the text the model reads."
    )

    own_schema: ClassVar[type[BaseModel] | None] = None
    """The argument schema this class defines (the fast path applies while ``args_schema`` is still it)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # BaseTool.run calls inspect.signature on _run (or _arun) on every call, to look for run_manager. A
        # function's __signature__, when set, is what inspect returns: compute it once, here.
        for name in ("_run", "_arun"):
            method = cls.__dict__.get(name)
            if isinstance(method, FunctionType) and "__signature__" not in method.__dict__:
                method.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]

    def _filter_injected_args(self, tool_input: dict[str, Any]) -> dict[str, Any]:
        if not FAST_ARGUMENTS or self.args_schema is not self.own_schema or self.own_schema is None:
            return super()._filter_injected_args(tool_input)
        hidden = self._injected_args_keys
        return {key: value for key, value in tool_input.items() if key not in _LANGCHAIN_ARGS and key not in hidden}

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        schema = self.own_schema
        if not FAST_ARGUMENTS or self.args_schema is not schema or schema is None or self._injected_args_keys:
            return super()._to_args_and_kwargs(tool_input, tool_call_id)
        names = _field_names(schema)
        if isinstance(tool_input, str):
            # As BaseTool does: a bare string is checked as the first argument and passed positionally.
            schema.model_validate({names[0]: tool_input})
            return (tool_input,), {}
        arguments = schema.model_validate(tool_input)
        return (), {name: getattr(arguments, name) for name in names}


_LANGCHAIN_ARGS = frozenset(FILTERED_ARGS)


@cache
def _field_names(schema: type[BaseModel]) -> tuple[str, ...]:
    return tuple(schema.model_fields)


class ParallelSearchInput(BaseModel):
    """What a model gives ``parallel_search``."""

    model_config = ConfigDict(defer_build=True)

    objective: str = Field(
        description=(
            "What you need to find out, as a natural-language goal: the question to answer or the facts needed, "
            "with any context that narrows it (time period, place, kind of source to prefer). At most 5,000 "
            "characters."
        )
    )
    search_queries: list[str] | None = Field(
        default=None,
        description=(
            "Optional: up to 5 short keyword queries (a few words each, at most 200 characters) that complement "
            "the objective, e.g. ['python decorators', 'functools.wraps']. Leave out to search by the objective."
        ),
    )


class _SearchAnswer(NamedTuple):
    # A class rather than tuple[str, SearchResponse]: BaseTool evaluates the annotations of _run on every call,
    # and a plain class costs less to evaluate than a parametrised tuple.
    text: str
    response: SearchResponse


class ParallelSearchTool(SearchSettings, _ParallelTool):
    """Web search for an agent (tool name ``parallel_search``).

    The model gives an ``objective`` and optional ``search_queries``; the tool answers with numbered results (title,
    URL, excerpts) cut to ``max_chars`` characters, and the typed :class:`SearchResponse` as artifact.

    >>> tool = ParallelSearchTool(max_results=5, max_chars=4000)
    >>> tool.invoke({"objective": "When was PEP 572 accepted?"})            # the text
    >>> tool.invoke({"type": "tool_call", "id": "1", "name": "parallel_search", "args": {...}})  # a ToolMessage

    Args:
        max_results: results per search, 1 to 40 (default 5).
        max_chars: size of the text the model reads, in characters; results past it are left out with a note.
        processor, max_chars_per_result, source_policy: passed to every search.
        api_key, base_url, timeout, max_retries, client, async_client: how to reach the API.
    """

    name: str = "parallel_search"
    description: str = (
        "Search the web with Parallel. Give an objective (what you need to find out) and optionally a few keyword "
        "queries. Returns numbered sources, each with its title, URL and relevant excerpts: cite the URLs you use."
    )
    args_schema: ArgsSchema | None = ParallelSearchInput
    own_schema: ClassVar[type[BaseModel] | None] = ParallelSearchInput
    max_results: int = Field(default=5, ge=1, le=40, strict=True, description="Results per search (1 to 40).")

    def _run(
        self,
        objective: str,
        search_queries: list[str] | None = None,
    ) -> _SearchAnswer:
        with errors_for_the_model():
            response = self._search(objective, search_queries, self.max_results)
        return _SearchAnswer(render_search(response, max_chars=self.max_chars), response)

    async def _arun(
        self,
        objective: str,
        search_queries: list[str] | None = None,
    ) -> _SearchAnswer:
        with errors_for_the_model():
            response = await self._asearch(objective, search_queries, self.max_results)
        return _SearchAnswer(render_search(response, max_chars=self.max_chars), response)


# --- task runs ----------------------------------------------------------------------------------------------------


class ParallelTaskInput(BaseModel):
    """What a model gives ``parallel_task`` and ``parallel_task_start``."""

    model_config = ConfigDict(defer_build=True)

    input: str = Field(
        description=(
            "The research task, in natural language: what to find out, about whom or what, with the context a "
            "researcher needs (full names, dates, places, what counts as a good source). One task per call."
        )
    )


class ParallelTaskResultInput(BaseModel):
    """What a model gives ``parallel_task_result``."""

    model_config = ConfigDict(defer_build=True)

    run_id: str = Field(description="The run id that parallel_task_start returned (it starts with 'trun_').")


class _TaskTool(TaskSettings, _ParallelTool):
    def _answer(self, result: TaskRunResult) -> tuple[str, TaskRunResult]:
        return render_task_result(result, max_chars=self.max_chars), result


class ParallelTaskTool(_TaskTool):
    """A web research task for an agent (tool name ``parallel_task``): the model gives ``input``, the tool waits
    for the run and answers with each field's value, its citation numbers and confidence, then the numbered
    sources with their URLs; the artifact is the typed result with its basis (``.parsed`` is an instance of
    ``output`` when that is a pydantic class).

    >>> tool = ParallelTaskTool(processor="base", output=CompanyProfile, run_timeout=600)

    Progress is dispatched as custom events ``parallel_task_start`` (with the run id) and ``parallel_task_end``.

    Args:
        processor: the task processor (default ``"base"``).
        output: a pydantic class, a JSON schema, a text description, or None (the API decides).
        run_timeout: seconds to wait for the answer (None: as long as the run is active).
        max_chars: size of the text the model reads.
        api_key, base_url, timeout, max_retries, client, async_client: how to reach the API.
    """

    name: str = "parallel_task"
    description: str = (
        "Research a question on the web with Parallel and get an answer with citations. Describe the task fully "
        "in `input`. Slower than a search (seconds to minutes) but answers from many sources; cite the URLs."
    )
    args_schema: ArgsSchema | None = ParallelTaskInput
    own_schema: ClassVar[type[BaseModel] | None] = ParallelTaskInput

    def _run(self, input: str) -> tuple[str, TaskRunResult]:
        with errors_for_the_model():
            return self._answer(self._run_task(input))

    async def _arun(self, input: str) -> tuple[str, TaskRunResult]:
        with errors_for_the_model():
            return self._answer(await self._arun_task(input))


class ParallelTaskStartTool(_TaskTool):
    """Starts a research task without waiting (tool name ``parallel_task_start``): answers at once with the run id,
    which the model passes to ``parallel_task_result`` later. The artifact is the queued :class:`TaskRun`. Takes
    the settings of :class:`ParallelTaskTool`; dispatches ``parallel_task_start``."""

    name: str = "parallel_task_start"
    description: str = (
        "Start a web research task with Parallel without waiting for it; returns a run id at once. Do other work, "
        "then call parallel_task_result with that run id to get the answer with citations."
    )
    args_schema: ArgsSchema | None = ParallelTaskInput
    own_schema: ClassVar[type[BaseModel] | None] = ParallelTaskInput

    def _run(self, input: str) -> tuple[str, TaskRun]:
        with errors_for_the_model():
            run = self._start(input)
        return _started(run), run

    async def _arun(self, input: str) -> tuple[str, TaskRun]:
        with errors_for_the_model():
            run = await self._astart(input)
        return _started(run), run


def _started(run: TaskRun) -> str:
    return (
        f"Started research run {run.run_id} (status: {run.status}). Call parallel_task_result with "
        f'run_id="{run.run_id}" to get the answer; it can take from seconds to minutes.'
    )


def _still_running(exc: TaskRunTimeoutError) -> tuple[str, dict[str, Any]]:
    text = (
        f"Run {exc.run_id} is still running (checked for {exc.waited:.0f} s). Call parallel_task_result again "
        "later with the same run_id."
    )
    return text, {"run_id": exc.run_id, "status": "running"}


class ParallelTaskResultTool(_TaskTool):
    """Fetches the answer of a run started by ``parallel_task_start`` (tool name ``parallel_task_result``). Waits
    at most ``wait`` seconds: a finished run gives the answer with citations (artifact: the typed result); a run
    still going gives a short note saying so (artifact: ``{"run_id", "status": "running"}``), and the model can
    ask again. Give it the same ``output`` as the start tool to get typed artifacts; dispatches
    ``parallel_task_end`` when the run has ended."""

    name: str = "parallel_task_result"
    description: str = (
        "Get the answer of a research run started with parallel_task_start, given its run id. If the run is still "
        "going it says so: call again later."
    )
    args_schema: ArgsSchema | None = ParallelTaskResultInput
    own_schema: ClassVar[type[BaseModel] | None] = ParallelTaskResultInput
    wait: float = Field(
        default=5.0, ge=1, strict=True, description="Seconds to wait for a running run before saying so."
    )

    def _run(self, run_id: str) -> tuple[str, TaskRunResult | dict[str, Any]]:
        with errors_for_the_model():
            try:
                return self._answer(self._finish(run_id, self.wait))
            except TaskRunTimeoutError as exc:
                return _still_running(exc)

    async def _arun(self, run_id: str) -> tuple[str, TaskRunResult | dict[str, Any]]:
        with errors_for_the_model():
            try:
                return self._answer(await self._afinish(run_id, self.wait))
            except TaskRunTimeoutError as exc:
                return _still_running(exc)
