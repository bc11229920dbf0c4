"""A scripted driver: performs a core's flows against answers a test writes, with no transport at all.

It implements the same contract as the httpx drivers (``core``, ``run``, ``iterate``, ``drive``), so resources
accept it unchanged: ``TaskRuns(ScriptedDriver(script))``. Every request sent, every sleep and every closed stream
is recorded, and a flow that keeps sending past ``max_sends`` fails the test instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from parallel_integrations._config import resolve_config
from parallel_integrations._core import Core
from parallel_integrations._effects import Close, Emit, Flow, Hooks, Read, Send, Sleep, StreamHandle
from parallel_integrations._errors import ParallelError

T = TypeVar("T")
Answer = httpx.Response | ParallelError
Script = Callable[[httpx.Request], Answer]


class ScriptedDriver:
    """Answers each ``Send`` with ``script(request)``: a response (its body is the stream's one chunk when the
    request is a stream), or a :class:`ParallelError` thrown into the flow as a transport failure would be."""

    def __init__(self, script: Script, *, max_retries: int = 2, endpoints: str = "seed", max_sends: int = 50) -> None:
        self.script = script
        self.max_sends = max_sends
        self.now = 0.0
        self.sent: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.closed = 0
        config = resolve_config("scripted-key", "https://scripted.test", None, max_retries, endpoints)  # type: ignore[arg-type]
        self._core = Core(config, hooks=Hooks(clock=lambda: self.now, rand=lambda: 0.0, sleep=self._sleep))

    @property
    def core(self) -> Core:
        return self._core

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def run(self, flow: Flow[T]) -> T:
        box: list[T] = []
        for value in self.drive(flow, box):
            raise AssertionError(f"a request flow emitted {value!r}")
        return box[0]

    def iterate(self, flow: Flow[Any]) -> Iterator[Any]:
        return self.drive(flow, [])

    def drive(self, flow: Flow[T], box: list[T]) -> Iterator[Any]:
        value: Any = None
        error: ParallelError | None = None
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                box.append(stop.value)
                return
            value, error = None, None
            if isinstance(effect, Emit):
                yield effect.value
            elif isinstance(effect, Sleep):
                self.core.hooks.sleep(effect.seconds)
            elif isinstance(effect, Close):
                self.closed += 1
            elif isinstance(effect, Read):
                value = next(effect.handle.chunks, b"")
            else:
                assert isinstance(effect, Send)
                value, error = self._answer(effect)

    def _answer(self, send: Send) -> tuple[Any, ParallelError | None]:
        self.sent.append(send.request)
        if len(self.sent) > self.max_sends:
            raise AssertionError(f"the flow kept sending: {len(self.sent)} requests")
        answer = self.script(send.request)
        if isinstance(answer, ParallelError):
            return None, answer
        answer.read()
        if not send.stream:
            return answer, None
        chunks = iter([answer.content] if answer.is_success and answer.content else [])
        return StreamHandle(answer, chunks), None


def routes(table: dict[tuple[str, str], list[Answer]]) -> Script:
    """A script from ``{(method, path): [answers...]}``; the last answer of a route repeats."""

    def script(request: httpx.Request) -> Answer:
        queue = table.get((request.method, request.url.path))
        if not queue:
            raise AssertionError(f"no scripted answer for {request.method} {request.url.path}")
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return script
