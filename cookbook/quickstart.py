"""The quick start: a web search, a structured task run with citations, and a small batch through a Task Group.

With ``PARALLEL_API_KEY`` set this calls the Parallel API (a few cents of ``lite``/``base`` work); without it, the
emulator starts on a free loopback port and everything runs offline.

    .venv/bin/python cookbook/quickstart.py
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from parallel_integrations import BatchProgress, ParallelClient


class Statement(BaseModel):
    """What the task run should find out about a Python statement."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")
    reference_url: str | None = Field(default=None, description="the documentation page that describes it")


def search(client: ParallelClient) -> None:
    print("== Search: how do decorators work in Python?")
    response = client.search("how do decorators work in Python", max_results=3, max_chars_per_result=400)
    for rank, result in enumerate(response.results, 1):
        excerpt = result.excerpts[0].replace("\n", " ")[:160] if result.excerpts else ""
        print(f"{rank}. {result.title}\n   {result.url}\n   {excerpt}...")


def structured_run(client: ParallelClient) -> None:
    print("\n== Task run: a pydantic class in, a typed answer with citations out")
    result = client.task_runs.execute("the Python with statement", "lite", output=Statement, timeout=600)
    answer = result.parsed
    assert answer is not None
    print(f"keyword: {answer.keyword}\nsummary: {answer.summary}\nreference: {answer.reference_url}")
    for field, citation in result.output.iter_citations():
        print(f"  [{field}] {citation.title or ''} {citation.url}")
    low = result.output.low_confidence_fields()
    print(f"  low-confidence fields: {', '.join(low) if low else 'none'}")


def batch(client: ParallelClient) -> None:
    print("\n== Batch: three inputs through one Task Group, results as they complete")
    statements = ["the for statement", "the try statement", "the return statement"]

    def progress(state: BatchProgress) -> None:
        print(f"  progress: {state.completed + state.failed}/{state.submitted} done ({state.taskgroup_id})")

    for item in client.task_groups.run_batch(statements, processor="lite", output=Statement, on_progress=progress):
        if item.ok and item.parsed is not None:
            print(f"  {statements[item.index]!r}: {item.parsed.summary[:100]}")
        else:
            print(f"  {statements[item.index]!r} failed: {item.error}")


def main(client: ParallelClient) -> None:
    """Run the three parts with ``client``."""
    search(client)
    structured_run(client)
    batch(client)


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
