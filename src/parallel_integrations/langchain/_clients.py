"""Settings shared by every LangChain object of this package, and the clients built from them.

Each object resolves its settings once (the argument, then ``PARALLEL_API_KEY`` / ``PARALLEL_BASE_URL``, then the
default) and builds one :class:`ParallelClient` and one :class:`AsyncParallelClient` in ``model_post_init``: every
call, sync or async, from any thread, reuses them (the async client keeps one connection pool per event loop).
An injected ``client=`` and/or ``async_client=`` is used instead; with only ``client=``, async calls run it in a
worker thread.

Every object can be closed (``close()``, ``await aclose()``, ``with``, ``async with``): it then closes the clients it
built itself, never injected ones (those belong to the caller, like the toolkit's clients its tools share), and
refuses further calls with a :class:`ParallelValidationError` naming ``client``.

Invalid settings raise :class:`ParallelValidationError` naming the field, as everywhere in the package, instead of
pydantic's ``ValidationError``.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Literal, Self

from langchain_core.utils import from_env, secret_from_env
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelError, ParallelValidationError

__all__ = ["ClientSettings", "as_parallel_error"]

DEFAULT_BASE_URL = "https://api.parallel.ai"


def as_parallel_error(exc: ValidationError) -> ParallelError:
    """The package's error for a failed pydantic validation: the error raised inside it (a missing key, say), or a
    :class:`ParallelValidationError` naming the first failing field."""
    first = exc.errors(include_url=False)[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ParallelError):
        return cause
    field = ".".join(str(part) for part in first["loc"]) or exc.title
    got = first.get("input")
    shown = type(got).__name__ if not isinstance(got, str | int | float | bool) or got is None else repr(got)[:60]
    return ParallelValidationError(field, f"{first['msg']} (got {shown})")


def closed_problem(owner: object) -> str:
    """What a call on a closed object is told."""
    return f"this {type(owner).__name__} is closed (close(), aclose() or the end of a with block): build a new one"


class ClientSettings(BaseModel):
    """How to reach the API. Mixed into the retriever, the tools, the toolkit and the runnable.

    The clients an object builds (when no ``client=`` / ``async_client=`` is given) hold connection pools: release
    them with :meth:`aclose` (async code), :meth:`close`, or a ``with`` / ``async with`` block, which gives the
    object itself. Injected clients are the caller's to close.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("PARALLEL_API_KEY", default=None),
        description="The Parallel API key; falls back to PARALLEL_API_KEY. Never shown in a repr or a dump.",
    )
    base_url: str = Field(
        default_factory=from_env("PARALLEL_BASE_URL", default=DEFAULT_BASE_URL),
        description="The API root; falls back to PARALLEL_BASE_URL, then https://api.parallel.ai.",
    )
    endpoints: Literal["seed", "current"] | None = Field(
        default=None, description="Which generation of API paths to call (see ParallelClient); PARALLEL_ENDPOINTS."
    )
    timeout: float | None = Field(default=None, gt=0, strict=True, description="Seconds allowed for one HTTP request.")
    max_retries: int | None = Field(default=None, ge=0, strict=True, description="Retries of a failed request.")
    client: ParallelClient | None = Field(default=None, exclude=True, repr=False, description="A client to use.")
    async_client: AsyncParallelClient | None = Field(
        default=None, exclude=True, repr=False, description="An async client to use."
    )

    _sync: ParallelClient | None = PrivateAttr(default=None)
    _async: AsyncParallelClient | None = PrivateAttr(default=None)
    # The clients this object built and has not closed yet: what close()/aclose() release.
    _own_sync: ParallelClient | None = PrivateAttr(default=None)
    _own_async: AsyncParallelClient | None = PrivateAttr(default=None)
    _closed: bool = PrivateAttr(default=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise as_parallel_error(exc) from None

    def model_post_init(self, context: Any, /) -> None:
        """Build the clients once (unless injected)."""
        super().model_post_init(context)
        if self.client is not None or self.async_client is not None:
            self._sync, self._async = self.client, self.async_client
            return
        settings: dict[str, Any] = {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "endpoints": self.endpoints,
        }
        key = self.api_key.get_secret_value() if self.api_key is not None else None
        self._sync = self._own_sync = ParallelClient(key, **settings)
        self._async = self._own_async = AsyncParallelClient(key, **settings)

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Where LangChain's serialiser finds the key: it writes a reference to the variable, never the value."""
        return {"api_key": "PARALLEL_API_KEY"}

    def sync_client(self) -> ParallelClient:
        """The client for sync calls.

        Raises:
            ParallelValidationError: this object was closed, or only ``async_client=`` was given.
        """
        client: ParallelClient | None = self._private("_sync")
        if client is None:
            self._refuse_if_closed()
            raise ParallelValidationError(
                "client", "only async_client= was given: use the async methods (ainvoke, abatch), or pass client= too"
            )
        return client

    def async_client_or_none(self) -> AsyncParallelClient | None:
        """The client for async calls; ``None`` when only a sync ``client=`` was given (then run it in a thread).

        Raises:
            ParallelValidationError: this object was closed.
        """
        client: AsyncParallelClient | None = self._private("_async")
        if client is None:
            self._refuse_if_closed()
        return client

    def close(self) -> None:
        """Close the sync client this object built, and refuse any later call.

        Injected clients (``client=``, ``async_client=``) stay open: they belong to the caller. The built async
        client's connection pools belong to the event loops that opened them and can only be closed from there:
        in async code use :meth:`aclose` (or ``async with``), which closes the running loop's pool too. Calling
        it again does nothing.
        """
        self._closed, self._sync, self._async = True, None, None
        owned, self._own_sync = self._own_sync, None
        if owned is not None:
            owned.close()

    async def aclose(self) -> None:
        """Close both clients this object built (the async one's pool of the running event loop), and refuse any
        later call. Injected clients stay open. Calling it again does nothing."""
        self.close()
        owned, self._own_async = self._own_async, None
        if owned is not None:
            await owned.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    def _refuse_if_closed(self) -> None:
        if self._private("_closed"):
            raise ParallelValidationError("client", closed_problem(self))

    def _private(self, name: str) -> Any:
        # Read on every call: ``self._sync`` reaches pydantic's private attributes through __getattr__, after a
        # failed look-up along the whole class hierarchy (about 2 µs on a tool); they live in this dict.
        return (self.__pydantic_private__ or {}).get(name)
