from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from parallel_integrations import ParallelClient

from .conftest import Invoke


@pytest.fixture
def finished_run(emulator) -> str:
    emulator.script_output("what is 2+2", {"answer": "4"})
    with ParallelClient() as client:
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
        return client.task_runs.execute("what is 2+2", "lite", output=schema).run.run_id


def test_runs_shows_status(invoke: Invoke, emulator, finished_run: str) -> None:
    result = invoke("runs", finished_run)
    assert result.exit_code == 0, result.stderr
    assert finished_run in result.stdout
    assert "completed" in result.stdout
    body = json.loads(invoke("runs", finished_run, "--json").stdout)
    assert body["run_id"] == finished_run
    assert body["status"] == "completed"


def test_runs_result_shows_the_answer(invoke: Invoke, emulator, finished_run: str) -> None:
    table = invoke("runs", finished_run, "--result")
    assert table.exit_code == 0, table.stderr
    (row,) = [line for line in table.stdout.splitlines() if line.startswith("│ answer")]
    assert "4" in row
    body = json.loads(invoke("runs", finished_run, "--result", "--json").stdout)
    assert body["output"]["content"] == {"answer": "4"}


def test_runs_result_waits_for_an_active_run(invoke: Invoke, emulator) -> None:
    emulator.set_schedule(queued=0.01, running=0.3)
    with ParallelClient() as client:
        run = client.task_runs.create("later", "lite")
    result = invoke("runs", run.run_id, "--result", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["run"]["status"] == "completed"


def test_runs_of_a_failed_run_exits_1(invoke: Invoke, emulator) -> None:
    emulator.script_failure("doomed", "nothing found")
    with ParallelClient() as client:
        run = client.task_runs.create("doomed", "lite")
        with pytest.raises(Exception, match="nothing found"):
            client.task_runs.result(run.run_id)
    assert invoke("runs", run.run_id).exit_code == 0
    result = invoke("runs", run.run_id, "--result")
    assert result.exit_code == 1
    assert "nothing found" in result.stderr


def test_runs_unknown_id_exits_1(invoke: Invoke, emulator) -> None:
    result = invoke("runs", "trun_00000000000000000000000000000000")
    assert result.exit_code == 1
    assert "404" in result.stderr


def test_groups_shows_counts_and_runs(invoke: Invoke, emulator) -> None:
    emulator.script_failure("bad one")
    seen = []
    with ParallelClient() as client:
        inputs = ["good one", "bad one", "another"]
        assert len(list(client.task_groups.run_batch(inputs, processor="lite", on_progress=seen.append))) == 3
    taskgroup_id = seen[-1].taskgroup_id
    summary = invoke("groups", taskgroup_id)
    assert summary.exit_code == 0, summary.stderr
    assert "completed 2" in summary.stdout
    assert "failed 1" in summary.stdout
    listing = invoke("groups", taskgroup_id, "--runs", "--status", "failed")
    assert listing.exit_code == 0, listing.stderr
    assert "bad one" in listing.stdout
    assert "good one" not in listing.stdout
    body = json.loads(invoke("groups", taskgroup_id, "--runs", "--json").stdout)
    assert body["group"]["status"]["num_task_runs"] == 3
    assert [event["input"]["input"] for event in body["runs"]] == ["good one", "bad one", "another"]
    assert json.loads(invoke("groups", taskgroup_id, "--json").stdout)["taskgroup_id"] == taskgroup_id


def test_emulator_command_passes_its_arguments_to_the_emulator_main(invoke: Invoke, monkeypatch) -> None:
    import parallel_integrations.emulator.__main__ as emulator_main

    seen = []
    monkeypatch.setattr(emulator_main, "main", lambda argv: seen.append(argv) or 0)
    result = invoke("emulator", "--port", "8080", "--running", "1.5")
    assert result.exit_code == 0
    assert seen == [["--port", "8080", "--running", "1.5"]]


def test_emulator_help_lists_the_emulator_options(invoke: Invoke) -> None:
    result = invoke("emulator", "--help")
    assert result.exit_code == 0
    for option in ("--port", "--corpus", "--state", "--running", "Example:"):
        assert option in result.stdout
    assert invoke("emulator", "--port", "nope").exit_code == 2


def test_emulator_command_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "parallel_integrations.cli", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Parallel API emulator on http://127.0.0.1:")
        base_url = line.rsplit(" ", 1)[1].strip()
        with ParallelClient(api_key="any", base_url=base_url) as client:
            assert client.search("with statement", max_results=1).results
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
