"""Scripted answers: a test registers, for a given input, the exact output (or failure) a run returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._models import FieldBasis, TaskRunInput, TaskRunJsonOutput, TaskRunTextOutput

__all__ = ["Script"]


@dataclass
class Script:
    """A scripted answer: runs whose input equals ``input`` (and ``processor``, when given) complete with
    ``content`` (a string for text output, a dict for JSON) and ``basis``, or fail with ``error``.

    ``input=None`` matches any input. ``times`` limits how many runs it answers (``None``: every one). The
    newest matching script wins.
    """

    input: str | dict[str, Any] | None
    content: str | dict[str, Any] | None = None
    basis: list[FieldBasis] | list[dict[str, Any]] | None = None
    error: str | None = None
    processor: str | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        if (self.content is None) == (self.error is None):
            raise ValueError("Script: give exactly one of content (an answer) or error (a failure message)")

    def matches(self, run: TaskRunInput) -> bool:
        """Whether this script answers ``run``."""
        if self.times is not None and self.times <= 0:
            return False
        if self.processor is not None and self.processor != run.processor:
            return False
        return self.input is None or self.input == run.input

    def output(self) -> dict[str, Any]:
        """The wire output this script answers with (a default basis when none was given)."""
        content = self.content
        basis = [FieldBasis.model_validate(b) for b in self.basis] if self.basis is not None else None
        if isinstance(content, str):
            basis = basis or [FieldBasis(field="output", reasoning="Scripted answer.", confidence="high")]
            return TaskRunTextOutput(content=content, basis=basis).model_dump(mode="json")
        assert content is not None
        basis = basis or [FieldBasis(field=k, reasoning="Scripted answer.", confidence="high") for k in content]
        return TaskRunJsonOutput(content=content, basis=basis).model_dump(mode="json")
