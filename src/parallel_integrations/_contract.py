"""The contract between resources and drivers.

A resource (``client.task_runs``, ...) holds a driver and nothing else of its client: it builds a flow with
``driver.core`` and hands it to ``driver.run`` (a request: its value), ``driver.iterate`` (a stream: the events it
emits) or ``driver.drive`` (both). :class:`Driver` and :class:`AsyncDriver` name that contract: the httpx drivers
(``_drivers.py``) keep it, a test's scripted driver keeps it, and no module needs a client's private attributes.
Only type checkers read this module; nothing imports it at run time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ._effects import Flow

if TYPE_CHECKING:
    from ._core import Core

__all__ = ["AsyncDriver", "Driver"]

T = TypeVar("T")


class Driver(Protocol):
    """What a sync resource needs: the core that builds flows, and a way to run them."""

    @property
    def core(self) -> Core:
        """The core whose flows this driver performs."""
        ...

    def run(self, flow: Flow[T]) -> T:
        """Perform a request flow to its end; its value."""
        ...

    def iterate(self, flow: Flow[Any]) -> Iterator[Any]:
        """Perform a streaming flow, yielding what it emits; closing the iterator releases the connection."""
        ...

    def drive(self, flow: Flow[T], box: list[T]) -> Iterator[Any]:
        """Perform a flow that both emits and returns: yield what it emits, then put its value in ``box``."""
        ...


class AsyncDriver(Protocol):
    """What an async resource needs: the core that builds flows, and a way to run them on the running loop."""

    @property
    def core(self) -> Core:
        """The core whose flows this driver performs."""
        ...

    async def run(self, flow: Flow[T]) -> T:
        """Perform a request flow to its end; its value."""
        ...

    def iterate(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        """Perform a streaming flow, yielding what it emits; ``aclose()`` releases the connection."""
        ...

    def drive(self, flow: Flow[T], box: list[T]) -> AsyncIterator[Any]:
        """Perform a flow that both emits and returns: yield what it emits, then put its value in ``box``."""
        ...
