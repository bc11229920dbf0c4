from __future__ import annotations

import csv
import json
from pathlib import Path

import pydantic_core
import pytest

from parallel_integrations.cli.results import ResultsWriter, csv_columns

from .conftest import Invoke

SCHEMA = {
    "type": "object",
    "properties": {
        "keyword": {"type": "string", "description": "the keyword"},
        "summary": {"type": "string", "description": "what it does"},
    },
}
STATEMENTS = ["the with statement", "the for statement", "the try statement", "the while statement", "the if statement"]


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


@pytest.fixture
def input_csv(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["statement", "note"])
        writer.writerows([s, f"note {i}"] for i, s in enumerate(STATEMENTS))
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def group_posts(emulator) -> tuple[int, int]:
    """How many groups were created, and how many add-runs requests were sent."""
    creates = len(emulator.requests("POST", "/v1beta/tasks/groups"))
    adds = [r for r in emulator.requests("POST") if r.path.endswith("/runs") and "/groups/" in r.path]
    return creates, len(adds)


def inputs_sent(emulator) -> list:
    return [emulator.run_input(run.run_id)["input"] for run in emulator.runs()]


def test_csv_rows_in_csv_results_out(invoke: Invoke, emulator, input_csv: Path, schema_file: Path, tmp_path: Path):
    emulator.script_output(
        {"statement": "the for statement", "note": "note 1"},
        {"keyword": "for", "summary": "loops"},
        basis=[
            {"field": "keyword", "confidence": "high", "citations": [{"url": "https://a.example/for"}]},
            {"field": "summary", "confidence": "medium", "citations": [{"url": "https://b.example/1"}]},
        ],
    )
    out = tmp_path / "out.csv"
    result = invoke("batch", str(input_csv), str(out), "-o", str(schema_file), "-p", "base")
    assert result.exit_code == 0, result.stderr
    rows = read_csv(out)
    assert list(rows[0]) == csv_columns(("keyword", "summary"))
    assert sorted(int(r["index"]) for r in rows) == [0, 1, 2, 3, 4]
    by_index = {int(r["index"]): r for r in rows}
    assert json.loads(by_index[1]["input"]) == {"statement": "the for statement", "note": "note 1"}
    assert by_index[1]["keyword"] == "for"
    assert by_index[1]["keyword.confidence"] == "high"
    assert by_index[1]["keyword.citations"] == "https://a.example/for"
    assert by_index[1]["summary.confidence"] == "medium"
    assert all(r["status"] == "completed" for r in rows)
    assert "5 of 5 results" in result.stdout
    assert group_posts(emulator) == (1, 1)
    assert all(run.processor == "base" for run in emulator.runs())
    state = json.loads((tmp_path / "out.csv.parallel-group.json").read_text())
    assert state["taskgroup_id"] in result.stdout
    assert state["inputs"] == 5


def test_jsonl_in_jsonl_out_with_text_answers(invoke: Invoke, emulator, tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text('"first question"\n\n{"q": "second"}\n')
    emulator.script_output("first question", "answer one")
    out = tmp_path / "out.jsonl"
    result = invoke("batch", str(source), str(out), "-o", "a one-line answer")
    assert result.exit_code == 0, result.stderr
    records = {r["index"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == {0, 1}
    assert records[0]["input"] == "first question"
    assert records[0]["output"] == "answer one"
    assert records[1]["input"] == {"q": "second"}
    assert set(records[0]) == {"index", "input", "run_id", "status", "error", "output", "basis"}
    assert records[0]["basis"][0]["field"] == "output"


def test_column_sends_the_cell_text(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    result = invoke("batch", str(input_csv), str(tmp_path / "out.csv"), "-o", "a summary", "-c", "statement")
    assert result.exit_code == 0, result.stderr
    assert sorted(inputs_sent(emulator)) == sorted(STATEMENTS)
    assert list(read_csv(tmp_path / "out.csv")[0])[-3:] == ["output", "output.confidence", "output.citations"]


def test_failed_run_is_a_row(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    emulator.script_failure("the try statement", "no sources")
    out = tmp_path / "out.csv"
    result = invoke("batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement")
    assert result.exit_code == 0, result.stderr
    (failed,) = [r for r in read_csv(out) if r["status"] == "failed"]
    assert failed["index"] == "2"
    assert "no sources" in failed["error"]
    assert "1 failed" in result.stdout


@pytest.mark.parametrize(
    ("content", "name", "extra", "message"),
    [
        (None, "missing.csv", [], "no such file"),
        ('"ok"\n{broken\n', "in.jsonl", [], "line 2: not valid JSON"),
        ("[1, 2]\n", "in.jsonl", [], "line 1: each line must be"),
        ("a,b\n1,2\n", "in.csv", ["-c", "nope"], "no column 'nope'"),
        ("a\n1,2\n", "in.csv", [], "more values than columns"),
        ("a\n", "in.csv", [], "no inputs"),
        ("text", "in.txt", [], "expected a .csv"),
    ],
)
def test_bad_input_file_exits_3(invoke: Invoke, emulator, tmp_path: Path, content, name, extra, message):
    source = tmp_path / name
    if content is not None:
        source.write_text(content)
    result = invoke("batch", str(source), str(tmp_path / "out.csv"), "-o", "a summary", *extra)
    assert result.exit_code == 3, result.stderr
    assert message in result.stderr
    assert emulator.requests() == []


def test_results_file_suffix_and_missing_output_are_usage_errors(invoke: Invoke, emulator, input_csv, tmp_path):
    assert invoke("batch", str(input_csv), str(tmp_path / "out.xlsx"), "-o", "x").exit_code == 2
    assert invoke("batch", str(input_csv), str(tmp_path / "out.csv")).exit_code == 2
    assert emulator.requests() == []


def test_input_over_a_limit_is_refused_before_any_run(invoke: Invoke, emulator, tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps("fine") + "\n" + json.dumps("x" * 30_000) + "\n")
    out = tmp_path / "out.csv"
    result = invoke("batch", str(source), str(out), "-o", "a summary")
    assert result.exit_code == 3, result.stderr
    assert "input 1" in result.stderr
    assert emulator.runs() == []
    # Fixed, the same command starts afresh: the first group holds nothing, so nothing could be mixed in.
    source.write_text(json.dumps("fine") + "\n" + json.dumps("also fine") + "\n")
    fixed = invoke("batch", str(source), str(out), "-o", "a summary")
    assert fixed.exit_code == 0, fixed.stderr
    assert sorted(inputs_sent(emulator)) == ["also fine", "fine"]


def test_results_file_without_state_is_not_overwritten(invoke: Invoke, emulator, input_csv, tmp_path: Path):
    out = tmp_path / "out.csv"
    out.write_text("precious,data\n")
    result = invoke("batch", str(input_csv), str(out), "-o", "a summary")
    assert result.exit_code == 3
    assert "choose a new results file" in result.stderr
    assert out.read_text() == "precious,data\n"
    assert emulator.requests() == []


# --- resume -----------------------------------------------------------------------------------------------------


# What pydantic-core raises when the Ctrl-C lands while it builds a model's validator (the model's first use).
WRAPPED_CTRL_C = pydantic_core.SchemaError('Error building "model-fields" validator:\n  KeyboardInterrupt: ')


def interrupt_after(monkeypatch: pytest.MonkeyPatch, rows: int, ctrl_c: BaseException | None = None) -> None:
    """Make the results writer raise KeyboardInterrupt (as Ctrl-C would; or ``ctrl_c``) when it is about to write
    row ``rows + 1``."""
    real = ResultsWriter.write

    def write(self, item, given):
        if self.written == rows:
            raise ctrl_c or KeyboardInterrupt()
        real(self, item, given)

    monkeypatch.setattr(ResultsWriter, "write", write)


@pytest.mark.parametrize("ctrl_c", [None, WRAPPED_CTRL_C], ids=["plain", "wrapped-by-pydantic-core"])
def test_interrupted_batch_resumes_without_resubmitting(
    invoke: Invoke, emulator, input_csv: Path, schema_file: Path, tmp_path: Path, monkeypatch, ctrl_c
):
    out = tmp_path / "out.csv"
    args = ("batch", str(input_csv), str(out), "-o", str(schema_file), "-c", "statement")
    with monkeypatch.context() as patch:
        interrupt_after(patch, 2, ctrl_c)
        first = invoke(*args)
    assert first.exit_code == 130
    assert "2 of 5 results" in first.stderr
    assert f"Resume with: parallel-integrations batch {input_csv} {out} -o {schema_file} -p lite -c statement" in (
        first.stderr.replace("\n", "")
    )
    assert len(read_csv(out)) == 2
    assert group_posts(emulator) == (1, 1)

    second = invoke(*args)
    assert second.exit_code == 0, second.stderr
    assert "(2 were already there)" in second.stdout
    rows = read_csv(out)
    assert sorted(int(r["index"]) for r in rows) == [0, 1, 2, 3, 4]
    assert group_posts(emulator) == (1, 1)  # the second run created nothing and added nothing
    assert sorted(inputs_sent(emulator)) == sorted(STATEMENTS)
    assert all(r["input"] == STATEMENTS[int(r["index"])] for r in rows)

    third = invoke(*args)  # everything is there: nothing to do, nothing sent
    assert third.exit_code == 0
    assert len(read_csv(out)) == 5
    assert group_posts(emulator) == (1, 1)


def test_interrupted_submission_submits_only_the_rest(
    invoke: Invoke, emulator, input_csv: Path, tmp_path: Path, monkeypatch
):
    from parallel_integrations import ParallelClient

    with ParallelClient() as probe:
        TaskGroups = type(probe.task_groups)
    real_add = TaskGroups.add_runs

    def add_two_then_interrupt(self, taskgroup_id, inputs, **kwargs):
        real_add(self, taskgroup_id, list(inputs)[:2], **kwargs)
        raise KeyboardInterrupt

    out = tmp_path / "out.jsonl"
    args = ("batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement")
    with monkeypatch.context() as patch:
        patch.setattr(TaskGroups, "add_runs", add_two_then_interrupt)
        first = invoke(*args)
    assert first.exit_code == 130
    assert "the runs go on in group tgrp_" in first.stderr
    assert len(emulator.runs()) == 2

    second = invoke(*args)
    assert second.exit_code == 0, second.stderr
    assert inputs_sent(emulator) == STATEMENTS  # each input once, in file order
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["index"] for r in records) == [0, 1, 2, 3, 4]
    assert all(r["input"] == STATEMENTS[r["index"]] for r in records)


def test_partial_last_row_is_rewritten(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    args = ("batch", str(input_csv), str(out), "-o", "a summary\nin two lines", "-c", "statement")
    assert invoke(*args).exit_code == 0
    text = out.read_text()
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 12]  # the last row cut 11 characters in
    out.write_text(cut)
    again = invoke(*args)
    assert again.exit_code == 0, again.stderr
    rows = read_csv(out)
    assert sorted(int(r["index"]) for r in rows) == [0, 1, 2, 3, 4]
    assert len(emulator.runs()) == 5


def test_partial_jsonl_line_is_dropped(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    out = tmp_path / "out.jsonl"
    args = ("batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement")
    assert invoke(*args).exit_code == 0
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:3]) + "\n" + lines[3][:20])
    assert invoke(*args).exit_code == 0
    indices = sorted(json.loads(line)["index"] for line in out.read_text().splitlines())
    assert indices == [0, 1, 2, 3, 4]


def test_other_input_file_is_refused(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out.csv"
    with monkeypatch.context() as patch:
        interrupt_after(patch, 1)
        assert invoke("batch", str(input_csv), str(out), "-o", "a summary").exit_code == 130
    other = tmp_path / "other.csv"
    other.write_text("statement,note\nsomething else,x\n")
    result = invoke("batch", str(other), str(out), "-o", "a summary")
    assert result.exit_code == 3
    assert "input file" in result.stderr
    assert len(emulator.runs()) == 5
    changed = invoke("batch", str(input_csv), str(out), "-o", "a summary", "-p", "base")
    assert changed.exit_code == 3
    assert "--processor" in changed.stderr
    assert len(emulator.runs()) == 5


def test_results_of_another_shape_are_refused(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    out.write_text("index,input\n0,x\n")
    (tmp_path / "out.csv.parallel-group.json").write_text("{not json")
    result = invoke("batch", str(input_csv), str(out), "-o", "a summary")
    assert result.exit_code == 3
    assert "unreadable batch state" in result.stderr


def test_state_from_another_base_url_is_refused(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    assert invoke("batch", str(input_csv), str(out), "-o", "a summary").exit_code == 0
    state_file = tmp_path / "out.csv.parallel-group.json"
    state = json.loads(state_file.read_text())
    state["base_url"] = "https://api.example.invalid"
    state_file.write_text(json.dumps(state))
    result = invoke("batch", str(input_csv), str(out), "-o", "a summary")
    assert result.exit_code == 2
    assert "--base-url https://api.example.invalid" in result.stderr


def wait_for(condition, process) -> None:
    """Poll ``condition`` while the batch process runs (a minute at most: a hung process fails the test)."""
    import time

    deadline = time.monotonic() + 60
    while not condition() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


def start_batch(args: list[str]):
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "parallel_integrations.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "250"},
    )


def finish(process, sig) -> str:
    """Send ``sig`` and return the process's stderr once it has ended."""
    try:
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return stderr


def resume_in_process(args: list[str]):
    from click.testing import CliRunner

    from parallel_integrations.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_ctrl_c_in_a_real_process_leaves_the_runs_going(emulator, input_csv: Path, tmp_path: Path):
    """SIGINT to a running batch: exit 130 with the resume command; the runs go on; resuming collects them."""
    import signal

    emulator.set_schedule(queued=0.01, running=600)  # runs stay active until the test completes them
    out = tmp_path / "out.csv"
    args = ["batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement"]
    process = start_batch(args)
    wait_for(lambda: len(emulator.runs()) == len(STATEMENTS), process)
    stderr = finish(process, signal.SIGINT)
    assert process.returncode == 130, stderr
    assert "the runs go on in group tgrp_" in stderr
    assert "Resume with: parallel-integrations batch" in stderr.replace("\n", "")
    assert all(run.is_active for run in emulator.runs())

    for run in emulator.runs():
        emulator.complete_run(run.run_id)
    resumed = resume_in_process(args)
    assert resumed.exit_code == 0, resumed.stderr
    assert sorted(int(r["index"]) for r in read_csv(out)) == [0, 1, 2, 3, 4]
    assert group_posts(emulator) == (1, 1)


def test_a_killed_batch_resumes_from_its_rows(emulator, input_csv: Path, tmp_path: Path):
    """SIGKILL (no handler runs) mid-batch: the re-run keeps the rows written, writes the others, submits nothing."""
    import signal

    emulator.set_schedule(queued=0.01, running=600)
    out = tmp_path / "out.jsonl"
    args = ["batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement"]
    process = start_batch(args)
    wait_for(lambda: any(r.path.endswith("/events") for r in emulator.requests("GET")), process)  # collecting
    for run in emulator.runs()[:3]:
        emulator.complete_run(run.run_id)
    # Killed once their answers are fetched: whether their rows are written by then is up to the runner (it hands
    # answers over as later events arrive), so the test counts what is in the file after the kill.
    wait_for(
        lambda: len([r for r in emulator.requests("GET") if r.path.endswith("/result") and r.status]) >= 3, process
    )
    finish(process, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    written = out.read_text().count("\n") if out.exists() else 0

    for run in emulator.runs()[3:]:
        emulator.complete_run(run.run_id)
    resumed = resume_in_process(args)
    assert resumed.exit_code == 0, resumed.stderr
    assert "5 of 5 results" in resumed.stdout
    assert f"({written} were already there)" in resumed.stdout if written else "already" not in resumed.stdout
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["index"] for r in records) == [0, 1, 2, 3, 4]
    assert group_posts(emulator) == (1, 1)


def test_column_with_jsonl_and_an_empty_output_are_usage_errors(invoke: Invoke, emulator, tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text('"x"\n')
    assert invoke("batch", str(source), str(tmp_path / "o.csv"), "-o", "a summary", "-c", "q").exit_code == 2
    assert invoke("batch", str(source), str(tmp_path / "o.csv"), "-o", "  ").exit_code == 2
    assert emulator.requests() == []


def test_an_api_error_mid_batch_says_how_to_resume(invoke: Invoke, emulator, input_csv: Path, tmp_path: Path):
    from parallel_integrations.emulator import Fault

    out = tmp_path / "out.csv"
    args = ("batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement")
    group_stream = "GET /v1beta/tasks/groups/*/runs"
    emulator.add_fault(Fault.error(group_stream, 500, times=None))
    failed = invoke(*args)
    assert failed.exit_code == 1, failed.stderr
    assert "the runs go on in group tgrp_" in failed.stderr
    assert "Resume with: parallel-integrations batch" in failed.stderr.replace("\n", "")
    emulator.clear_faults()
    resumed = invoke(*args)
    assert resumed.exit_code == 0, resumed.stderr
    assert sorted(int(r["index"]) for r in read_csv(out)) == [0, 1, 2, 3, 4]
    assert group_posts(emulator) == (1, 1)


def test_deleted_results_are_collected_again_without_resubmitting(invoke: Invoke, emulator, input_csv, tmp_path):
    out = tmp_path / "out.jsonl"
    args = ("batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement")
    assert invoke(*args).exit_code == 0
    out.unlink()
    again = invoke(*args)
    assert again.exit_code == 0, again.stderr
    assert sorted(json.loads(line)["index"] for line in out.read_text().splitlines()) == [0, 1, 2, 3, 4]
    assert group_posts(emulator) == (1, 1)


def test_an_emulator_batch_is_not_resumed_on_a_new_emulator(
    invoke: Invoke, no_key, input_csv: Path, tmp_path, monkeypatch
):
    out = tmp_path / "out.csv"
    args = ("--emulator", "batch", str(input_csv), str(out), "-o", "a summary", "-c", "statement")
    with monkeypatch.context() as patch:
        interrupt_after(patch, 1)
        first = invoke(*args)
    assert first.exit_code == 130
    assert "the in-process emulator stopped with this command" in first.stderr
    again = invoke(*args)
    assert again.exit_code == 2
    assert "use a new results file" in again.stderr
