"""RAG with LangChain: ParallelSearchRetriever feeding a prompt and a chat model, sync and async.

The chat model is langchain-core's fake one so that this runs with no model key; put any chat model in its place
(``ChatOpenAI(...)``, ``ChatAnthropic(...)``) for real answers. The prompt it would read is printed.

    .venv/bin/python cookbook/langchain_rag.py
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableParallel, RunnablePassthrough

from parallel_integrations import ParallelClient
from parallel_integrations.langchain import ParallelSearchRetriever

PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "Answer from the numbered sources below only, and cite them as [n] with their URL.\n\n{context}"),
        ("human", "{question}"),
    ]
)


def format_sources(documents: list[Document]) -> str:
    """Numbered sources for the prompt: rank, title, URL, then the first excerpt lines."""
    return "\n\n".join(
        f"[{doc.metadata['rank']}] {doc.metadata['title']}\n{doc.metadata['url']}\n{doc.page_content[:400]}"
        for doc in documents
    )


class ShowPrompt(BaseCallbackHandler):
    """Prints what the chat model is given (the fake model would otherwise hide it)."""

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        system = messages[0][0].content
        print("  the model reads:", system[:300].replace("\n", " | "), "...")


def build_chain(retriever: ParallelSearchRetriever) -> Runnable[str, str]:
    """question -> (sources, question) -> prompt -> model -> text."""
    model = FakeListChatModel(
        responses=[
            "A decorator wraps a function and returns a replacement [1].",
            "The with statement runs a block inside a context manager's enter and exit [1].",
        ]
    )
    return (
        RunnableParallel(context=retriever | format_sources, question=RunnablePassthrough())
        | PROMPT
        | model
        | StrOutputParser()
    )


def main(client: ParallelClient) -> None:
    """Retrieve, then answer, once sync and once async."""
    retriever = ParallelSearchRetriever(client=client, k=3, max_chars_per_result=1500)

    print("== The retriever alone")
    for doc in retriever.invoke("how do Python decorators work"):
        print(f"  {doc.metadata['rank']}. {doc.metadata['title']}  {doc.id}")

    print("\n== retriever | format | prompt | model")
    chain = build_chain(retriever)
    print("  answer:", chain.invoke("How do Python decorators work?", config={"callbacks": [ShowPrompt()]}))

    print("\n== The same chain, async")
    answer = asyncio.run(chain.ainvoke("What does the with statement do?"))
    print("  answer:", answer)


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client)
