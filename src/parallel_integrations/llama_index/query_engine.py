"""A Parallel task run as a LlamaIndex query engine: the question goes to a task processor, which researches the
web; the answer is the response and its citations are the source nodes. No LLM of yours is involved:

>>> engine = ParallelQueryEngine(processor="base")
>>> response = engine.query("Who created Python, and when was it first released?")
>>> print(response)                      # the answer
>>> response.source_nodes[0].node.metadata["url"]
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.response.schema import RESPONSE_TYPE, PydanticResponse, Response
from llama_index.core.callbacks.base import CallbackManager
from llama_index.core.prompts.mixin import PromptMixinType
from llama_index.core.schema import QueryBundle

from parallel_integrations import AsyncParallelClient, ParallelClient, TaskRunResult

from . import _checks
from ._clients import Clients, Closable, TaskCall
from ._convert import answer_text, citation_nodes, parsed_of, response_metadata

__all__ = ["ParallelQueryEngine"]


class ParallelQueryEngine(Closable, BaseQueryEngine):
    """Each query is one Parallel task run.

    ``query(question)`` returns a ``Response`` whose text is the answer (a JSON output as indented JSON), or, with
    ``output=`` a pydantic class, a ``PydanticResponse`` holding the instance (its fields read as attributes).
    ``source_nodes`` are the citations, one node per citation and field (``metadata``: ``field``, ``reasoning``,
    ``confidence``, ``url``, ``title``, ``run_id``), scored by confidence: high 0.9, medium 0.6, low 0.3, ``None``
    when the API gave none. ``response.metadata`` holds ``run_id``, ``processor``, ``output_type``, the whole
    ``basis`` as plain dicts, and ``content`` for JSON output. As a LlamaIndex query engine it emits the query
    start and end events and spans; it never uses ``Settings.llm``.

    Args:
        processor: the task processor (``"lite"``, ``"base"``, ``"core"``, ``"pro"``, ...).
        output: a pydantic class, a JSON schema or a text description of the answer; ``None`` lets the
            processor choose.
        timeout: seconds to wait for a run (``None``: as long as it takes); past it, ``TaskRunTimeoutError``.
        api_key, base_url, client, async_client: as for :class:`ParallelSearchReader`.
        callback_manager: as for any LlamaIndex query engine.

    Raises (from ``query``/``aquery``): ``TaskRunFailedError``, ``TaskRunTimeoutError``,
    ``OutputValidationError`` (the answer does not fit ``output``), and the other ``ParallelError`` subclasses.

    ``close()`` / ``await aclose()`` (or ``with`` / ``async with``) close the clients the engine built.
    """

    def __init__(
        self,
        processor: str = "base",
        output: Any = None,
        *,
        timeout: float | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        client: ParallelClient | None = None,
        async_client: AsyncParallelClient | None = None,
        callback_manager: CallbackManager | None = None,
    ) -> None:
        self._call = TaskCall(
            input="",
            processor=_checks.required_text("processor", processor),
            output=_checks.task_output("output", output),
            timeout=_checks.optional_seconds("timeout", timeout),
        )
        self._clients = Clients.resolve(api_key=api_key, base_url=base_url, client=client, async_client=async_client)
        super().__init__(callback_manager=callback_manager)

    @property
    def processor(self) -> str:
        """The task processor each query runs on."""
        return self._call.processor

    @property
    def output(self) -> Any:
        """What the answer looks like: a pydantic class, a JSON schema, a text description or ``None``."""
        return self._call.output

    def __repr__(self) -> str:
        output = self.output.__name__ if isinstance(self.output, type) else self.output
        return (
            f"{type(self).__name__}(processor={self.processor!r}, output={output!r}, "
            f"base_url={self._clients.base_url!r})"
        )

    def _get_prompt_modules(self) -> PromptMixinType:
        return {}  # no prompts: the processor writes the answer

    def _task(self, query_bundle: QueryBundle) -> TaskCall:
        return TaskCall(query_bundle.query_str, self.processor, self.output, self._call.timeout)

    def _query(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        return _response(self._clients.execute(self._task(query_bundle)))

    async def _aquery(self, query_bundle: QueryBundle) -> RESPONSE_TYPE:
        return _response(await self._clients.aexecute(self._task(query_bundle)))


def _response(result: TaskRunResult) -> Response | PydanticResponse:
    parsed, sources, metadata = parsed_of(result), citation_nodes(result), response_metadata(result)
    if parsed is not None:
        return PydanticResponse(response=parsed, source_nodes=sources, metadata=metadata)
    return Response(answer_text(result), source_nodes=sources, metadata=metadata)
