"""``parallel-integrations demo``: the main job end to end, as terminal output to show a colleague.

Without a key it starts the emulator on loopback (nothing is spent, nothing leaves the machine) and loads its
search corpus first, saying so (a machine's first run builds it: 10 to 20 s); with a key it calls the API, and
asks before using a processor above ``lite``.

The demo is the list :data:`STEPS`: a title and a function ``step(client, console, processor)`` each. A step
prints what it shows on ``console`` and runs tasks (if any) with ``processor``, so the spending guard covers it.
The LangChain and LlamaIndex steps import their framework inside the function (the other commands never pay
for it) and hand the demo's client to the adapter, so every step reaches the same server.
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
    from rich.table import Table

    from parallel_integrations import ParallelClient

__all__ = ["NEXT", "STEPS", "DemoStep", "demo"]

DemoStep = Callable[["ParallelClient", "Console", str], None]
"""A demo step: shows one part of the job with the client, on the console, running tasks with the processor."""

CHEAPEST = "lite"
SEARCH_OBJECTIVE = "how do decorators work in Python"
TASK_INPUT = "the Python with statement"
QUESTION = "What does the Python with statement do?"
ANSWER_CHARS = 300
BATCH_INPUTS = ("the for statement", "the try statement", "the return statement")
STATEMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "keyword": {"type": "string", "description": "the keyword that introduces the statement"},
        "summary": {"type": "string", "description": "what the statement does, in one sentence"},
    },
}


def titled_links(console: Console, title: str, rows: list[tuple[str, str, str, str]]) -> Table:
    """Rows of (label, title, URL, note) as a borderless table: the title on one line, cut to fit, and the URL
    whole on the next, so it can be copied."""
    from rich.table import Table
    from rich.text import Text

    label_width = max((len(row[0]) for row in rows), default=1)
    note_width = max((len(row[3]) for row in rows), default=1)
    name_width = max(console.width - label_width - note_width - 4, 20)
    table = Table(title=Text(title), title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column(justify="right", style="bold")
    table.add_column(no_wrap=True)
    table.add_column(justify="right", style="dim")
    for label, name, url, note in rows:
        shown = Text(name)
        shown.truncate(name_width, overflow="ellipsis")
        table.add_row(label, shown + Text("\n") + Text(url, style="cyan"), note)
    return table


def langchain_step(client: ParallelClient, console: Console, processor: str) -> None:
    """A web search through LangChain's retriever: one ``Document`` per result, URL as id, flat metadata."""
    from parallel_integrations.langchain import ParallelSearchRetriever

    retriever = ParallelSearchRetriever(client=client, k=5, max_chars_per_result=600)
    console.print("retriever = ParallelSearchRetriever(k=5, max_chars_per_result=600)", markup=False)
    console.print(f"retriever.invoke({SEARCH_OBJECTIVE!r})", markup=False)
    documents = retriever.invoke(SEARCH_OBJECTIVE)
    rows = [
        (str(doc.metadata["rank"]), str(doc.metadata["title"] or ""), str(doc.id), f"{len(doc.page_content)} chars")
        for doc in documents
    ]
    console.print(
        titled_links(console, f"{len(documents)} LangChain documents: rank, title and doc.id (the URL)", rows)
    )
    keys = sorted({key for document in documents for key in document.metadata})
    console.print(f"Flat metadata: {', '.join(keys)}", markup=False)


def task_step(client: ParallelClient, console: Console, processor: str) -> None:
    """A structured task run: a schema in, each field out with its value, confidence and citations."""
    from parallel_integrations import JsonSchema, TaskSpec, to_json_schema

    from .render import answer_table
    from .waiting import wait_for_result

    spec = TaskSpec(output_schema=JsonSchema(json_schema=to_json_schema(STATEMENT_SCHEMA)))
    fields = ", ".join(STATEMENT_SCHEMA["properties"])
    console.print(f"client.task_runs.create({TASK_INPUT!r}, {processor!r})\noutput fields: {fields}", markup=False)
    run = client.task_runs.create(TASK_INPUT, processor, task_spec=spec)
    result = wait_for_result(client, run, console)
    console.print(answer_table(result, tuple(STATEMENT_SCHEMA["properties"])))
    low = result.output.low_confidence_fields()
    console.print(f"Low-confidence fields: {', '.join(low) if low else 'none'}", markup=False)


def llama_index_step(client: ParallelClient, console: Console, processor: str) -> None:
    """A LlamaIndex query engine: the question as one task run, the answer as the response, its citations as
    source nodes scored by confidence."""
    from rich.markdown import Markdown
    from rich.text import Text

    from parallel_integrations.llama_index import ParallelQueryEngine

    engine = ParallelQueryEngine(client=client, processor=processor)
    console.print(f"engine = ParallelQueryEngine(processor={processor!r})\nengine.query({QUESTION!r})", markup=False)
    with console.status("Waiting for the task run behind the query ..."):
        response = engine.query(QUESTION)
    # Text answers are Markdown (a sources list included): rendered as such, cut at a word, lines kept.
    answer = str(response).strip()
    if len(answer) > ANSWER_CHARS:
        answer = answer[:ANSWER_CHARS].rsplit(" ", 1)[0] + " ..."
    console.print(Text("Answer:", style="bold"))
    console.print(Markdown(answer))
    rows = []
    for source in response.source_nodes:
        meta = source.node.metadata
        score = "-" if source.score is None else f"{source.score:.1f}"
        rows.append((score, str(meta.get("title") or ""), str(meta["url"]), f"field {meta['field']}"))
    nodes = f"{len(rows)} source node{'' if len(rows) == 1 else 's'}"
    console.print(titled_links(console, f"{nodes}: score (confidence), title and URL", rows))
    run_id = (response.metadata or {}).get("run_id")
    console.print(f"response.metadata['run_id'] = {run_id}", markup=False)


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
    table = Table(title=Text(f"Task Group {last.taskgroup_id if last else '?'}"), title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Input")
    table.add_column("Status")
    table.add_column("Summary", ratio=1)
    for index, (status, text) in sorted(rows.items()):
        table.add_row(str(index), Text(BATCH_INPUTS[index]), status, Text(text))
    console.print(table)


STEPS: list[tuple[str, DemoStep]] = [
    ("1. LangChain: a web search as retriever documents", langchain_step),
    ("2. Task run: a structured answer, each field with confidence and citations", task_step),
    ("3. LlamaIndex: a query engine's answer with its sources", llama_index_step),
    ("4. Batch: three inputs as one Task Group, with a progress bar", batch_step),
]
"""The demo, in order: (title, step). Add a step with one entry."""

NEXT = """Next:
  parallel-integrations --help                  every command; --emulator runs one offline
  python cookbook/async_research.py             a runnable recipe (see cookbook/)
  python -m pytest cookbook/test_my_chain.py    testing your own chain offline"""
"""Where to go from the demo, printed at its end."""


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


@click.command(short_help="Show search, task runs, LangChain, LlamaIndex and a batch, end to end.")
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
    """Show the main job end to end: a search as LangChain documents, a structured task run with citations
    and confidence per field, a LlamaIndex query engine's answer with its sources, and a small batch with a
    progress bar.

    With no PARALLEL_API_KEY (or with --emulator) it runs against the emulator, offline. With a key it calls
    the API: one search and five task runs (one, the query engine's, and a batch of three).

    \b
    Examples:
      parallel-integrations demo                 # offline without a key
      parallel-integrations demo --yes -p base   # with a key: no question asked
    """
    from rich.text import Text

    console = session.console()
    with reporting():
        if session.emulator or not session.has_key:
            client = session.client(fallback_to_emulator=True)
            console.print(f"No PARALLEL_API_KEY: using the emulator at {client.base_url} (offline).")
            with console.status("Loading the emulator's search corpus (a first run builds it: 10-20 s) ..."):
                session.load_emulator_corpus()
        else:
            client = session.client()
            processor = choose_processor(processor, yes, console)
            console.print(f"Using the Parallel API at {client.base_url}, tasks on processor {processor}.")
        for title, step in STEPS:
            console.print()
            console.rule(Text(title, style="bold"), align="left")
            step(client, console, processor)
        console.print()
        console.rule()
        console.print(NEXT, markup=False)
