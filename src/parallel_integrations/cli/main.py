"""The ``parallel-integrations`` command group: global options, and the commands registered on it."""

from __future__ import annotations

from collections.abc import Sequence

import click

from .batch import batch
from .demo import demo
from .errors import EXIT_CODES_HELP
from .lookup import groups, runs
from .search import search
from .serve import emulator
from .session import Session, enable_verbose_logging
from .task import task

__all__ = ["cli", "main"]

EPILOG = (
    "\b\nExamples:\n"
    '  parallel-integrations --emulator search "python decorators"   # offline, no key\n'
    '  parallel-integrations task "the Python with statement" -o schema.json\n'
    "  parallel-integrations batch inputs.csv results.csv -o schema.json -p base\n"
    "  parallel-integrations demo\n\n" + EXIT_CODES_HELP
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}, epilog=EPILOG)
@click.option(
    "--api-key", envvar="PARALLEL_API_KEY", metavar="KEY", help="API key [env: PARALLEL_API_KEY]. Never printed."
)
@click.option(
    "--base-url",
    envvar="PARALLEL_BASE_URL",
    metavar="URL",
    help="API base URL [env: PARALLEL_BASE_URL; default: https://api.parallel.ai].",
)
@click.option("--emulator", is_flag=True, help="Run the command against a fresh in-process emulator (offline, no key).")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log the client's activity (DEBUG) to stderr; -vv adds httpx's requests and httpcore's connection steps. "
    "The key is never logged.",
)
@click.version_option(package_name="parallel-integrations", prog_name="parallel-integrations")
@click.pass_context
def cli(ctx: click.Context, api_key: str | None, base_url: str | None, emulator: bool, verbose: int) -> None:
    """The Parallel web research API from the terminal: search, task runs, batches over CSV/JSONL files,
    lookups of runs and groups, the offline emulator, and a demo."""
    given = ctx.get_parameter_source("base_url") is click.core.ParameterSource.COMMANDLINE
    session = Session(api_key or None, base_url or None, emulator, verbose, base_url_given=given)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if verbose:
        enable_verbose_logging(session)


cli.add_command(search)
cli.add_command(task)
cli.add_command(batch)
cli.add_command(runs)
cli.add_command(groups)
cli.add_command(emulator)
cli.add_command(demo)
for _command in (search, task, batch, runs, groups, demo):
    _command.epilog = EXIT_CODES_HELP


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); exits with the command's status."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="parallel-integrations")
