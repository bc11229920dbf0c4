"""Waking coroutines that wait for the emulator's state to change, from any thread, on any event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading

__all__ = ["ChangeSignal"]


class ChangeSignal:
    """Wakes coroutines waiting for "something changed", from any thread and for waiters on any event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[asyncio.Future[None]] = set()

    def waiter(self) -> asyncio.Future[None]:
        """A future, on the running loop, that the next :meth:`notify` completes."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiters.add(future)
        return future

    def discard(self, future: asyncio.Future[None]) -> None:
        """Stop waiting with ``future``."""
        with self._lock:
            self._waiters.discard(future)

    async def wait(self, future: asyncio.Future[None], timeout: float) -> None:
        """Wait for ``future`` (from :meth:`waiter`) at most ``timeout`` seconds."""
        try:
            await asyncio.wait_for(future, max(timeout, 0.0))
        except TimeoutError:
            pass
        finally:
            self.discard(future)

    def notify(self) -> None:
        """Wake every current waiter."""
        with self._lock:
            waiters, self._waiters = self._waiters, set()
        for future in waiters:
            loop = future.get_loop()
            if not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
