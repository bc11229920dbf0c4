"""``parallel-integrations batch``: every input of a CSV or JSONL file through one Task Group, results written to
CSV or JSONL as runs end, resumable.

The first run creates the group and records it beside the results file (see :mod:`.resume`) before submitting
anything. Running the same command again finds that group: inputs the group does not hold yet (the group's run
count says how many landed) are submitted, runs already written are skipped, and the rest are collected. So an
interrupted batch (Ctrl-C, a closed laptop, a killed process) resumes without paying for any run twice.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import INTERRUPTS, CliError, ExitCode, interrupted, reporting
from .inputs import BatchInputs, read_inputs
from .progress import BatchDisplay
from .results import ResultsWriter, open_results
from .resume import BatchState, state_path
from .session import Session, pass_session
from .spec import OutputSpec, load_output_spec
from .task import OUTPUT_HELP, PROCESSOR_HELP

if TYPE_CHECKING:
    from parallel_integrations import BatchProgress, ParallelClient

__all__ = ["batch"]

log = logging.getLogger("parallel_integrations.cli")


@click.command(short_help="Run a CSV/JSONL file of inputs as one Task Group; resumable.")
@click.argument("input_file", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("results_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", "output", required=True, metavar="SPEC", help=OUTPUT_HELP)
@click.option("-p", "--processor", default="lite", show_default=True, help=PROCESSOR_HELP)
@click.option(
    "-c", "--column", metavar="NAME", help="CSV input: send this column's text (default: each row as a JSON object)."
)
@pass_session
def batch(
    session: Session, input_file: Path, results_file: Path, output: str, processor: str, column: str | None
) -> None:
    """Run every input of INPUT_FILE (CSV or JSONL) as one Task Group; write RESULTS_FILE (CSV or JSONL).

    Each result is written and flushed as its run ends: the input's index and value, the run id and status, and
    per answer field its value, confidence and citations. The group id is kept in
    RESULTS_FILE.parallel-group.json with the input file's fingerprint: run the same command again to resume
    (nothing is submitted twice, rows already written are skipped); another input file is refused. Ctrl-C
    stops waiting, not the runs.

    \b
    Examples:
      parallel-integrations batch companies.csv profiles.csv -o profile.json -p base
      parallel-integrations batch questions.csv answers.jsonl -c question -o "a short answer"
    """
    inputs = read_inputs(input_file, column)
    spec = load_output_spec(output)
    results = open_results(results_file, spec.fields)
    with reporting():
        client = session.client()
        wanted = BatchState(
            taskgroup_id="",
            input_file=str(input_file),
            input_sha256=inputs.sha256,
            inputs=len(inputs.items),
            column=column,
            processor=processor,
            output=spec.label,
            output_fingerprint=spec.fingerprint,
            base_url=client.base_url,
        )
        resume = _resume_command(session, input_file, results_file, output, processor, column)
        _run(client, session, inputs, spec, results, wanted, resume)


def _resume_command(
    session: Session, input_file: Path, results: Path, output: str, processor: str, column: str | None
) -> str:
    """The command that resumes this batch, for messages (global options repeated, never the key)."""
    args = [*session.global_args(), "batch", str(input_file), str(results), "-o", output, "-p", processor]
    if column is not None:
        args += ["-c", column]
    return shlex.join(["parallel-integrations", *args])


def _existing_state(
    client: ParallelClient, session: Session, results: ResultsWriter, wanted: BatchState
) -> BatchState | None:
    """The state of the batch writing ``results`` if there is one and it is this batch; refuses a different
    batch (unless its group is still empty: nothing could be mixed in) and a results file without a state."""
    path = state_path(results.path)
    if not path.exists():
        if results.path.exists() and results.path.stat().st_size > 0:
            raise CliError(
                f"{results.path} exists and no batch state is beside it: choose a new results file",
                ExitCode.BAD_INPUT,
            )
        return None
    state = BatchState.load(path)
    differences = state.differences(wanted)
    if not differences:
        return state
    if "API base URL" in differences and session.emulator:
        raise CliError(
            f"{results.path} belongs to group {state.taskgroup_id} at {state.base_url}; with --emulator each "
            "command has a new emulator, so that group cannot be resumed here: use a new results file",
            ExitCode.USAGE,
        )
    if "API base URL" in differences:
        raise CliError(
            f"{results.path} belongs to group {state.taskgroup_id} at {state.base_url}; "
            f"this command talks to {wanted.base_url} (use --base-url {state.base_url})",
            ExitCode.USAGE,
        )
    group = client.task_groups.retrieve(state.taskgroup_id)
    if group.status.num_task_runs == 0 and not results.done_indices():
        return None  # nothing was submitted under the old settings: start afresh
    raise CliError(
        f"{results.path} belongs to another batch (group {state.taskgroup_id}); this command changes the "
        f"{', '.join(differences)}. Use a new results file, or delete {results.path} and {path} to start over",
        ExitCode.BAD_INPUT,
    )


def _run(
    client: ParallelClient,
    session: Session,
    inputs: BatchInputs,
    spec: OutputSpec,
    results: ResultsWriter,
    wanted: BatchState,
    resume: str,
) -> None:
    from parallel_integrations import ParallelError, ParallelValidationError, TaskRunFailedError

    total = len(inputs.items)
    state = _existing_state(client, session, results, wanted)
    done = results.done_indices()
    before = len(done)
    unread: list[str] = []
    taskgroup_id = state.taskgroup_id if state is not None else None
    resumed = taskgroup_id is not None
    console = session.console(stderr=True)
    try:
        with BatchDisplay(console, total) as display:
            if taskgroup_id is None:
                display.note("creating the group")
                group = client.task_groups.create(metadata={"input_file": inputs.path.name[:512]})
                taskgroup_id = group.taskgroup_id
                state = dataclasses.replace(wanted, taskgroup_id=taskgroup_id)
                state.save(state_path(results.path))
                log.debug("batch state saved to %s", state_path(results.path))
            display.group(taskgroup_id, resumed)
            landed = client.task_groups.retrieve(taskgroup_id).status.num_task_runs
            log.debug("group %s holds %d of %d runs; %d results already written", taskgroup_id, landed, total, before)
            if landed > total:
                raise CliError(
                    f"group {taskgroup_id} holds {landed} runs but {inputs.path} has {total} inputs",
                    ExitCode.BAD_INPUT,
                )
            if landed < total:
                display.note(f"{taskgroup_id}: submitting {total - landed} runs")
                runs = [{"input": item, "processor": wanted.processor} for item in inputs.items[landed:]]
                try:
                    client.task_groups.add_runs(taskgroup_id, runs, default_task_spec=spec.task_spec)
                except ParallelValidationError as exc:
                    raise CliError(f"{inputs.path}: {_row_numbers(str(exc), landed)}", ExitCode.BAD_INPUT) from exc
            for item in client.task_groups.run_batch(taskgroup_id=taskgroup_id, on_progress=display.update):
                if item.index in done or item.index >= total:
                    continue
                if not item.ok and not isinstance(item.error, TaskRunFailedError):
                    unread.append(f"input {item.index}: {item.error}")  # not final: collected again next time
                    continue
                results.write(item, inputs.items[item.index])
                done.add(item.index)
    except INTERRUPTS as exc:
        if not interrupted(exc):
            raise
        raise CliError(
            f"stopped waiting; {_where(session, taskgroup_id, done, total, results, resume)}", ExitCode.INTERRUPTED
        ) from None
    except ParallelError as exc:
        if taskgroup_id is None or isinstance(exc, ParallelValidationError):
            raise
        where = _where(session, taskgroup_id, done, total, results, resume)
        raise CliError(f"{type(exc).__name__}: {exc}; {where}", ExitCode.API_ERROR) from exc
    finally:
        results.close()
    click.echo(_summary(results, total, before, taskgroup_id, display.last))
    if unread:
        raise CliError(
            f"{len(unread)} results could not be read ({unread[0]}); run the same command again to collect them",
            ExitCode.API_ERROR,
        )


def _where(
    session: Session, taskgroup_id: str | None, done: set[int], total: int, results: ResultsWriter, resume: str
) -> str:
    """Where an unfinished batch stands, and how to resume it."""
    if taskgroup_id is None:
        return "nothing was submitted"
    how = (
        "(the in-process emulator stopped with this command: its group is gone)"
        if session.emulator
        else f"Resume with: {resume}"
    )
    return f"the runs go on in group {taskgroup_id}. {len(done)} of {total} results are in {results.path}. {how}"


def _row_numbers(message: str, offset: int) -> str:
    """A validation message about ``inputs[i]`` of the submitted slice, as the input's index in the file."""
    return re.sub(r"inputs\[(\d+)\]", lambda m: f"input {offset + int(m[1])}", message)


def _summary(
    results: ResultsWriter, total: int, before: int, taskgroup_id: str | None, last: BatchProgress | None
) -> str:
    failed = f", {last.failed} failed" if last is not None and last.failed else ""
    resumed = f" ({before} were already there)" if before else ""
    return f"{before + results.written} of {total} results in {results.path}{resumed}{failed}; group {taskgroup_id}"
