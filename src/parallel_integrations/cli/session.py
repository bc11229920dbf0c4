"""The global options and what they lead to: a client for the API, the emulator, or a key error; consoles; and the
``-v/--verbose`` log handler (``-v``: the package's own DEBUG log; ``-vv``: httpx's and httpcore's as well).

A command asks :meth:`Session.client` for its client; the emulator (``--emulator``, or the demo without a key) is
started only then, and stopped when the command ends. rich and the emulator's server are imported only by the
commands that use them.
"""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from .errors import missing_key

if TYPE_CHECKING:
    from rich.console import Console

    from parallel_integrations import ParallelClient
    from parallel_integrations.emulator import RunningEmulator

__all__ = ["EMULATOR_KEY", "VERBOSE_LOGGERS", "Session", "pass_session"]

log = logging.getLogger("parallel_integrations.cli")

EMULATOR_KEY = "emulator"
"""The key sent to an in-process emulator (it accepts any non-empty key)."""

VERBOSE_LOGGERS = {1: ("parallel_integrations",), 2: ("parallel_integrations", "httpx", "httpcore")}
"""The loggers each ``-v`` count sends to stderr at DEBUG: the client's own decisions (requests with their status
and attempt, retries and their reason, waits), then also each HTTP request (httpx) and each connection step
(httpcore), for a connection problem. None of them logs request headers, so the key stays out."""


@dataclass
class Session:
    """The global options of one invocation, and the resources commands open through it."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    emulator: bool = False
    verbose: int = 0
    resources: ExitStack = field(default_factory=ExitStack, repr=False)
    running_emulator: RunningEmulator | None = field(default=None, repr=False)
    base_url_given: bool = False

    @property
    def has_key(self) -> bool:
        """Whether a key was given (option or environment)."""
        return bool(self.api_key)

    def client(self, *, fallback_to_emulator: bool = False) -> ParallelClient:
        """A client for this invocation: against a fresh in-process emulator with ``--emulator`` (or, when
        ``fallback_to_emulator``, when no key is set), else against ``--base-url`` with the key. Raises the
        missing-key error (exit 4) otherwise."""
        from parallel_integrations import ParallelClient

        if self.emulator or (fallback_to_emulator and not self.has_key):
            url = self.start_emulator()
            log.debug("client for the in-process emulator at %s", url)
            return self.resources.enter_context(ParallelClient(api_key=EMULATOR_KEY, base_url=url))
        if not self.has_key:
            raise missing_key()
        client = self.resources.enter_context(ParallelClient(api_key=self.api_key, base_url=self.base_url))
        log.debug("client for %s with the given key", client.base_url)
        return client

    def start_emulator(self) -> str:
        """Serve a fresh emulator on a free loopback port until the command ends; its base URL."""
        if self.running_emulator is None:
            from parallel_integrations.emulator import serve

            self.running_emulator = self.resources.enter_context(serve())
        return self.running_emulator.base_url

    def load_emulator_corpus(self) -> None:
        """Load the started emulator's search corpus now rather than on the first search (on a machine's first
        run it is built from the standard library's documentation, 10 to 20 s), so a caller can say so."""
        if self.running_emulator is not None:
            _ = self.running_emulator.app.context.engine.corpus

    def console(self, *, stderr: bool = False) -> Console:
        """A rich console on stdout (or stderr, for progress and notes that must not mix with ``--json``)."""
        from rich.console import Console

        return Console(stderr=stderr, highlight=False, soft_wrap=False)

    def global_args(self) -> list[str]:
        """The global options to repeat in a command suggested to the user (never the key)."""
        args: list[str] = []
        if self.base_url and self.base_url_given and not self.emulator:
            args += ["--base-url", self.base_url]
        if self.emulator:
            args.append("--emulator")
        return args

    def close(self) -> None:
        """Close the client, stop the emulator, detach the log handler."""
        self.resources.close()


def enable_verbose_logging(session: Session) -> None:
    """Send the DEBUG records of the loggers ``session.verbose`` selects (:data:`VERBOSE_LOGGERS`; a count above 2
    is 2) to stderr until the command ends, then put the loggers back as they were."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger(name) for name in VERBOSE_LOGGERS[min(session.verbose, 2)]]
    previous = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)

    def detach() -> None:
        for logger, level in zip(loggers, previous, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)

    session.resources.callback(detach)


pass_session = click.make_pass_decorator(Session)
