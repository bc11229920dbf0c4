"""Parallel as a source of LlamaIndex ``Document``s: search results, and the citations of a task run.

>>> reader = ParallelSearchReader(max_results=5)      # key from PARALLEL_API_KEY
>>> documents = reader.load_data("how do Python decorators work")
>>> index = VectorStoreIndex.from_documents(documents)

Every document's id is stable (a search result's URL; a citation's run, field and URL), so ingesting again
through an ``IngestionPipeline`` with a docstore replaces documents instead of adding copies. Metadata is flat
(see :mod:`parallel_integrations.documents` for the keys). Both readers are pydantic components: ``repr``,
``model_dump`` and ``to_dict`` show their settings, never the API key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Literal

from llama_index.core.bridge.pydantic import Field, PrivateAttr, field_serializer
from llama_index.core.readers.base import BasePydanticReader
from llama_index.core.schema import Document

from parallel_integrations import AsyncParallelClient, ParallelClient, SourcePolicy

from . import _checks
from ._clients import Clients, Closable, SearchCall, TaskCall
from ._convert import input_text, search_result_documents, task_documents

__all__ = ["ParallelSearchReader", "ParallelTaskReader"]


class ParallelSearchReader(Closable, BasePydanticReader):
    """One ``Document`` per Parallel search result: the excerpts as text; ``url``, ``title``, ``publish_date``,
    ``rank``, ``search_id`` and ``query`` as metadata; the URL as id.

    Args:
        api_key: the Parallel key; falls back to ``PARALLEL_API_KEY``. Not stored on the reader.
        base_url: the API root; falls back to ``PARALLEL_BASE_URL``, then the public API.
        client: a :class:`ParallelClient` to use instead of building one (then give no ``api_key``/``base_url``).
        async_client: an :class:`AsyncParallelClient` for the async methods (without it, async calls run
            ``client`` in a worker thread).
        processor: ``"base"`` (fast) or ``"pro"`` (thorough); the API's default when ``None``.
        max_results: results per search, 1 to 40 (a ``load_data`` argument overrides it).
        max_chars_per_result: the excerpt budget of each result (at least 100).
        source_policy: ``{"include_domains": [...], "exclude_domains": [...]}``.

    Any other keyword argument is refused (a misspelt setting), except ``is_remote``, which ``to_dict()`` holds.
    ``close()`` / ``await aclose()`` (or ``with`` / ``async with``) close the clients the reader built.
    """

    is_remote: bool = True
    processor: str | None = Field(default=None, description="search processor: 'base' or 'pro'")
    max_results: int | None = Field(default=None, description="results per search, 1 to 40")
    max_chars_per_result: int | None = Field(default=None, description="excerpt budget per result")
    source_policy: dict[str, Any] | None = Field(default=None, description="domains to include or exclude")
    _clients: Clients = PrivateAttr()

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client: ParallelClient | None = None,
        async_client: AsyncParallelClient | None = None,
        processor: str | None = None,
        max_results: int | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        _checks.no_unknown_settings(kwargs)
        settings = SearchCall.checked(
            processor=processor,
            max_results=max_results,
            max_chars_per_result=max_chars_per_result,
            source_policy=source_policy,
        )
        super().__init__(
            processor=settings.processor,
            max_results=settings.max_results,
            max_chars_per_result=settings.max_chars_per_result,
            source_policy=settings.source_policy,
        )
        self._clients = Clients.resolve(api_key=api_key, base_url=base_url, client=client, async_client=async_client)

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serialises this reader under."""
        return "ParallelSearchReader"

    def _call(self, objective: object, search_queries: object, max_results: object) -> SearchCall:
        return SearchCall.checked(
            objective,
            search_queries,
            processor=self.processor,
            max_results=self.max_results if max_results is None else max_results,
            max_chars_per_result=self.max_chars_per_result,
            source_policy=self.source_policy,
        )

    def lazy_load_data(
        self,
        objective: str | None = None,
        search_queries: list[str] | None = None,
        max_results: int | None = None,
    ) -> Iterator[Document]:
        """An iterator that searches on first use, then yields one document per result, best first. The arguments
        are checked at once.

        Args:
            objective: what to look for, in words (give this, ``search_queries``, or both).
            search_queries: up to 5 keyword queries (one string is one query).
            max_results: results for this call (default: the reader's setting, else the API's 10).

        Raises:
            ParallelValidationError: a wrong type or a broken limit (nothing was sent).
            ParallelError: the API refused or could not be reached (a subclass per cause).
        """
        call = self._call(objective, search_queries, max_results)

        def documents() -> Iterator[Document]:
            yield from search_result_documents(self._clients.search(call), call.query)

        return documents()

    def alazy_load_data(  # type: ignore[override]
        self,
        objective: str | None = None,
        search_queries: list[str] | None = None,
        max_results: int | None = None,
    ) -> AsyncIterator[Document]:
        """Async :meth:`lazy_load_data`, on the async client: ``async for document in reader.alazy_load_data(...)``."""
        call = self._call(objective, search_queries, max_results)

        async def documents() -> AsyncIterator[Document]:
            for document in search_result_documents(await self._clients.asearch(call), call.query):
                yield document

        return documents()

    def load_data(
        self,
        objective: str | None = None,
        search_queries: list[str] | None = None,
        max_results: int | None = None,
    ) -> list[Document]:
        """Search and return one document per result, best first. Arguments as in :meth:`lazy_load_data`."""
        return list(self.lazy_load_data(objective, search_queries, max_results))

    async def aload_data(
        self,
        objective: str | None = None,
        search_queries: list[str] | None = None,
        max_results: int | None = None,
    ) -> list[Document]:
        """Async :meth:`load_data`, on the async client (the event loop never waits on a socket)."""
        return [document async for document in self.alazy_load_data(objective, search_queries, max_results)]


AnswerPlacement = Literal["document", "metadata"]


class ParallelTaskReader(Closable, BasePydanticReader):
    """``Document``s from one Parallel task run: one per citation in the answer's basis, and the answer itself.

    A citation's text is its excerpts; its metadata names the ``field`` it supports, the basis's ``reasoning`` and
    ``confidence``, the ``url``, ``title``, ``run_id`` and ``processor``. The answer (a text output's text, a JSON
    output's content as JSON) is a document of its own, placed first (``answer_as="document"``), or goes into
    ``metadata["answer"]`` of the first citation (``answer_as="metadata"``).

    Args:
        processor: the task processor (``"lite"``, ``"base"``, ``"core"``, ``"pro"``, ...).
        output: a pydantic class, a JSON schema or a text description of the answer; ``None`` lets the
            processor choose. ``to_dict()`` holds a class as its JSON schema.
        timeout: seconds to wait for the run (``None``: as long as it takes).
        answer_as: where the answer goes, see above.
        api_key, base_url, client, async_client: as for :class:`ParallelSearchReader`.

    Any other keyword argument is refused, as for :class:`ParallelSearchReader`, and closing works the same.
    """

    is_remote: bool = True
    processor: str = Field(default="base", description="task processor")
    output: Any = Field(default=None, description="pydantic class, JSON schema or text description of the answer")
    timeout: float | None = Field(default=None, description="seconds to wait for the run")
    answer_as: AnswerPlacement = Field(default="document", description="'document' or 'metadata'")
    _clients: Clients = PrivateAttr()

    @field_serializer("output")
    def _output_as_json(self, output: Any) -> Any:
        return _checks.serialisable_output(output)

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client: ParallelClient | None = None,
        async_client: AsyncParallelClient | None = None,
        processor: str = "base",
        output: Any = None,
        timeout: float | None = None,
        answer_as: AnswerPlacement = "document",
        **kwargs: Any,
    ) -> None:
        _checks.no_unknown_settings(kwargs)
        super().__init__(
            processor=_checks.required_text("processor", processor),
            output=_checks.task_output("output", output),
            timeout=_checks.optional_seconds("timeout", timeout),
            answer_as=_checks.choice("answer_as", answer_as, ("document", "metadata")),
        )
        self._clients = Clients.resolve(api_key=api_key, base_url=base_url, client=client, async_client=async_client)

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serialises this reader under."""
        return "ParallelTaskReader"

    def _call(self, input: Any) -> TaskCall:
        checked = _checks.task_input("input", input)
        return TaskCall(input=checked, processor=self.processor, output=self.output, timeout=self.timeout)

    def lazy_load_data(self, input: Any) -> Iterator[Document]:
        """An iterator that runs the task on ``input`` (a question, or a mapping or pydantic instance for
        structured input) on first use, waits for it, then yields the answer and citation documents. ``input``
        is checked at once.

        Raises:
            ParallelValidationError: bad input (nothing was sent).
            TaskRunFailedError, TaskRunTimeoutError: the run failed, or outlived ``timeout``.
            ParallelError: the API refused or could not be reached.
        """
        call = self._call(input)

        def documents() -> Iterator[Document]:
            yield from task_documents(self._clients.execute(call), input_text(input), answer_as=self.answer_as)

        return documents()

    def alazy_load_data(self, input: Any) -> AsyncIterator[Document]:  # type: ignore[override]
        """Async :meth:`lazy_load_data`, on the async client: ``async for document in reader.alazy_load_data(...)``."""
        call = self._call(input)

        async def documents() -> AsyncIterator[Document]:
            result = await self._clients.aexecute(call)
            for document in task_documents(result, input_text(input), answer_as=self.answer_as):
                yield document

        return documents()

    def load_data(self, input: Any) -> list[Document]:
        """Run the task on ``input`` and return its documents (see :meth:`lazy_load_data`)."""
        return list(self.lazy_load_data(input))

    async def aload_data(self, input: Any) -> list[Document]:
        """Async :meth:`load_data`, on the async client."""
        return [document async for document in self.alazy_load_data(input)]
