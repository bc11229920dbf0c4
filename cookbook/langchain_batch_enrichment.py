"""Batch enrichment with LangChain: ParallelTaskRunnable.batch sends a whole list as one Task Group (a few
requests, not one per row) and returns typed answers in input order; batch_as_completed streams them as runs end.

    .venv/bin/python cookbook/langchain_batch_enrichment.py
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from parallel_integrations import ParallelClient
from parallel_integrations.langchain import ParallelTaskRunnable


class Statement(BaseModel):
    """One enriched row."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


ROWS = ["if", "while", "for", "try", "with", "match", "def", "class", "return", "raise", "import", "global"]


def main(client: ParallelClient) -> None:
    """Enrich a dozen rows in one batch, then stream another dozen as they complete."""
    enrich = ParallelTaskRunnable(client=client, output=Statement, processor="lite")
    inputs = [f"the Python {row} statement" for row in ROWS]

    print(f"== batch: {len(inputs)} inputs, one Task Group, answers in input order")
    started = time.perf_counter()
    answers = enrich.batch(inputs, return_exceptions=True)
    for row, answer in zip(ROWS, answers, strict=True):
        shown = answer.summary[:70] if isinstance(answer, Statement) else f"failed: {answer}"
        print(f"  {row:<8} {shown}")
    print(f"  ({time.perf_counter() - started:.1f} s)")

    print("\n== batch_as_completed: (index, answer) as each run ends")
    for index, answer in enrich.batch_as_completed(inputs[:6], return_exceptions=True):
        print(f"  #{index} {ROWS[index]:<8} -> {answer.keyword if isinstance(answer, Statement) else answer}")


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
