"""A griffe extension for the API reference: interactive examples (``>>>`` lines) in a docstring's prose become
fenced ``pycon`` blocks, so that Markdown shows them as code instead of reading ``>`` as a quotation."""

from __future__ import annotations

from typing import Any

import griffe

PROMPTS = (">>>", "...")


def fence_examples(text: str) -> str:
    """``text`` with every run of prompt lines (and the output lines right after them) fenced as ``pycon``."""
    lines = text.splitlines()
    out: list[str] = []
    inside = False
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(PROMPTS) and not inside:
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fences the interactive examples of every docstring that has some and no fences of its own."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is not None and ">>>" in docstring.value and "```" not in docstring.value:
            docstring.value = fence_examples(docstring.value)
