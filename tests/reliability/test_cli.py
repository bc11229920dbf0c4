"""The command line under the same faults, in real processes: a batch whose emulator is killed with SIGKILL and
restarted on its state file resumes with one row and one run per input; ``-v`` and ``-vv`` output (DEBUG logs of
the client, then of httpx and httpcore too) and error messages never carry the key."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from parallel_integrations.cli import cli
from parallel_integrations.emulator import serve

from ._subprocess_emulator import RUN_SECONDS, EmulatorProcess, paced
from ._support import SECRET_KEY

SIZE = 2_000
FIRST_ROWS = 100


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "parallel_integrations.cli", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorProcess]:
    process = paced(EmulatorProcess(tmp_path, running=RUN_SECONDS))
    yield process
    process.stop()


def test_a_cli_batch_whose_emulator_is_killed_resumes_with_one_row_and_one_run_per_input(
    server: EmulatorProcess, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text("".join(json.dumps({"question": f"statement {i}"}) + "\n" for i in range(SIZE)))
    results = tmp_path / "results.jsonl"
    env = {**os.environ, "PARALLEL_API_KEY": "k", "PARALLEL_BASE_URL": server.base_url}
    args = ("batch", str(inputs), str(results), "-o", "a short answer")
    first = _cli(*args, env=env)
    deadline = time.monotonic() + 120
    while not (results.exists() and results.read_text().count("\n") >= FIRST_ROWS):  # kill on what is written
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "no results were written"
        time.sleep(0.01)
    server.kill()
    held = server.held()
    assert held.ended < SIZE  # the server died with the batch unfinished
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 1, stderr  # an API error (the server is gone), and the message says how to resume
    assert FIRST_ROWS <= results.read_text().count("\n") < SIZE  # some rows written, not all
    server.start()
    second = _cli(*args, env=env)
    stdout, stderr = second.communicate(timeout=240)
    assert second.returncode == 0, stderr
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(row["index"] for row in rows) == list(range(SIZE))  # every input once
    held = [entry["input"]["input"] for entry in server.runs()]  # type: ignore[index]
    assert len(held) == SIZE  # nothing submitted twice
    assert stdout


def _outputs(cases: dict[str, tuple[str, ...]], env: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Run every case at once (each a process of its own); each one's exit status and stdout + stderr."""
    processes = {name: _cli(*args, env=env) for name, args in cases.items()}
    outputs = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=120)
        outputs[name] = (process.returncode, stdout + stderr)
    return outputs


def test_cli_verbose_output_and_errors_never_show_the_key(tmp_path: Path) -> None:
    with serve() as emulator:
        env = {**os.environ, "PARALLEL_API_KEY": SECRET_KEY, "PARALLEL_BASE_URL": emulator.base_url}
        in_process = CliRunner().invoke(cli, ["-vv", "search", "decorators"], env=env)
        outputs = _outputs(
            {
                "-v search": ("-v", "search", "decorators"),
                "-vv search": ("-vv", "search", "decorators"),
                "-vv task": ("-vv", "task", "the with statement", "-o", "one sentence"),
                "-vv 404": ("--verbose", "--verbose", "runs", "trun_0123456789abcdef0123456789abcdef"),
                "-vv --api-key": ("-vv", "--api-key", SECRET_KEY, "search", "decorators"),
            },
            env,
        )
    with serve(api_key="the-only-accepted-key") as strict:
        env = {**os.environ, "PARALLEL_API_KEY": SECRET_KEY, "PARALLEL_BASE_URL": strict.base_url}
        outputs |= _outputs({"-vv 401": ("-vv", "search", "decorators")}, env)
    env = {**os.environ, "PARALLEL_API_KEY": SECRET_KEY, "PARALLEL_BASE_URL": "http://127.0.0.1:9"}  # no server
    outputs |= _outputs({"-vv refused": ("-vv", "search", "decorators")}, env)
    codes = {name: code for name, (code, _) in outputs.items()}
    failing = {"-vv 404", "-vv 401", "-vv refused"}
    assert codes == {name: 1 if name in failing else 0 for name in outputs}
    assert all(" DEBUG parallel_integrations" in text for _, text in outputs.values())  # the logs were on
    assert " httpcore" not in outputs["-v search"][1]  # -v: the package's log only
    for name, (_, text) in outputs.items():  # -vv: httpx's requests and httpcore's connection steps too
        if name.startswith("-vv"):
            assert " DEBUG httpcore.connection: connect_tcp.started" in text, name
            assert " INFO httpx: HTTP Request" in text or name == "-vv refused", name
    assert "connect_tcp.failed" in outputs["-vv refused"][1]  # what a user debugging a connection looks for
    leaks = [name for name, (_, text) in outputs.items() if SECRET_KEY in text or SECRET_KEY[3:-3] in text]
    assert leaks == []
    # called in-process (``main()`` from an application), the loggers are left as they were found
    assert in_process.exit_code == 0, in_process.output
    assert "connect_tcp.started" in in_process.stderr
    assert SECRET_KEY not in in_process.stdout + in_process.stderr
    for name in ("parallel_integrations", "httpx", "httpcore"):
        assert logging.getLogger(name).handlers == [], name
        assert logging.getLogger(name).level == logging.NOTSET, name
