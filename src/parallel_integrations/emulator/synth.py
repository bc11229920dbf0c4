"""Task-run output synthesis for the emulator: answers built from corpus passages, with a basis per field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._models import Citation, FieldBasis, TaskRunJsonOutput, TaskRunTextOutput
from .corpus import Corpus

__all__ = ["Synthesis", "synthesize"]


@dataclass(frozen=True)
class Synthesis:
    """A synthesized answer: ``content`` (markdown text or a JSON object following the schema) and its basis."""

    content: str | dict[str, Any]
    basis: list[FieldBasis]

    def output(self) -> TaskRunTextOutput | TaskRunJsonOutput:
        """The wire output object for a completed run."""
        if isinstance(self.content, str):
            return TaskRunTextOutput(content=self.content, basis=self.basis)
        return TaskRunJsonOutput(content=self.content, basis=self.basis)


def synthesize(
    corpus: Corpus,
    run_input: str | dict[str, Any],
    output_schema: dict[str, Any] | None,
    *,
    text_description: str | None = None,
) -> Synthesis:
    """Answer ``run_input`` from ``corpus``: JSON following ``output_schema`` or, when it is None, cited text."""
    query = run_input if isinstance(run_input, str) else " ".join(f"{k} {v}" for k, v in run_input.items())
    found = corpus.passages(query, limit=3)
    citations = [Citation(url=p.url, title=p.title, excerpts=[t]) for p, t, _ in found]
    if output_schema is None:
        text = " ".join(f"{t[:200]} [{i}]" for i, (_, t, _) in enumerate(found, 1)) or "No sources found."
        return Synthesis(text, [FieldBasis(field="output", citations=citations, confidence="low")])
    props = output_schema.get("properties", {})
    content: dict[str, Any] = {name: None for name in props}
    return Synthesis(content, [FieldBasis(field=n, citations=citations, confidence="low") for n in props])
