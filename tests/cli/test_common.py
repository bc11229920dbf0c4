"""What every command shares: help with an example, exit codes documented, the key never shown."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from parallel_integrations import ParallelClient
from parallel_integrations.cli import cli
from parallel_integrations.emulator import serve

from .conftest import SECRET_KEY, Invoke

COMMANDS = sorted(cli.commands)


def test_every_command_is_there() -> None:
    assert COMMANDS == ["batch", "demo", "emulator", "groups", "runs", "search", "task"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_each_command_has_an_example(invoke: Invoke, command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"parallel-integrations {command}" in result.stdout


def test_top_help_documents_exit_codes_and_global_options(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for text in ("--api-key", "--base-url", "--emulator", "--verbose", "Exit codes: 0 ok, 1 API error", "130"):
        assert text in result.stdout
    for command in COMMANDS:
        assert command in result.stdout


def test_version(invoke: Invoke) -> None:
    from parallel_integrations import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_unknown_command_is_a_usage_error(invoke: Invoke) -> None:
    assert invoke("frobnicate").exit_code == 2


def test_module_entry_point_runs(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "parallel_integrations.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert "Usage: parallel-integrations" in completed.stdout


@pytest.fixture
def keyed(emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's environment, with a recognisable key."""
    monkeypatch.setenv("PARALLEL_API_KEY", SECRET_KEY)


def test_the_key_never_appears_even_verbose(invoke: Invoke, keyed, emulator, tmp_path: Path) -> None:
    emulator.script_failure("doomed")
    source = tmp_path / "in.jsonl"
    source.write_text('"the with statement"\n"doomed"\n')
    with ParallelClient() as client:
        run = client.task_runs.create("the for statement", "lite")
        client.task_runs.result(run.run_id)
    outputs = []
    for args in (
        ["search", "with statement"],
        ["task", "the with statement", "--json"],
        ["task", "doomed"],
        ["batch", str(source), str(tmp_path / "out.csv"), "-o", "a summary"],
        ["runs", run.run_id, "--result"],
        ["groups", run.taskgroup_id or "tgrp_unknown", "--runs"],
        ["demo", "-p", "lite"],
        ["--api-key", SECRET_KEY, "search", "-q", "x" * 300],
    ):
        result = invoke("--verbose", *args)
        outputs.append(result.stdout + result.stderr)
    assert "DEBUG parallel_integrations.cli: client for" in outputs[0]
    assert all(SECRET_KEY not in text for text in outputs)
    assert logging.getLogger("parallel_integrations").handlers == []  # the handler left with the command


def test_the_key_is_not_in_an_authentication_error(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(api_key="the-right-key") as strict:
        monkeypatch.setenv("PARALLEL_BASE_URL", strict.base_url)
        result = invoke("--verbose", "--api-key", SECRET_KEY, "search", "python")
    assert result.exit_code == 1
    assert "401" in result.stderr
    assert SECRET_KEY not in result.stdout + result.stderr


def test_emulator_flag_ignores_the_environment(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("PARALLEL_API_KEY", SECRET_KEY)
    result = invoke("--emulator", "search", "python", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"]


def test_a_bad_base_url_is_a_usage_error(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", SECRET_KEY)
    result = invoke("--base-url", "ftp://example.org", "search", "python")
    assert result.exit_code == 2
    assert "base_url" in result.stderr


def test_ctrl_c_anywhere_exits_130_and_a_bug_is_not_hidden(invoke: Invoke, emulator, monkeypatch) -> None:
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ParallelClient, "search", interrupted)
    result = invoke("search", "python")
    assert result.exit_code == 130
    assert "Interrupted: stopped before the command finished" in result.stderr

    def broken(self, *args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(ParallelClient, "search", broken)
    with pytest.raises(ZeroDivisionError):
        invoke("search", "python")


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"emulator"}))
def test_help_of_each_command_lists_exit_codes(invoke: Invoke, command: str) -> None:
    assert "Exit codes: 0 ok" in invoke(command, "--help").stdout
