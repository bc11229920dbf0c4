"""The effects a flow yields to a driver, the hooks a driver and a core share (clock, random source, sleep), and
the one helper that nests a streaming flow in another.

A flow is a generator: it yields an effect, the driver performs it (sync or async) and sends back the outcome, or
throws the failure in. Flows know nothing of threads, event loops or sockets.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeAlias, TypeVar

import httpx

__all__ = ["Close", "Effect", "Emit", "Flow", "Hooks", "Read", "Send", "Sleep", "StreamHandle", "consume"]

T = TypeVar("T")
C = TypeVar("C")


class Plain:
    """Base of small value classes: slots and a readable repr. Plain classes, not dataclasses, because building a
    dataclass at import costs about a millisecond of start-up each."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Send(Plain):
    """Send ``request``; the driver answers with the ``httpx.Response`` (body read), or a stream handle whose
    ``response`` is open for :class:`Read` when ``stream`` is set (an error status arrives with its body read).
    ``deadline`` is the seconds the whole attempt may take, body included (httpx's own timeouts bound each read,
    not the sum); ``None`` for a stream, which is read at the caller's pace."""

    __slots__ = ("deadline", "request", "stream")

    def __init__(self, request: httpx.Request, stream: bool = False, deadline: float | None = None) -> None:
        self.request = request
        self.stream = stream
        self.deadline = deadline


class Sleep(Plain):
    """Wait ``seconds`` before going on."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Read(Plain):
    """The next chunk of an open stream's body; ``b""`` at its end."""

    __slots__ = ("handle",)

    def __init__(self, handle: Any) -> None:
        self.handle = handle


class Close(Plain):
    """Release an open stream (its connection goes back to the pool or is dropped)."""

    __slots__ = ("handle",)

    def __init__(self, handle: Any) -> None:
        self.handle = handle


class Emit(Plain):
    """Hand ``value`` to the caller of a streaming operation."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Hooks(Plain):
    """What a client takes from its surroundings, in one object so that a test swaps all of it at once: the
    monotonic ``clock``, the ``rand`` source of backoff jitter, and ``sleep`` (sync) / ``asleep`` (async;
    ``None``: ``asyncio.sleep``, imported only by async clients)."""

    __slots__ = ("asleep", "clock", "rand", "sleep")

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.clock = clock
        self.rand = rand
        self.sleep = sleep
        self.asleep = asleep


Effect: TypeAlias = Send | Sleep | Read | Close | Emit
Flow: TypeAlias = Generator[Effect, Any, T]


class StreamHandle(Plain, Generic[C]):
    """What a driver returns for ``Send(stream=True)``: the response and the driver's chunk iterator."""

    __slots__ = ("chunks", "response")

    def __init__(self, response: httpx.Response, chunks: C) -> None:
        self.response = response
        self.chunks = chunks


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
