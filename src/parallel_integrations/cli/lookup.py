"""``parallel-integrations runs`` and ``groups``: look up work by id (a run, a group and its runs), so what a
script or an interrupted batch left behind can be found and collected."""

from __future__ import annotations

import json
from typing import Any, cast, get_args

import click

from parallel_integrations import RunStatus

from .errors import INTERRUPTS, CliError, ExitCode, interrupted, reporting
from .render import answer_table, group_table, run_table, runs_table, wire_json
from .session import Session, pass_session
from .waiting import timeout_option, wait_for_result

__all__ = ["groups", "runs"]


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.command(short_help="Look up a task run by id (status, --result).")
@click.argument("run_id")
@click.option("--result", "with_result", is_flag=True, help="Show the answer (waiting for it if the run is active).")
@timeout_option("With --result: wait at most this long (the run goes on).")
@click.option("--json", "as_json", is_flag=True, help="Print the run (with --result: the result) as JSON.")
@pass_session
def runs(session: Session, run_id: str, with_result: bool, timeout: float | None, as_json: bool) -> None:
    """Show the task run RUN_ID: status, processor, group, times, error; with --result, its answer.

    \b
    Examples:
      parallel-integrations runs trun_9907962f83aa4d9d98fd7f4bf745d654
      parallel-integrations runs trun_9907962f83aa4d9d98fd7f4bf745d654 --result --json
    """
    with reporting():
        client = session.client()
        run = client.task_runs.retrieve(run_id)
        if not with_result:
            _echo_json(wire_json(run)) if as_json else session.console().print(run_table(run))
            return
        if run.status == "failed":
            session.console(stderr=True).print(run_table(run))
            message = run.error.message if run.error is not None else "no reason given"
            raise CliError(f"run {run_id} failed: {message}", ExitCode.API_ERROR)
        try:
            result = wait_for_result(client, run, session.console(stderr=True), timeout)
        except INTERRUPTS as exc:
            if not interrupted(exc):
                raise
            raise CliError(f"stopped waiting; run {run_id} goes on", ExitCode.INTERRUPTED) from None
    _echo_json(wire_json(result)) if as_json else session.console().print(answer_table(result))


@click.command(short_help="Look up a task group by id (counts, --runs).")
@click.argument("taskgroup_id")
@click.option("--runs", "with_runs", is_flag=True, help="List the group's runs (position, id, status, input, error).")
@click.option("--status", type=click.Choice(get_args(RunStatus)), help="With --runs: only runs in this status.")
@click.option("--json", "as_json", is_flag=True, help="Print the group (and with --runs, its runs) as JSON.")
@pass_session
def groups(session: Session, taskgroup_id: str, with_runs: bool, status: str | None, as_json: bool) -> None:
    """Show the task group TASKGROUP_ID: run counts per status, whether it is active; with --runs, every run.

    A batch's group id is printed when it starts and kept in RESULTS_FILE.parallel-group.json.

    \b
    Examples:
      parallel-integrations groups tgrp_326e034e45214fdab477b768d5668290
      parallel-integrations groups tgrp_326e034e45214fdab477b768d5668290 --runs --status failed
    """
    from parallel_integrations import TaskRunEvent

    with reporting():
        client = session.client()
        group = client.task_groups.retrieve(taskgroup_id)
        events: list[TaskRunEvent] = []
        if with_runs:
            wanted = cast("RunStatus | None", status)
            with client.task_groups.stream_runs(taskgroup_id, status=wanted, include_input=True) as stream:
                events = [event for event in stream if isinstance(event, TaskRunEvent)]
    if as_json:
        data = wire_json(group)
        _echo_json({"group": data, "runs": [wire_json(event) for event in events]} if with_runs else data)
        return
    console = session.console()
    console.print(group_table(group))
    if with_runs:
        console.print(runs_table(events, f"{len(events)} runs" + (f" {status}" if status else "")))
