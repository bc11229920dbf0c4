"""A server that sends its headers, then the body one byte at a time, more slowly than any caller waits: the
read timeout of each socket read never fires, so only a deadline over the whole request ends the call.

The call runs in a worker thread joined with a generous bound, so a hang fails the test instead of the suite."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from parallel_integrations import APITimeoutError, AsyncParallelClient, ParallelClient


@pytest.fixture
def trickling_url() -> Iterator[str]:
    """A loopback HTTP server whose every answer promises 100 kB and sends one byte each 0.1 s."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def answer(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{")
                while not stop.wait(0.1):
                    conn.sendall(b" ")
            except OSError:
                return  # the client gave up and closed: what the test wants

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    acceptor.join(5)
    listener.close()


def _outcome_within(call: Callable[[], object], bound: float) -> BaseException | None:
    """Run ``call`` in a thread; the exception it raised, or fail the test if it is still running after ``bound``."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as error:  # the test inspects it
            outcome.append(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(bound)
    if worker.is_alive():
        pytest.fail(f"the call was still running after {bound} s: a trickling body hangs the client")
    return outcome[0]


def test_a_trickling_body_is_a_timeout_error_not_a_hang(trickling_url: str) -> None:
    def call() -> None:
        with ParallelClient(api_key="k", base_url=trickling_url, timeout=1.0, max_retries=0) as client:
            client.search("decorators")

    started = time.monotonic()
    error = _outcome_within(call, 8.0)
    assert isinstance(error, APITimeoutError)
    assert time.monotonic() - started < 8.0


def test_a_trickling_body_is_a_timeout_error_for_the_async_client(trickling_url: str) -> None:
    async def main() -> None:
        async with AsyncParallelClient(api_key="k", base_url=trickling_url, timeout=1.0, max_retries=0) as client:
            await client.search("decorators")

    error = _outcome_within(lambda: asyncio.run(main()), 8.0)
    assert isinstance(error, APITimeoutError)
