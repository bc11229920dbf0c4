"""Your own chain, tested offline: a LangChain chain that researches a Python statement (ParallelTaskRunnable,
typed, with citations) and writes a one-line card citing its sources; test_my_chain.py beside it tests the chain
with the emulator's pytest fixture, no key and no network.

    .venv/bin/python cookbook/my_chain.py                  # run it
    .venv/bin/python -m pytest cookbook/test_my_chain.py   # test it
"""

from __future__ import annotations

from typing import Any

from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field

from parallel_integrations import ParallelClient
from parallel_integrations.langchain import ParallelTaskRunnable


class Statement(BaseModel):
    """What the research finds out about a statement."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


def card(answer: dict[str, Any]) -> str:
    """``keyword: summary [source URLs]`` from the runnable's ``include_raw`` answer."""
    statement: Statement = answer["parsed"]
    sources = sorted({citation.url for _, citation in answer["raw"].output.iter_citations()})
    return f"{statement.keyword}: {statement.summary} [{' '.join(sources) or 'no sources'}]"


def build_chain(client: ParallelClient | None = None) -> Runnable[dict[str, str], str]:
    """``{"keyword": ...}`` -> a card. Without ``client``, the key and URL come from the environment, which is
    how the tests point it at the emulator."""
    research = ParallelTaskRunnable(output=Statement, processor="lite", include_raw=True, client=client)
    return PromptTemplate.from_template("the Python {keyword} statement") | research | RunnableLambda(card)


def main(client: ParallelClient) -> None:
    """Print a card for three statements."""
    chain = build_chain(client)
    for keyword in ["with", "match", "global"]:
        print(chain.invoke({"keyword": keyword}))


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
