"""How every cookbook script chooses its server: the Parallel API when ``PARALLEL_API_KEY`` is set, else the
emulator on a free loopback port (offline, no key, nothing spent). Not a recipe: the scripts import it.

    with api_or_emulator():
        with ParallelClient() as client:   # reads PARALLEL_API_KEY and PARALLEL_BASE_URL, as your code would
            main(client)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def api_or_emulator() -> Iterator[str]:
    """Yield the base URL the scripts' clients will use. Without a key, start the emulator and point
    ``PARALLEL_BASE_URL`` and ``PARALLEL_API_KEY`` (any value) at it until the block ends, as the
    ``parallel_emulator`` pytest fixture does, so clients and subprocesses find it the ordinary way."""
    if os.environ.get("PARALLEL_API_KEY"):
        url = os.environ.get("PARALLEL_BASE_URL", "https://api.parallel.ai")
        print(f"Using the Parallel API at {url}\n")
        yield url
        return

    from parallel_integrations.emulator import Schedule, serve

    saved = {name: os.environ.get(name) for name in ("PARALLEL_BASE_URL", "PARALLEL_API_KEY")}
    with serve(schedule=Schedule(queued=0.05, running=0.3)) as emulator:
        print(f"No PARALLEL_API_KEY set: using the emulator at {emulator.base_url}\n")
        os.environ.update(PARALLEL_BASE_URL=emulator.base_url, PARALLEL_API_KEY="emulator")
        try:
            yield emulator.base_url
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
