"""Terminal views with rich: search results, a task answer with confidence and citations, a run and a group.

Each function returns a renderable and prints nothing, so commands choose the console (stdout for answers,
stderr for notes and progress) and tests can render to a string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .answers import answer_fields, cell_text

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.table import Table
    from rich.text import Text

    from parallel_integrations import SearchResponse, TaskGroup, TaskRun, TaskRunEvent, TaskRunResult

__all__ = ["answer_table", "group_table", "run_table", "runs_table", "search_table", "wire_json"]

EXCERPT_CHARS = 240


def wire_json(model: BaseModel) -> dict[str, Any]:
    """What ``--json`` prints: the object as the API sent it, its explicit nulls and unknown fields included, and
    nothing the API did not send."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _text(value: str | None) -> Text:
    """Literal text: brackets in titles and excerpts are content, not rich markup."""
    from rich.text import Text

    return Text(value or "")


def _excerpt(texts: Sequence[str], limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(" ".join(texts[:1]).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def search_table(response: SearchResponse) -> Table:
    """Rank, title, URL and the start of the first excerpt of each result."""
    from rich.table import Table

    table = Table(title=_text(f"Search {response.search_id}: {len(response.results)} results"), show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Title", ratio=2)
    table.add_column("URL", ratio=2, overflow="fold")
    table.add_column("Excerpt", ratio=4)
    for rank, result in enumerate(response.results, 1):
        table.add_row(str(rank), _text(result.title), _text(result.url), _text(_excerpt(result.excerpts)))
    return table


def answer_table(result: TaskRunResult, fields: tuple[str, ...] = ()) -> Table:
    """One row per answer field: value, confidence and the URLs cited for it."""
    from rich.table import Table

    run = result.run
    title = f"Run {run.run_id} ({run.processor or 'processor unknown'}): {run.status}"
    table = Table(title=_text(title), show_lines=True)
    table.add_column("Field", no_wrap=True)
    table.add_column("Value", ratio=3)
    table.add_column("Confidence", no_wrap=True)
    table.add_column("Citations", ratio=2, overflow="fold")
    for answer in answer_fields(result, fields):
        citations = "\n".join(answer.citations) or "-"
        table.add_row(_text(answer.field), _text(cell_text(answer.value)), _text(answer.confidence), _text(citations))
    return table


def run_table(run: TaskRun) -> Table:
    """A run's state as key/value rows."""
    rows = [
        ("run_id", run.run_id),
        ("status", run.status),
        ("active", "yes" if run.is_active else "no"),
        ("processor", run.processor),
        ("group", run.taskgroup_id),
        ("created", run.created_at),
        ("modified", run.modified_at),
        ("error", run.error.message if run.error is not None else None),
    ]
    rows += [(f"warning ({w.type})", w.message) for w in run.warnings or []]
    return _key_values(f"Run {run.run_id}", rows)


def group_table(group: TaskGroup) -> Table:
    """A group's state and run counts per status as key/value rows."""
    status = group.status
    counts = ", ".join(f"{name} {count}" for name, count in sorted(status.task_run_status_counts.items()))
    rows = [
        ("taskgroup_id", group.taskgroup_id),
        ("runs", str(status.num_task_runs)),
        ("by status", counts or "-"),
        ("active", "yes" if status.is_active else "no"),
        ("message", status.status_message),
        ("created", group.created_at),
        ("modified", status.modified_at),
    ]
    return _key_values(f"Group {group.taskgroup_id}", rows)


def runs_table(events: Iterable[TaskRunEvent], title: str) -> Table:
    """One row per run of a group: position, id, status, input, and why it failed."""
    from rich.table import Table

    table = Table(title=_text(title))
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Run", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Input", ratio=3)
    table.add_column("Error", ratio=2)
    for position, event in enumerate(events):
        run = event.run
        given = _excerpt([cell_text(event.input.input)], 80) if event.input is not None else ""
        error = run.error.message if run.error is not None else ""
        table.add_row(str(position), run.run_id, run.status, _text(given), _text(error))
    return table


def _key_values(title: str, rows: Sequence[tuple[str, str | None]]) -> Table:
    from rich.table import Table

    table = Table(title=_text(title), show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        if value:
            table.add_row(key, _text(value))
    return table
