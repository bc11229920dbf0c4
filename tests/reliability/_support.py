"""Helpers the reliability tests share: a recognisable API key, and counting what the emulator holds."""

from __future__ import annotations

from parallel_integrations.emulator.server import RunningEmulator

SECRET_KEY = "sk-reliability-SECRET-0123456789abcdef"
"""A key no output may contain: every scan in the suite looks for it (and for its distinctive middle)."""


def statuses(emulator: RunningEmulator, method: str, path: str) -> list[int | None]:
    """The status of each request the emulator logged for ``method path`` (``None``: the connection dropped)."""
    return [record.status for record in emulator.requests(method, path)]


def run_inputs(emulator: RunningEmulator) -> list[object]:
    """The input of every run the emulator holds, in creation order: duplicates show up as repeats."""
    return [emulator.run_input(run.run_id)["input"] for run in emulator.runs()]
