"""``ParallelTaskRunnable``: a Parallel task run as an LCEL runnable with structured output.

``invoke`` creates the run first, so that the LangChain run carries its id (``parallel_run_id``) and processor in
its metadata, then waits for the answer inside that run, dispatching ``parallel_task_start`` and
``parallel_task_end``. ``batch`` sends every input as one Task Group through the client's batch runner; each input
still gets its own LangChain run (callbacks, tags, metadata), ended as its task run ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from functools import partial
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForChainRun,
    CallbackManagerForChainRun,
)
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import (
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    get_config_list,
    merge_configs,
    run_in_executor,
)
from pydantic import Field

from parallel_integrations import BatchItem, OutputValidationError, ParallelError, ParallelValidationError, TaskRun
from parallel_integrations import TaskRunResult as _Result

from ._tasks import START_EVENT, TaskSettings, aemit, emit, is_model_class, start_data

__all__ = ["ParallelTaskRunnable"]

TaskInput = str | dict[str, Any] | PromptValue
"""A run's input: a string, a dict of named values, or a prompt's output (sent as its text)."""


def _check_input(value: Any, field: str) -> str | dict[str, Any]:
    if isinstance(value, PromptValue):
        return value.to_string()
    if isinstance(value, str | dict):
        return value
    raise ParallelValidationError(field, f"a string, a dict or a prompt value (got {type(value).__name__})")


def _raise(error: BaseException, _: Any) -> Any:
    raise error


class ParallelTaskRunnable(TaskSettings, RunnableSerializable[TaskInput, Any]):
    """A Parallel task run as a runnable: ``invoke(str | dict)`` returns an instance of ``output`` (a pydantic
    class), the text (a text description), or the JSON answer (a JSON schema, or None for automatic output).

    >>> research = ParallelTaskRunnable(output=CompanyProfile, processor="base")
    >>> profile = research.invoke("Acme Corp, the anvil maker")           # a CompanyProfile
    >>> profiles = research.batch(["Acme Corp", "Globex"])                # one Task Group, input order
    >>> chain = prompt | ParallelTaskRunnable(output="a short answer")    # composes in LCEL

    With ``include_raw=True`` each answer is ``{"raw": <the typed result with its basis>, "parsed": <the value
    or None>, "parsing_error": <OutputValidationError or None>}``, as ``with_structured_output`` gives; turn
    ``raw`` into citation documents with :func:`basis_documents`.

    Args:
        output: a pydantic class, a JSON schema, a text description, or None (the API decides).
        processor: the task processor (default ``"base"``).
        include_raw: return the raw result next to the parsed value (a parsing failure is then returned, not
            raised).
        run_timeout: seconds to wait for one run's answer (None: as long as it is active).
        batch_fetch_concurrency: result fetches in flight during ``batch``.
        api_key, base_url, timeout, max_retries, client, async_client: how to reach the API.

    ``close()`` / ``await aclose()`` (or ``with`` / ``async with``) close the clients the runnable built.
    """

    include_raw: bool = Field(default=False, strict=True, description="Return raw, parsed and parsing_error.")
    batch_fetch_concurrency: int = Field(default=16, ge=1, strict=True, description="Result fetches in flight.")

    # --- types ------------------------------------------------------------------------------------------------

    @property
    def InputType(self) -> Any:
        """What ``invoke`` takes."""
        return TaskInput

    @property
    def OutputType(self) -> Any:
        """What ``invoke`` returns."""
        if self.include_raw:
            return dict[str, Any]
        if is_model_class(self.output):
            return self.output
        if isinstance(self.output, str) or (isinstance(self.output, dict) and self.output.get("type") == "text"):
            return str
        return dict[str, Any] | str

    # --- one input ----------------------------------------------------------------------------------------------

    def _traced(self, config: RunnableConfig | None, run: TaskRun | None = None) -> RunnableConfig:
        metadata: dict[str, Any] = {"ls_provider": "parallel", "parallel_processor": self.processor}
        if run is not None:
            metadata["parallel_run_id"] = run.run_id
        return merge_configs(ensure_config(config), {"metadata": metadata})

    def _shape(self, result: _Result) -> Any:
        value = getattr(result, "parsed", None) if is_model_class(self.output) else result.output.content
        return {"raw": result, "parsed": value, "parsing_error": None} if self.include_raw else value

    def _parsing_failed(self, error: OutputValidationError) -> Any:
        if not self.include_raw:
            raise error
        return {"raw": error.result, "parsed": None, "parsing_error": error}

    def _wait(self, run: TaskRun, _input: Any, run_manager: CallbackManagerForChainRun) -> Any:
        emit(START_EVENT, start_data(run))
        try:
            return self._shape(self._finish(run.run_id, self.run_timeout))
        except OutputValidationError as exc:
            return self._parsing_failed(exc)

    async def _await(self, run: TaskRun, _input: Any, run_manager: AsyncCallbackManagerForChainRun) -> Any:
        await aemit(START_EVENT, start_data(run))
        try:
            return self._shape(await self._afinish(run.run_id, self.run_timeout))
        except OutputValidationError as exc:
            return self._parsing_failed(exc)

    def invoke(self, input: TaskInput, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run one task and return its answer (see the class docstring for its type)."""
        try:
            run = self._create(_check_input(input, "input"))
        except ParallelError as exc:  # traced as this runnable's failure
            return self._call_with_config(partial(_raise, exc), input, self._traced(config))
        return self._call_with_config(partial(self._wait, run), input, self._traced(config, run))

    async def ainvoke(self, input: TaskInput, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run one task and return its answer, without blocking the event loop."""
        try:
            run = await self._acreate(_check_input(input, "input"))
        except ParallelError as exc:
            return await self._acall_with_config(partial(_araise, exc), input, self._traced(config))
        return await self._acall_with_config(partial(self._await, run), input, self._traced(config, run))

    # --- many inputs: one Task Group ----------------------------------------------------------------------------

    def _outcome(self, item: BatchItem[Any]) -> Any:
        if item.error is None:
            return self._shape(item.unwrap())
        if isinstance(item.error, OutputValidationError) and self.include_raw:
            return self._parsing_failed(item.error)
        return item.error

    def _batch_args(self, inputs: Sequence[TaskInput]) -> dict[str, Any]:
        return {
            "inputs": [_check_input(value, f"inputs[{index}]") for index, value in enumerate(inputs)],
            "processor": self.processor,
            "output": self.output,
            "max_concurrency": self.batch_fetch_concurrency,
        }

    def _configs(self, inputs: Sequence[TaskInput], config: Any) -> list[RunnableConfig]:
        return [self._traced(c) for c in get_config_list(config, len(inputs))]

    def _run_name(self, config: RunnableConfig) -> str:
        return config.get("run_name") or self.get_name()

    def batch_as_completed(
        self,
        inputs: Sequence[TaskInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Any]]:
        """Run every input as one Task Group and yield ``(index, answer)`` as runs finish. A failed run yields
        its error with ``return_exceptions=True`` and raises it otherwise."""
        if not inputs:
            return
        arguments = self._batch_args(inputs)
        configs = self._configs(inputs, config)
        managers = [
            get_callback_manager_for_config(c).on_chain_start(
                None, value, name=self._run_name(c), run_id=c.pop("run_id", None)
            )
            for c, value in zip(configs, inputs, strict=True)
        ]
        pending = set(range(len(inputs)))
        try:
            for item in self.sync_client().task_groups.run_batch(**arguments):
                outcome = self._outcome(item)
                pending.discard(item.index)
                if isinstance(outcome, Exception):
                    managers[item.index].on_chain_error(outcome)
                    if not return_exceptions:
                        raise outcome
                else:
                    managers[item.index].on_chain_end(outcome)
                yield item.index, outcome
        except BaseException as exc:
            for index in pending:
                managers[index].on_chain_error(exc)
            raise

    async def abatch_as_completed(
        self,
        inputs: Sequence[TaskInput],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Any]]:
        """Async :meth:`batch_as_completed`: one Task Group, ``(index, answer)`` as runs finish."""
        if not inputs:
            return
        client = self.async_client_or_none()
        if client is None:
            # Only a sync client was given: the sync batch runs in a worker thread, and its answers come at the end.
            done = await run_in_executor(
                None, lambda: list(self.batch_as_completed(inputs, config, return_exceptions=return_exceptions))
            )
            for pair in done:
                yield pair
            return
        arguments = self._batch_args(inputs)
        configs = self._configs(inputs, config)
        managers = [
            await get_async_callback_manager_for_config(c).on_chain_start(
                None, value, name=self._run_name(c), run_id=c.pop("run_id", None)
            )
            for c, value in zip(configs, inputs, strict=True)
        ]
        pending = set(range(len(inputs)))
        try:
            async for item in client.task_groups.run_batch(**arguments):
                outcome = self._outcome(item)
                pending.discard(item.index)
                if isinstance(outcome, Exception):
                    await managers[item.index].on_chain_error(outcome)
                    if not return_exceptions:
                        raise outcome
                else:
                    await managers[item.index].on_chain_end(outcome)
                yield item.index, outcome
        except BaseException as exc:
            for index in pending:
                await managers[index].on_chain_error(exc)
            raise

    def batch(
        self,
        inputs: list[TaskInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Run every input as one Task Group; answers in input order. A failed run raises its error after every
        run has ended, unless ``return_exceptions=True`` puts it in its place."""
        answers: list[Any] = [None] * len(inputs)
        for index, answer in self.batch_as_completed(inputs, config, return_exceptions=True):
            answers[index] = answer
        return _in_order(answers, return_exceptions)

    async def abatch(
        self,
        inputs: list[TaskInput],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """Async :meth:`batch`: one Task Group, answers in input order."""
        answers: list[Any] = [None] * len(inputs)
        async for index, answer in self.abatch_as_completed(inputs, config, return_exceptions=True):
            answers[index] = answer
        return _in_order(answers, return_exceptions)


async def _araise(error: BaseException, _: Any) -> Any:
    raise error


def _in_order(answers: list[Any], return_exceptions: bool) -> list[Any]:
    if not return_exceptions:
        first = next((answer for answer in answers if isinstance(answer, Exception)), None)
        if first is not None:
            raise first
    return answers
