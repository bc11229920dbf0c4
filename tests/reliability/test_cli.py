"""The command line under the same faults, in real processes: a batch whose emulator is killed with SIGKILL and
restarted on its state file resumes with one row and one run per input; ``--verbose`` output (DEBUG logs of the
client, httpx and httpcore) and error messages never carry the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def test_cli_verbose_output_and_errors_never_show_the_key(tmp_path: Path) -> None:
    with serve() as emulator:
        env = {**os.environ, "PARALLEL_API_KEY": SECRET_KEY, "PARALLEL_BASE_URL": emulator.base_url}
        outputs = []
        for args in (
            ("--verbose", "search", "decorators"),
            ("--verbose", "task", "the with statement", "-o", "one sentence"),
            ("--verbose", "runs", "trun_0123456789abcdef0123456789abcdef"),  # 404
            ("--verbose", "--api-key", SECRET_KEY, "search", "decorators"),
        ):
            process = _cli(*args, env=env)
            outputs.append((args, *process.communicate(timeout=120), process.returncode))
    with serve(api_key="the-only-accepted-key") as strict:
        env = {**os.environ, "PARALLEL_API_KEY": SECRET_KEY, "PARALLEL_BASE_URL": strict.base_url}
        process = _cli("--verbose", "search", "decorators", env=env)
        outputs.append((("401",), *process.communicate(timeout=120), process.returncode))
    codes = [code for *_, code in outputs]
    assert codes[:2] == [0, 0]
    assert codes[2] == 1
    assert codes[4] == 1
    assert all(" DEBUG " in stderr for _, _, stderr, _ in outputs)  # the logs were on
    leaks = [args for args, stdout, stderr, _ in outputs if SECRET_KEY in stdout + stderr]
    assert leaks == []
