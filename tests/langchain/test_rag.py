"""A RAG chain on the emulator: retriever | format | prompt | model (a fake chat model from langchain-core)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableParallel, RunnablePassthrough

from parallel_integrations.emulator import RunningEmulator
from parallel_integrations.langchain import ParallelSearchRetriever

PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "Answer from these sources only, citing their URLs:\n\n{context}"),
        ("human", "{question}"),
    ]
)


def format_documents(documents: list[Document]) -> str:
    return "\n\n".join(f"[{d.metadata['rank']}] {d.metadata['url']}\n{d.page_content[:300]}" for d in documents)


class Prompts(BaseCallbackHandler):
    """Keeps the messages each chat model call received."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append("\n".join(str(m.content) for batch in messages for m in batch))


def rag_chain(retriever: ParallelSearchRetriever) -> Runnable[str, str]:
    model = FakeListChatModel(responses=["Decorators wrap functions [1]."])
    return (
        RunnableParallel(context=retriever | format_documents, question=RunnablePassthrough())
        | PROMPT
        | model
        | StrOutputParser()
    )


def test_rag_chain(emulator: RunningEmulator) -> None:
    retriever = ParallelSearchRetriever(k=3)
    prompts = Prompts()
    answer = rag_chain(retriever).invoke("how do decorators work", config={"callbacks": [prompts]})
    assert answer == "Decorators wrap functions [1]."
    [prompt] = prompts.seen
    urls = [d.metadata["url"] for d in retriever.invoke("how do decorators work")]
    assert len(urls) == 3
    for rank, url in enumerate(urls, 1):
        assert f"[{rank}] {url}" in prompt
    assert prompt.endswith("how do decorators work")


async def test_rag_chain_async(emulator: RunningEmulator) -> None:
    prompts = Prompts()
    answer = await rag_chain(ParallelSearchRetriever(k=2)).ainvoke(
        "the with statement", config={"callbacks": [prompts]}
    )
    assert answer == "Decorators wrap functions [1]."
    assert prompts.seen[0].count("https://docs.python.org/") == 2
    assert len(emulator.requests("POST", "/alpha/search")) == 1
