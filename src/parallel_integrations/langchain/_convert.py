"""Search results and task citations as LangChain ``Document`` objects.

The text, the flat metadata and the id come from :mod:`parallel_integrations.documents` (shared with the
LlamaIndex adapter); this module only wraps them.
"""

from __future__ import annotations

from langchain_core.documents import Document

from parallel_integrations import SearchResponse, TaskRunResult
from parallel_integrations import documents as parts

__all__ = ["basis_documents", "search_documents", "to_document"]


def to_document(part: parts.DocumentParts) -> Document:
    """One framework-free document as a LangChain ``Document`` (same text, metadata and id)."""
    return Document(page_content=part.text, metadata=dict(part.metadata), id=part.id)


def search_documents(response: SearchResponse, query: str | None = None) -> list[Document]:
    """One ``Document`` per search result, best first: the excerpts as text, the URL as id, and ``source``,
    ``url``, ``title``, ``publish_date``, ``rank`` (1-based), ``search_id`` and ``query`` as metadata."""
    return [to_document(part) for part in parts.search_documents(response, query)]


def basis_documents(result: TaskRunResult) -> list[Document]:
    """One ``Document`` per citation in a task result's basis, so structured research can feed a RAG chain or a
    vector store: the cited excerpts as text, and ``source``, ``url``, ``title``, ``field``, ``reasoning``,
    ``confidence``, ``run_id`` and ``processor`` as metadata (flat values only).

    >>> result = ParallelTaskRunnable(output=Profile, include_raw=True).invoke("Acme Corp")["raw"]
    >>> vector_store.add_documents(basis_documents(result))
    """
    return [to_document(part) for part in parts.citation_documents(result)]
