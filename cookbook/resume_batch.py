"""Resuming a batch: a Task Group's runs go on when your process stops, so keep the group id and collect them
later with run_batch(taskgroup_id=...), nothing submitted twice; the command line's ``batch`` does the same on
its own when run again after Ctrl-C.

    .venv/bin/python cookbook/resume_batch.py
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, Field

from parallel_integrations import BatchItem, BatchProgress, ParallelClient

STATEMENTS = ["if", "while", "for", "try", "with", "return"]
INPUTS = [f"the Python {keyword} statement" for keyword in STATEMENTS]


class Statement(BaseModel):
    """One answer of the batch."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


def show(item: BatchItem[Statement]) -> None:
    answer = item.parsed.summary[:60] + "..." if item.ok and item.parsed else f"failed: {item.error}"
    print(f"  #{item.index} {INPUTS[item.index]}: {answer}")


def interrupted(client: ParallelClient, stop_after: int) -> tuple[str, set[int]]:
    """Start a batch and stop reading it after ``stop_after`` results, as a crash or a deploy would."""
    print(f"== run_batch over {len(INPUTS)} inputs, stopped after {stop_after} results")
    group = ""
    done: set[int] = set()

    def keep_group_id(progress: BatchProgress) -> None:
        nonlocal group
        group = progress.taskgroup_id  # the one thing to keep (a file, a database row) to resume later

    items = client.task_groups.run_batch(INPUTS, processor="lite", output=Statement, on_progress=keep_group_id)
    for item in items:
        show(item)
        done.add(item.index)
        if len(done) == stop_after:
            break
    items.close()  # what happens when the process stops: the group's runs go on without us
    print(f"  stopped; group {group} keeps running")
    return group, done


def resumed(client: ParallelClient, group: str, done: set[int]) -> None:
    """Collect the group's other results: nothing is submitted again."""
    print(f"\n== run_batch(taskgroup_id={group!r}): the rest, nothing submitted again")
    for item in client.task_groups.run_batch(taskgroup_id=group, output=Statement):
        if item.index not in done:
            show(item)
            done.add(item.index)
    runs = client.task_groups.retrieve(group).status.num_task_runs
    print(f"  {len(done)} of {len(INPUTS)} results; the group holds {runs} runs (one per input)")


def command_line(client: ParallelClient, folder: Path) -> None:
    """``parallel-integrations batch``, interrupted with Ctrl-C (SIGINT) once its group exists, then run again."""
    print("\n== parallel-integrations batch: Ctrl-C, then the same command again")
    inputs, results = folder / "statements.csv", folder / "summaries.csv"
    with inputs.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([["statement"], *([text] for text in INPUTS)])
    command = [sys.executable, "-m", "parallel_integrations.cli", "batch", str(inputs), str(results)]
    command += ["-c", "statement", "-o", "a one-sentence summary"]
    state = results.with_name(results.name + ".parallel-group.json")  # where the command keeps its group id

    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not state.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    message, _, resume = " ".join(stderr.split()).partition(" Resume with: ")
    if first.returncode == 0:
        message = "it had finished before the interruption"
    elif "stopped" in message:
        message = message[message.index("stopped") :]  # from the command's own words, past the progress bar
    print(f"  first run, exit {first.returncode}: {message}")
    if resume:
        print(f"  it says how to resume: {resume}")

    second = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    print(f"  second run, exit {second.returncode}: {' '.join(second.stdout.split())}")
    with results.open(newline="", encoding="utf-8") as file:
        rows = sorted(csv.DictReader(file), key=lambda row: int(row["index"]))
    for row in rows:
        print(f"  {row['index']} {row['status']}: {row['input']}")
    group = json.loads(state.read_text(encoding="utf-8"))["taskgroup_id"]
    print(f"  the group holds {client.task_groups.retrieve(group).status.num_task_runs} runs (one per input)")


def main(client: ParallelClient) -> None:
    """Interrupt a batch, resume it with the client, then the same with the command line (which reads
    PARALLEL_API_KEY and PARALLEL_BASE_URL, as ``client`` did)."""
    group, done = interrupted(client, stop_after=2)
    resumed(client, group, done)
    with tempfile.TemporaryDirectory() as folder:
        command_line(client, Path(folder))


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
