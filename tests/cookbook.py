"""Loading and running the cookbook's scripts in tests: each script's ``main`` is called with clients the test
builds (against the ``parallel_emulator`` fixture), and what it prints is returned for the test to check."""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

COOKBOOK = Path(__file__).resolve().parents[1] / "cookbook"


def load(name: str) -> ModuleType:
    """The cookbook script ``name`` (with or without ``.py``), imported without running its ``__main__`` block."""
    path = COOKBOOK / f"{name.removesuffix('.py')}.py"
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed(main: Callable[..., object], *args: object) -> str:
    """What ``main(*args)`` prints."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        main(*args)
    return out.getvalue()
