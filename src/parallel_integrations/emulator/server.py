"""Serving the emulator on loopback from Python: :func:`serve` starts uvicorn in a background thread on a free
port and yields a :class:`RunningEmulator` to drive it::

    from parallel_integrations.emulator import Fault, serve

    with serve() as emulator:
        client = ParallelClient(api_key="test", base_url=emulator.base_url)
        emulator.script_output("What is 2+2?", "4")
        emulator.add_fault(Fault.error("POST /v1/tasks/runs", 503, retry_after=1))
        ...
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._models import FieldBasis, TaskRun
from .engine import Schedule
from .faults import Fault
from .scripts import Script
from .traffic import RequestRecord

if TYPE_CHECKING:
    import uvicorn

    from .app import EmulatorApp
    from .corpus import Corpus

__all__ = ["RunningEmulator", "serve"]

_START_TIMEOUT = 10.0


class RunningEmulator:
    """A served emulator: its ``base_url`` and the controls a test needs. Every method is thread-safe and acts
    at once on the running server."""

    def __init__(self, app: EmulatorApp, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket) -> None:
        self.app = app
        self._server = server
        self._thread = thread
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.host: str = host
        self.port: int = port
        self.base_url = f"http://{host}:{port}"

    def __repr__(self) -> str:
        return f"RunningEmulator({self.base_url})"

    # --- answers --------------------------------------------------------------------------------------------

    def script_output(
        self,
        input: str | dict[str, Any] | None,
        content: str | dict[str, Any],
        *,
        basis: list[FieldBasis] | list[dict[str, Any]] | None = None,
        processor: str | None = None,
        times: int | None = None,
    ) -> Script:
        """Runs created from now on with this ``input`` (``None``: any) complete with exactly ``content`` (text
        for a string, JSON for a dict) and ``basis`` (a default one when omitted)."""
        script = Script(input, content=content, basis=basis, processor=processor, times=times)
        self.app.context.engine.add_script(script)
        return script

    def script_failure(
        self,
        input: str | dict[str, Any] | None,
        message: str = "Run failed (emulator)",
        *,
        processor: str | None = None,
        times: int | None = None,
    ) -> Script:
        """Runs created from now on with this ``input`` (``None``: any) fail with ``message``: their result
        answers 404 and their state carries ``error.message``."""
        script = Script(input, error=message, processor=processor, times=times)
        self.app.context.engine.add_script(script)
        return script

    def set_schedule(self, schedule: Schedule | None = None, *, queued: float = 0.05, running: float = 0.2) -> None:
        """How long runs created from now on stay queued and running (``Schedule``, or the two durations)."""
        self.app.context.engine.set_schedule(schedule or Schedule(queued=queued, running=running))

    def complete_run(self, run_id: str) -> None:
        """Finish a run now (``KeyError`` when unknown)."""
        self.app.context.engine.complete_run(run_id)

    def fail_run(self, run_id: str, message: str = "Run failed (emulator)") -> None:
        """Fail a run now with ``message`` (``KeyError`` when unknown; no effect on a finished run)."""
        self.app.context.engine.fail_run(run_id, message)

    # --- faults ---------------------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        """Queue ``fault`` (see :class:`Fault`); returns it (its ``times`` counts down as it fires)."""
        self.app.context.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove the faults that have not fired yet."""
        self.app.context.faults.clear()

    # --- inspection -----------------------------------------------------------------------------------------

    def runs(self) -> list[TaskRun]:
        """Every run created so far, in creation order, as the API shows them."""
        return [record.view() for record in self.app.context.engine.runs()]

    def run_input(self, run_id: str) -> dict[str, Any]:
        """The input a run was created with (``KeyError`` when unknown)."""
        engine = self.app.context.engine
        record = engine.get_run(run_id)
        if record is None:
            raise KeyError(run_id)
        return engine.run_input(record)

    def requests(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """The API requests received (control routes excluded), oldest first; filter by method and exact path."""
        return self.app.context.log.records(method, path)

    def reset(self) -> None:
        """Forget every run, group, script, fault and logged request; back to the starting schedule."""
        context = self.app.context
        context.engine.reset()
        context.faults.clear()
        context.log.clear()

    # --- life -----------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """End open streams and long polls, stop the server and wait for its thread."""
        self.app.context.engine.close()
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one, read it with ``getsockname()``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say so; with Nagle a
    # reused connection waits ~40 ms per answer for the peer's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def uvicorn_server(app: EmulatorApp, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``app`` that leaves the process's logging setup alone and logs no access lines."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


@contextmanager
def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    corpus: Corpus | None = None,
    schedule: Schedule | None = None,
    state_path: str | os.PathLike[str] | None = None,
    api_key: str | None = None,
    log_level: str = "warning",
    allow_remote: bool = False,
    **app_options: Any,
) -> Iterator[RunningEmulator]:
    """Serve a new emulator on ``host`` (loopback) at ``port`` (0: a free one) in a background thread; yield
    its :class:`RunningEmulator` once it accepts connections; stop it on exit.

    ``corpus``, ``schedule``, ``state_path``, ``api_key`` and ``app_options`` (``keepalive``,
    ``log_requests``, ``max_body_bytes``...) go to :func:`~.app.create_app`. A ``host`` beyond loopback needs
    ``allow_remote=True`` and an ``api_key`` (``ValueError`` otherwise); every route then requires the key, and
    a warning goes to stderr. Raises ``OSError`` when the port cannot be bound and ``RuntimeError`` when the
    server does not start within 10 s.
    """
    import sys

    from .app import create_app
    from .guard import check_exposure, is_loopback, remote_warning

    check_exposure(host, allow_remote=allow_remote, api_key=api_key)
    remote = not is_loopback(host)
    if remote:
        print(remote_warning(host), file=sys.stderr, flush=True)
    app = create_app(
        corpus=corpus,
        schedule=schedule,
        state_path=state_path,
        api_key=api_key,
        protect_all_routes=remote or bool(app_options.pop("protect_all_routes", False)),
        **app_options,
    )
    emulator = start(app, bind_socket(host, port), log_level)
    try:
        yield emulator
    finally:
        emulator.stop()


def start(app: EmulatorApp, sock: socket.socket, log_level: str = "warning") -> RunningEmulator:
    """Serve ``app`` on the listening ``sock`` in a daemon thread; return once it accepts connections."""
    server = uvicorn_server(app, log_level)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="parallel-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the Parallel API emulator did not start (see the log above)")
        time.sleep(0.002)
    return RunningEmulator(app, server, thread, sock)
