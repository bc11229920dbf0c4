"""An offline emulator of the Parallel API: a real HTTP server on loopback speaking the API's wire format.

Search answers come from a local corpus (by default the running Python's documentation: the language reference
and every standard-library module, built once into a cache);
task runs move queued -> running -> completed on a short schedule and answer from the same corpus, with a basis
per field; task groups stream their runs and events as the API does. Tests can script answers and inject
faults. Install the ``emulator`` extra (starlette, uvicorn)::

    from parallel_integrations.emulator import serve

    with serve() as emulator:            # a free port on 127.0.0.1
        print(emulator.base_url)         # point PARALLEL_BASE_URL (or base_url=) at it

Also: ``python -m parallel_integrations.emulator --port 8080``, and the pytest fixture ``parallel_emulator``.

Importing this package is cheap: starlette and uvicorn are imported only when an app is built or served
(``create_app`` and ``EmulatorApp`` load on first use; ``dir()`` lists them with the rest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .corpus import Corpus, Hit, Page
from .engine import Schedule
from .faults import Fault
from .scripts import Script
from .server import RunningEmulator, serve
from .traffic import RequestRecord

if TYPE_CHECKING:
    from .app import EmulatorApp, create_app

__all__ = [
    "Corpus",
    "EmulatorApp",
    "Fault",
    "Hit",
    "Page",
    "RequestRecord",
    "RunningEmulator",
    "Schedule",
    "Script",
    "create_app",
    "serve",
]

_NEEDS_STARLETTE = frozenset({"EmulatorApp", "create_app"})


def __getattr__(name: str) -> Any:
    if name not in _NEEDS_STARLETTE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import app

    value = getattr(app, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
