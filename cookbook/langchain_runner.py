"""Runs a LangChain cookbook script's ``main(client)``: against the Parallel API when PARALLEL_API_KEY is set,
else against the emulator on a free loopback port (offline, no key)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack

from parallel_integrations import ParallelClient


def run(main: Callable[[ParallelClient], None]) -> None:
    """Call ``main`` with a client for the API, or for a freshly started emulator."""
    with ExitStack() as stack:
        if os.environ.get("PARALLEL_API_KEY"):
            client = stack.enter_context(ParallelClient())
            print(f"Using the Parallel API at {client.base_url}\n")
        else:
            from parallel_integrations.emulator import Schedule, serve

            emulator = stack.enter_context(serve())
            emulator.set_schedule(Schedule(queued=0.05, running=0.3))
            print(f"No PARALLEL_API_KEY set: using the emulator at {emulator.base_url}\n")
            client = stack.enter_context(ParallelClient(api_key="emulator", base_url=emulator.base_url))
        main(client)
