"""``parallel-integrations search``: web search from the terminal, as a table or the API's JSON."""

from __future__ import annotations

import json

import click

from .errors import CliError, ExitCode, reporting
from .render import search_table, wire_json
from .session import Session, pass_session

__all__ = ["search"]


@click.command(short_help="Search the web: a table of results, or --json.")
@click.argument("objective", required=False)
@click.option("-q", "--query", "queries", multiple=True, metavar="TEXT", help="A keyword query; repeat for up to 5.")
@click.option(
    "-n", "--max-results", type=click.IntRange(1, 40), default=10, show_default=True, help="How many results."
)
@click.option("-p", "--processor", type=click.Choice(["base", "pro"]), help="base (fast) or pro (thorough).")
@click.option("--max-chars", type=click.IntRange(min=100), metavar="N", help="Excerpt budget per result (chars).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's response as JSON instead of a table.")
@pass_session
def search(
    session: Session,
    objective: str | None,
    queries: tuple[str, ...],
    max_results: int,
    processor: str | None,
    max_chars: int | None,
    as_json: bool,
) -> None:
    """Search the web for OBJECTIVE (words) and/or keyword queries.

    \b
    Example:
      parallel-integrations search "how do Python decorators work" -q "functools.wraps" -n 5
    """
    if not objective and not queries:
        raise CliError("give an OBJECTIVE, one or more --query, or both", ExitCode.USAGE)
    with reporting():
        client = session.client()
        response = client.search(
            objective or None,
            search_queries=list(queries) or None,
            processor=processor,
            max_results=max_results,
            max_chars_per_result=max_chars,
        )
    if as_json:
        click.echo(json.dumps(wire_json(response), indent=2, ensure_ascii=False))
    else:
        session.console().print(search_table(response))
