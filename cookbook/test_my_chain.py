"""Testing your own chain offline: the ``parallel_emulator`` fixture (installed with the package, nothing to
configure) serves the API on loopback and points ``PARALLEL_BASE_URL`` and ``PARALLEL_API_KEY`` at it for each
test; ``script_output`` pins the answer a run gives, ``script_failure`` makes it fail.

    .venv/bin/python -m pytest cookbook/test_my_chain.py
"""

from __future__ import annotations

import pytest
from my_chain import build_chain

from parallel_integrations import TaskRunFailedError
from parallel_integrations.emulator import RunningEmulator

WITH_URL = "https://docs.python.org/3/reference/compound_stmts.html#with"


def test_the_card_cites_the_answers_sources(parallel_emulator: RunningEmulator) -> None:
    parallel_emulator.script_output(
        "the Python with statement",
        {"keyword": "with", "summary": "Runs a block inside a context manager."},
        basis=[{"field": "summary", "citations": [{"url": WITH_URL}], "reasoning": "", "confidence": "high"}],
    )
    card = build_chain().invoke({"keyword": "with"})
    assert card == f"with: Runs a block inside a context manager. [{WITH_URL}]"


def test_one_lite_run_per_card(parallel_emulator: RunningEmulator) -> None:
    build_chain().invoke({"keyword": "match"})
    [run] = parallel_emulator.runs()
    assert run.processor == "lite"
    assert parallel_emulator.run_input(run.run_id)["input"] == "the Python match statement"


def test_a_failed_run_is_an_error_not_a_card(parallel_emulator: RunningEmulator) -> None:
    parallel_emulator.script_failure("the Python global statement", "no sources found")
    with pytest.raises(TaskRunFailedError, match="no sources found"):
        build_chain().invoke({"keyword": "global"})
