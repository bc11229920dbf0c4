"""The effects a flow yields to a driver, and the one helper that nests a streaming flow in another.

A flow is a generator: it yields an effect, the driver performs it (sync or async) and sends back the outcome, or
throws the failure in. Flows know nothing of threads, event loops or sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

import httpx

__all__ = ["Close", "Effect", "Emit", "Flow", "Read", "Send", "Sleep", "StreamHandle", "consume"]

T = TypeVar("T")
C = TypeVar("C")


@dataclass(slots=True)
class Send:
    """Send ``request``; the driver answers with the ``httpx.Response`` (body read), or a stream handle whose
    ``response`` is open for :class:`Read` when ``stream`` is set (an error status arrives with its body read)."""

    request: httpx.Request
    stream: bool = False


@dataclass(slots=True)
class Sleep:
    """Wait ``seconds`` before going on."""

    seconds: float


@dataclass(slots=True)
class Read:
    """The next chunk of an open stream's body; ``b""`` at its end."""

    handle: Any


@dataclass(slots=True)
class Close:
    """Release an open stream (its connection goes back to the pool or is dropped)."""

    handle: Any


@dataclass(slots=True)
class Emit:
    """Hand ``value`` to the caller of a streaming operation."""

    value: Any


Effect: TypeAlias = Send | Sleep | Read | Close | Emit
Flow: TypeAlias = Generator[Effect, Any, T]


@dataclass(slots=True)
class StreamHandle(Generic[C]):
    """What a driver returns for ``Send(stream=True)``: the response and the driver's chunk iterator."""

    response: httpx.Response
    chunks: C


def consume(flow: Flow[T], on_emit: Callable[[Any], Any]) -> Flow[T]:
    """Run a streaming sub-flow inside another flow, handing its emitted values to ``on_emit`` instead of the
    caller; whatever ``on_emit`` returns other than ``None`` is emitted in turn."""
    value: Any = None
    error: Exception | None = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            result: T = stop.value
            return result
        value, error = None, None
        if isinstance(effect, Emit):
            relayed = on_emit(effect.value)
            if relayed is not None:
                yield Emit(relayed)
            continue
        try:
            value = yield effect
        except Exception as exc:
            error = exc
