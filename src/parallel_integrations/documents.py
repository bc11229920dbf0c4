"""Search results and task citations as framework-free documents, and as compact text for a model.

Both adapters (``parallel_integrations.langchain`` and ``parallel_integrations.llama_index``) build on this module
and only wrap its output in their own types, so the two frameworks see the same text, the same metadata keys and
the same ids:

================  =====================================  ==============================================================
source            text                                   metadata (flat: str, int, float or None)
================  =====================================  ==============================================================
search result     the excerpts, joined by blank lines    ``source``, ``url``, ``title``, ``publish_date``, ``rank``
                                                         (1-based), ``search_id``, ``query``
task citation     the citation's excerpts                ``source``, ``url``, ``title``, ``field``, ``reasoning``,
                                                         ``confidence``, ``run_id``, ``processor``
================  =====================================  ==============================================================

Nested structure (the whole basis, the typed result) never goes into metadata: vector stores reject nested values.
It rides along as a tool's artifact or a response's metadata instead.

:func:`render_search` and :func:`render_task_result` turn a typed result into the text a model reads from a tool:
numbered sources with their URLs, cut to a character budget with a note saying what was left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._models import Citation, SearchResponse, SearchResult, TaskRunJsonOutput, TaskRunResult

__all__ = [
    "DEFAULT_CHAR_BUDGET",
    "DocumentParts",
    "MetadataValue",
    "citation_documents",
    "render_search",
    "render_task_result",
    "result_document",
    "search_documents",
]

MetadataValue = str | int | float | None
"""A value vector stores accept in document metadata."""

DEFAULT_CHAR_BUDGET = 6_000
"""Default size of a tool's text for a model, in characters (about 1,500 tokens)."""

_ELLIPSIS = " …"


@dataclass(frozen=True, slots=True)
class DocumentParts:
    """One document before it is wrapped in a framework's type.

    Attributes:
        id: a stable id: the URL for a search result; run id, field and URL for a citation; so that ingesting the
            same source again replaces the earlier document instead of adding a copy.
        text: what gets embedded and shown to a model.
        metadata: flat values only (see the module's table).
    """

    id: str
    text: str
    metadata: dict[str, MetadataValue] = field(default_factory=dict)


# --- documents --------------------------------------------------------------------------------------------------


def search_documents(response: SearchResponse, query: str | None = None) -> list[DocumentParts]:
    """One document per search result, in rank order.

    Args:
        response: the answer of ``client.search(...)``.
        query: what was searched for (the objective, or the keyword queries), kept as ``metadata["query"]``.
    """
    return [result_document(result, rank, response.search_id, query) for rank, result in enumerate(response.results, 1)]


def result_document(result: SearchResult, rank: int, search_id: str, query: str | None = None) -> DocumentParts:
    """One search result as a document: its excerpts joined by blank lines, keyed by its URL."""
    metadata: dict[str, MetadataValue] = {
        "source": result.url,
        "url": result.url,
        "title": result.title,
        "publish_date": result.publish_date,
        "rank": rank,
        "search_id": search_id,
        "query": query,
    }
    return DocumentParts(id=result.url, text="\n\n".join(result.excerpts), metadata=metadata)


def citation_documents(result: TaskRunResult) -> list[DocumentParts]:
    """One document per citation in a task result's basis, in basis order.

    The text is the citation's excerpts (its title and URL when the API gave none, so no document is empty); the
    metadata names the field the citation supports, the basis's reasoning and confidence, the run and processor.
    A URL cited for two fields gives two documents, since each carries its own field and reasoning.
    """
    run = result.run
    documents = []
    for basis in result.output.basis:
        for citation in basis.citations:
            metadata: dict[str, MetadataValue] = {
                "source": citation.url,
                "url": citation.url,
                "title": citation.title,
                "field": basis.field,
                "reasoning": basis.reasoning or None,
                "confidence": basis.confidence,
                "run_id": run.run_id,
                "processor": run.processor or None,
            }
            documents.append(
                DocumentParts(
                    id=_stable_id(run.run_id, basis.field, citation.url),
                    text=_citation_text(citation),
                    metadata=metadata,
                )
            )
    return documents


def _citation_text(citation: Citation) -> str:
    if citation.excerpts:
        return "\n\n".join(citation.excerpts)
    return citation.title or citation.url


def _stable_id(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{parts[0]}:{digest[:16]}"


# --- text for a model ---------------------------------------------------------------------------------------------


def render_search(response: SearchResponse, *, max_chars: int = DEFAULT_CHAR_BUDGET) -> str:
    """Search results as numbered sources a model can cite: ``[1] title``, the URL, then the excerpts.

    Every result keeps its number, title and URL while the budget allows; excerpts are shortened first. When even
    the headers do not fit, the last results are left out and a closing line says how many.
    """
    if not response.results:
        return "No results."
    headers = [_result_header(number, result) for number, result in enumerate(response.results, 1)]
    bodies = ["\n\n".join(result.excerpts) for result in response.results]
    return _fit(headers, bodies, max_chars, noun="result")


def _result_header(number: int, result: SearchResult) -> str:
    lines = [f"[{number}] {result.title or result.url}", f"URL: {result.url}"]
    if result.publish_date:
        lines.append(f"Published: {result.publish_date}")
    return "\n".join(lines)


def render_task_result(result: TaskRunResult, *, max_chars: int = DEFAULT_CHAR_BUDGET) -> str:
    """A task's answer with numbered citations: each field's value followed by ``[n]`` markers and its
    confidence, then the numbered sources with their URLs. Text output is the text, then its sources.

    Sources are numbered once each, in order of first use. When the answer alone exceeds ``max_chars`` it is cut
    with a note; sources are listed while the budget allows, with a closing line counting the rest.
    """
    output = result.output
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    for _, citation in output.iter_citations():
        if citation.url not in numbers:
            numbers[citation.url] = len(numbers) + 1
            citations.append(citation)

    if isinstance(output, TaskRunJsonOutput):
        lines = []
        for name, value in output.content.items():
            lines.append(f"{name}: {_value_text(value)}{_field_marks(output, name, numbers)}")
        answer = "\n".join(lines) if lines else "(empty answer)"
    else:
        answer = output.content.strip() + _field_marks(output, "output", numbers)
    answer = f"Answer (run {result.run.run_id}):\n{answer}"

    if not citations:
        return _cut(answer, max_chars)
    answer = _cut(answer, max(max_chars // 2, max_chars - 120 * len(citations)))
    headers = [f"[{numbers[c.url]}] {c.title or c.url}\nURL: {c.url}" for c in citations]
    bodies = ["\n".join(c.excerpts or []) for c in citations]
    sources = _fit(headers, bodies, max_chars - len(answer) - len("\n\nSources:\n"), noun="source")
    return f"{answer}\n\nSources:\n{sources}"


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _field_marks(output: Any, name: str, numbers: Mapping[str, int]) -> str:
    try:
        basis = output.basis_for(name)
    except KeyError:
        return ""
    marks = "".join(f"[{numbers[c.url]}]" for c in basis.citations if c.url in numbers)
    confidence = f" (confidence: {basis.confidence})" if basis.confidence else ""
    return (f" {marks}" if marks else "") + confidence


def _fit(headers: list[str], bodies: list[str], max_chars: int, *, noun: str) -> str:
    """Join header + body blocks within ``max_chars``: bodies are shortened evenly before any block is dropped."""
    max_chars = max(max_chars, 0)
    kept = len(headers)
    while kept:
        note = _left_out_note(len(headers) - kept, noun)
        fixed = sum(len(h) for h in headers[:kept]) + 2 * (kept - 1) + len(note)
        room = max_chars - fixed - kept  # one newline between a header and its body
        if room >= 0 or kept == 1:
            share = max(room, 0) // kept
            # One join of every piece: the text can be tens of kilobytes, and each concatenation would copy it.
            pieces: list[str] = []
            for header, body in _blocks(headers[:kept], bodies[:kept], share):
                pieces += ("\n\n", header, "\n", body) if body else ("\n\n", header)
            pieces[0] = ""
            pieces.append(note)
            return _cut("".join(pieces), max_chars)
        kept -= 1
    return _left_out_note(len(headers), noun).strip()


def _blocks(headers: list[str], bodies: list[str], share: int) -> Iterator[tuple[str, str]]:
    """Each header with its body cut to its share of the room (empty when nothing of it fits)."""
    # Unused room from short bodies goes to the longer ones that follow.
    spare = 0
    for header, body in zip(headers, bodies, strict=True):
        room = share + spare
        text = _cut(body, room) if body else ""
        spare = room - len(text)
        yield header, text


def _left_out_note(count: int, noun: str) -> str:
    if count <= 0:
        return ""
    return f"\n\n({count} more {noun}{'s' if count != 1 else ''} left out to stay within the length limit.)"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if limit <= len(_ELLIPSIS):
        return text[: max(limit, 0)]
    return text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
