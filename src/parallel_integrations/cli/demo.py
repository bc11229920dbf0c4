"""``parallel-integrations demo``: the main job end to end, as terminal output to show a colleague.

Without a key it starts the emulator on loopback (nothing is spent, nothing leaves the machine); with a key it
calls the API, and asks before using a processor above ``lite``.

The demo is the list :data:`STEPS`: a title and a function ``step(client, console, processor)`` each. A step
prints what it shows on ``console`` and runs tasks (if any) with ``processor``, so the spending guard covers it.
Steps for other integrations (a LangChain retriever's documents, a LlamaIndex query engine's answer with its
sources) are added as one entry each, importing their framework inside the function.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from .errors import reporting
from .session import Session, pass_session

if TYPE_CHECKING:
    from rich.console import Console

    from parallel_integrations import ParallelClient

__all__ = ["STEPS", "DemoStep", "demo"]

DemoStep = Callable[["ParallelClient", "Console", str], None]
"""A demo step: shows one part of the job with the client, on the console, running tasks with the processor."""

CHEAPEST = "lite"
SEARCH_OBJECTIVE = "how do decorators work in Python"
TASK_INPUT = "the Python with statement"
BATCH_INPUTS = ("the for statement", "the try statement", "the return statement")
STATEMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "keyword": {"type": "string", "description": "the keyword that introduces the statement"},
        "summary": {"type": "string", "description": "what the statement does, in one sentence"},
    },
}


def search_step(client: ParallelClient, console: Console, processor: str) -> None:
    """A web search turned into documents (text plus flat metadata), as a retriever would hand them on."""
    from rich.table import Table
    from rich.text import Text

    from parallel_integrations.documents import search_documents

    response = client.search(SEARCH_OBJECTIVE, max_results=5, max_chars_per_result=600)
    documents = search_documents(response, query=SEARCH_OBJECTIVE)
    table = Table(title=Text(f"search({SEARCH_OBJECTIVE!r}) as {len(documents)} documents"))
    table.add_column("Rank", justify="right")
    table.add_column("Title")
    table.add_column("URL", overflow="fold")
    table.add_column("Text", justify="right")
    for document in documents:
        meta = document.metadata
        title, url = Text(str(meta["title"] or "")), Text(str(meta["url"]))
        table.add_row(str(meta["rank"]), title, url, f"{len(document.text)} chars")
    console.print(table)
    keys = sorted({key for document in documents for key in document.metadata})
    console.print(f"Metadata keys of each document (flat values): {', '.join(keys)}", markup=False)


def task_step(client: ParallelClient, console: Console, processor: str) -> None:
    """A structured task run: a schema in, each field out with its value, confidence and citations."""
    from parallel_integrations import JsonSchema, TaskSpec, to_json_schema

    from .render import answer_table
    from .waiting import wait_for_result

    spec = TaskSpec(output_schema=JsonSchema(json_schema=to_json_schema(STATEMENT_SCHEMA)))
    console.print(f"Task input: {TASK_INPUT!r}, fields: {', '.join(STATEMENT_SCHEMA['properties'])}", markup=False)
    run = client.task_runs.create(TASK_INPUT, processor, task_spec=spec)
    result = wait_for_result(client, run, console)
    console.print(answer_table(result, tuple(STATEMENT_SCHEMA["properties"])))
    low = result.output.low_confidence_fields()
    console.print(f"Low-confidence fields: {', '.join(low) if low else 'none'}", markup=False)


def batch_step(client: ParallelClient, console: Console, processor: str) -> None:
    """A small batch through one Task Group, with its progress bar, then one row per input."""
    from rich.table import Table
    from rich.text import Text

    from .answers import cell_text
    from .progress import BatchDisplay

    rows: dict[int, tuple[str, str]] = {}
    with BatchDisplay(console, len(BATCH_INPUTS)) as display:
        items = client.task_groups.run_batch(
            list(BATCH_INPUTS), processor=processor, output=STATEMENT_SCHEMA, on_progress=display.update
        )
        for item in items:
            if item.result is not None:
                content = item.result.output.content
                summary = content.get("summary") if isinstance(content, dict) else content
                rows[item.index] = ("completed", cell_text(summary))
            else:
                rows[item.index] = ("failed", str(item.error))
    last = display.last
    table = Table(title=Text(f"Batch in group {last.taskgroup_id if last else '?'}"))
    table.add_column("#", justify="right")
    table.add_column("Input")
    table.add_column("Status")
    table.add_column("Summary")
    for index, (status, text) in sorted(rows.items()):
        table.add_row(str(index), Text(BATCH_INPUTS[index]), status, Text(text))
    console.print(table)


STEPS: list[tuple[str, DemoStep]] = [
    ("Search: results as documents", search_step),
    ("Task run: structured answer with citations and confidence", task_step),
    ("Batch: a Task Group with a progress bar", batch_step),
]
"""The demo, in order: (title, step). Add a step with one entry."""


def _interactive() -> bool:
    return sys.stdin.isatty()


def choose_processor(processor: str, yes: bool, console: Console) -> str:
    """The processor to spend on: ``processor`` when it is the cheapest or ``--yes`` was given; otherwise ask
    (on a terminal) or keep to the cheapest (without one)."""
    if processor == CHEAPEST or yes:
        return processor
    if not _interactive():
        console.print(f"Keeping to the cheapest processor, {CHEAPEST} (no terminal to ask; --yes uses {processor}).")
        return CHEAPEST
    question = f"The demo runs tasks with processor {processor!r}, which costs more than {CHEAPEST!r}. Use it?"
    return processor if click.confirm(question, default=False) else CHEAPEST


@click.command(short_help="Show a search, a structured run and a batch, end to end.")
@click.option(
    "-p",
    "--processor",
    default="base",
    show_default=True,
    help=f"Processor for the task steps. With a key, anything above {CHEAPEST} is asked about first.",
)
@click.option("-y", "--yes", is_flag=True, help=f"Use --processor without asking (otherwise: ask, or {CHEAPEST}).")
@pass_session
def demo(session: Session, processor: str, yes: bool) -> None:
    """Show the main job end to end: a search as documents, a structured task run with citations and
    confidence per field, and a small batch with a progress bar.

    With no PARALLEL_API_KEY (or with --emulator) it runs against the emulator, offline. With a key it calls
    the API: a search, one task run and a batch of three.

    \b
    Examples:
      parallel-integrations demo                 # offline without a key
      parallel-integrations demo --yes -p base   # with a key: no question asked
    """
    console = session.console()
    with reporting():
        if session.emulator or not session.has_key:
            client = session.client(fallback_to_emulator=True)
            console.print(f"No PARALLEL_API_KEY: using the emulator at {client.base_url} (offline, nothing spent).")
        else:
            client = session.client()
            processor = choose_processor(processor, yes, console)
            console.print(f"Using the Parallel API at {client.base_url}, tasks on processor {processor}.")
        for title, step in STEPS:
            console.rule(title)
            step(client, console, processor)
