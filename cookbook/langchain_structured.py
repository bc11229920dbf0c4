"""Structured research with LangChain: ParallelTaskRunnable turns a pydantic class into typed answers with
citations, composes in LCEL, and hands its sources to a RAG chain or a vector store as Documents.

    .venv/bin/python cookbook/langchain_structured.py
"""

from __future__ import annotations

from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel, Field

from parallel_integrations import ParallelClient
from parallel_integrations.langchain import ParallelTaskRunnable, basis_documents


class Statement(BaseModel):
    """What the research should find out about a Python statement."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")
    since_version: str | None = Field(default=None, description="the Python version that added it, if known")


def main(client: ParallelClient) -> None:
    """A typed answer, the same with its raw result, a text answer, and an LCEL chain."""
    research = ParallelTaskRunnable(client=client, output=Statement, processor="lite")

    print("== invoke: a Statement instance")
    statement = research.invoke("the Python with statement")
    print(f"  {type(statement).__name__}: keyword={statement.keyword!r}\n  summary: {statement.summary}")

    print("\n== include_raw=True: the typed result with its basis, as with_structured_output gives it")
    answer = ParallelTaskRunnable(client=client, output=Statement, processor="lite", include_raw=True).invoke(
        "the Python match statement"
    )
    raw = answer["raw"]
    print(f"  parsed: {answer['parsed']!r}\n  parsing_error: {answer['parsing_error']}")
    for basis in raw.output.basis:
        print(f"  {basis.field}: confidence {basis.confidence}, {len(basis.citations)} citation(s)")

    print("\n== basis_documents: one Document per citation, ready for a vector store")
    for doc in basis_documents(raw):
        print(f"  [{doc.metadata['field']}] {doc.metadata['url']} ({len(doc.page_content)} characters)")

    print("\n== A text output returns a string")
    text = ParallelTaskRunnable(client=client, output="two sentences with citations", processor="lite")
    print("  " + text.invoke("What does the Python global statement do?").splitlines()[0][:160])

    print("\n== In an LCEL chain: prompt | research | a step that uses the typed answer")
    chain = (
        PromptTemplate.from_template("the Python {name} statement")
        | research
        | RunnableLambda(lambda s: f"{s.keyword}: {s.summary[:80]}")
    )
    print("  " + chain.invoke({"name": "return"}))


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
