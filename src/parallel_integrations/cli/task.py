"""``parallel-integrations task``: one task run, waited for with a progress line, its answer shown field by field
with confidence and citations (or the API's JSON)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .errors import INTERRUPTS, CliError, ExitCode, interrupted, reporting
from .render import answer_table, wire_json
from .session import Session, pass_session
from .spec import load_output_spec
from .waiting import timeout_option, wait_for_result

__all__ = ["OUTPUT_HELP", "PROCESSOR_HELP", "collect_hint", "parse_input", "task"]

OUTPUT_HELP = (
    "The answer's shape: a JSON schema file (.json), a pydantic class as module:Class, or a description of a "
    "text answer."
)
PROCESSOR_HELP = "Processor: lite, base, core, pro, ultra... (-fast variants too)."


def collect_hint(session: Session, run_id: str) -> str:
    """How to collect a run later, with the same global options (never the key)."""
    command = " ".join(["parallel-integrations", *session.global_args(), "runs", run_id, "--result"])
    return f"run {run_id} goes on; collect it with: {command}"


def parse_input(value: str) -> str | dict[str, Any]:
    """INPUT as given: ``-`` reads stdin; text that starts with ``{`` must be a JSON object; anything else is text."""
    if value == "-":
        value = sys.stdin.read()
    text = value.strip()
    if not text:
        raise CliError("INPUT is empty", ExitCode.USAGE)
    if not text.startswith("{"):
        return value
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"INPUT starts with '{{' but is not a JSON object ({exc.msg})", ExitCode.USAGE) from exc
    if not isinstance(parsed, dict):
        raise CliError("INPUT must be text or a JSON object", ExitCode.USAGE)
    return parsed


@click.command(short_help="Run one task and show its answer with confidence and citations.")
@click.argument("input_value", metavar="INPUT")
@click.option("-o", "--output", "output", metavar="SPEC", help=OUTPUT_HELP + " Default: the API's automatic schema.")
@click.option("-p", "--processor", default="lite", show_default=True, help=PROCESSOR_HELP)
@timeout_option("Stop waiting after this long (the run goes on). Default: wait while the run is active.")
@click.option("--json", "as_json", is_flag=True, help="Print the result (run and output) as JSON.")
@pass_session
def task(
    session: Session, input_value: str, output: str | None, processor: str, timeout: float | None, as_json: bool
) -> None:
    """Run one task on INPUT (text, a JSON object, or - for stdin) and show the answer.

    Each field of the answer is shown with its value, confidence and the URLs that support it. Ctrl-C stops
    waiting, not the run: collect it later with `parallel-integrations runs RUN_ID --result`.

    \b
    Examples:
      parallel-integrations task "the Python with statement" -o schema.json -p base
      parallel-integrations task '{"company": "Parallel"}' -o "a one-paragraph profile"
      parallel-integrations task "Python's GIL" -o mymodels:Summary --json
    """
    given = parse_input(input_value)
    spec = load_output_spec(output)
    from parallel_integrations import TaskRunTimeoutError

    with reporting():
        client = session.client()
        run = client.task_runs.create(given, processor, task_spec=spec.task_spec)
        try:
            result = wait_for_result(client, run, session.console(stderr=True), timeout)
        except INTERRUPTS as exc:
            if not interrupted(exc):
                raise
            raise CliError(f"stopped waiting; {collect_hint(session, run.run_id)}", ExitCode.INTERRUPTED) from None
        except TaskRunTimeoutError as exc:
            raise CliError(f"{exc}; {collect_hint(session, run.run_id)}", ExitCode.API_ERROR) from exc
    for warning in result.run.warnings or []:
        click.echo(f"Warning ({warning.type}): {warning.message}", err=True)
    if as_json:
        click.echo(json.dumps(wire_json(result), indent=2, ensure_ascii=False))
    else:
        session.console().print(answer_table(result, spec.fields))
