"""LlamaIndex types from the framework-free documents of :mod:`parallel_integrations.documents`.

Text, metadata and ids come from there unchanged (the LangChain adapter uses the same ones); this module only
picks, per kind of source, which metadata keys embeddings and the LLM leave out, and wraps the parts in
``Document``, ``TextNode`` and ``NodeWithScore``: built by :mod:`._assemble` as the validating constructors would
build them, without validating again what is known to be valid.
"""

from __future__ import annotations

import json
from typing import Any

from llama_index.core.schema import Document, MediaResource, NodeWithScore, TextNode

from parallel_integrations import ParsedTaskRunResult, SearchResponse, TaskRunJsonOutput, TaskRunResult
from parallel_integrations.documents import DocumentParts, MetadataValue, citation_documents, search_documents

from ._assemble import Blueprint

# Embeddings see the text and the title; ids, ranks and URLs would only add noise to the vectors.
SEARCH_EMBED_EXCLUDED = ("source", "url", "publish_date", "rank", "search_id", "query")
# The LLM also sees the URL and the date, so it can cite and weigh the source.
SEARCH_LLM_EXCLUDED = ("source", "rank", "search_id", "query")
# A citation's field, reasoning and confidence describe the answer, not the page: kept out of its vector.
CITATION_EMBED_EXCLUDED = ("source", "url", "field", "reasoning", "confidence", "run_id", "processor", "answer")
CITATION_LLM_EXCLUDED = ("source", "run_id", "processor")
ANSWER_EMBED_EXCLUDED = ("source", "run_id", "processor", "query")
ANSWER_LLM_EXCLUDED = ("source", "run_id", "processor")

_CONFIDENCE_SCORES = {"high": 0.9, "medium": 0.6, "low": 0.3}


def confidence_score(confidence: MetadataValue) -> float | None:
    """A node score from a basis confidence: high 0.9, medium 0.6, low 0.3; ``None`` when none was given."""
    return _CONFIDENCE_SCORES.get(confidence.lower()) if isinstance(confidence, str) else None


_TEXT_NODE = Blueprint(TextNode)
_DOCUMENT = Blueprint(Document)


def _text_node(parts: DocumentParts, embed_excluded: tuple[str, ...], llm_excluded: tuple[str, ...]) -> TextNode:
    # Equal to TextNode(id_=..., text=..., metadata=..., ...); the parts are fresh per call, so the metadata dict
    # becomes the node's own without a copy.
    return _TEXT_NODE.build(
        {
            "id_": parts.id,
            "text": parts.text,
            "metadata": parts.metadata,
            "excluded_embed_metadata_keys": list(embed_excluded),
            "excluded_llm_metadata_keys": list(llm_excluded),
        }
    )


def _document(parts: DocumentParts, embed_excluded: tuple[str, ...], llm_excluded: tuple[str, ...]) -> Document:
    # Equal to Document(id_=..., text=..., ...), whose constructor keeps a non-empty text as a MediaResource (and
    # an empty one not at all).
    values: dict[str, Any] = {
        "id_": parts.id,
        "metadata": parts.metadata,
        "excluded_embed_metadata_keys": list(embed_excluded),
        "excluded_llm_metadata_keys": list(llm_excluded),
    }
    if parts.text:
        values["text_resource"] = MediaResource(text=parts.text)  # it has validators: validated
    return _DOCUMENT.build(values)


# --- search -----------------------------------------------------------------------------------------------------


def search_result_documents(response: SearchResponse, query: str | None) -> list[Document]:
    """One ``Document`` per search result, in rank order, with the URL as its id."""
    return [_document(p, SEARCH_EMBED_EXCLUDED, SEARCH_LLM_EXCLUDED) for p in search_documents(response, query)]


def search_result_nodes(response: SearchResponse, query: str | None) -> list[NodeWithScore]:
    """One ``NodeWithScore`` per search result: score ``1 / rank``, so it decreases with rank."""
    return [
        NodeWithScore(node=_text_node(p, SEARCH_EMBED_EXCLUDED, SEARCH_LLM_EXCLUDED), score=1.0 / rank)
        for rank, p in enumerate(search_documents(response, query), 1)
    ]


# --- task results -------------------------------------------------------------------------------------------------


def answer_text(result: TaskRunResult) -> str:
    """The answer alone: a text output's text, a JSON output's content as indented JSON."""
    output = result.output
    if isinstance(output, TaskRunJsonOutput):
        return json.dumps(output.content, ensure_ascii=False, indent=2)
    return output.content


def citation_nodes(result: TaskRunResult) -> list[NodeWithScore]:
    """One ``NodeWithScore`` per citation in the basis, scored by the confidence of the field it supports."""
    return [
        NodeWithScore(
            node=_text_node(p, CITATION_EMBED_EXCLUDED, CITATION_LLM_EXCLUDED),
            score=confidence_score(p.metadata["confidence"]),
        )
        for p in citation_documents(result)
    ]


def task_documents(result: TaskRunResult, query: str | None, *, answer_as: str) -> list[Document]:
    """Documents from a task result: one per citation, and the answer either as a document of its own placed
    first (``answer_as="document"``), or as ``metadata["answer"]`` of the first citation
    (``answer_as="metadata"``; a separate document when there is no citation)."""
    documents = [_document(p, CITATION_EMBED_EXCLUDED, CITATION_LLM_EXCLUDED) for p in citation_documents(result)]
    answer = answer_text(result)
    if answer_as == "metadata" and documents:
        documents[0].metadata["answer"] = answer
        return documents
    run = result.run
    metadata: dict[str, MetadataValue] = {
        "source": f"parallel-task-run:{run.run_id}",
        "run_id": run.run_id,
        "processor": run.processor or None,
        "query": query,
    }
    parts = DocumentParts(id=f"{run.run_id}:answer", text=answer, metadata=metadata)
    return [_document(parts, ANSWER_EMBED_EXCLUDED, ANSWER_LLM_EXCLUDED), *documents]


def input_text(value: Any) -> str:
    """A task input as text for metadata: a string as is, a mapping or model as JSON."""
    if isinstance(value, str):
        return value
    if hasattr(value, "model_dump_json"):
        return str(value.model_dump_json())
    return json.dumps(value, ensure_ascii=False, default=str)


def response_metadata(result: TaskRunResult) -> dict[str, Any]:
    """What a query engine's ``Response.metadata`` carries: the run id, the processor, the output type, the whole
    basis (as plain dicts) and, for a JSON output, the content."""
    output = result.output
    metadata: dict[str, Any] = {
        "run_id": result.run.run_id,
        "processor": result.run.processor or None,
        "output_type": output.type,
        "basis": [basis.model_dump(mode="json") for basis in output.basis],
    }
    if isinstance(output, TaskRunJsonOutput):
        metadata["content"] = output.content
    return metadata


def parsed_of(result: TaskRunResult) -> Any:
    """The instance of the caller's pydantic class, or ``None`` when no class was asked for."""
    return result.parsed if isinstance(result, ParsedTaskRunResult) else None
