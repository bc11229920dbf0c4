"""The state kept beside a batch's results file (``RESULTS.parallel-group.json``): the group that holds the runs,
and what the batch was made of, so that running the same command again resumes it and a different one is
refused instead of mixed in.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .errors import CliError, ExitCode

__all__ = ["STATE_SUFFIX", "BatchState", "state_path"]

STATE_SUFFIX = ".parallel-group.json"

_DESCRIPTIONS = {
    "input_sha256": "input file (its contents differ)",
    "column": "--column",
    "processor": "--processor",
    "output_fingerprint": "--output (the answer schema differs)",
    "base_url": "API base URL",
}


def state_path(results: Path) -> Path:
    """Where the state of the batch writing ``results`` is kept."""
    return results.with_name(results.name + STATE_SUFFIX)


@dataclass(frozen=True)
class BatchState:
    """A batch: its group, its input file (name, SHA-256 and number of inputs) and the settings of its runs."""

    taskgroup_id: str
    input_file: str
    input_sha256: str
    inputs: int
    column: str | None
    processor: str
    output: str
    output_fingerprint: str
    base_url: str

    def differences(self, other: BatchState) -> list[str]:
        """What ``other`` (the batch asked for now) changes, in words; empty when it is the same batch."""
        return [text for key, text in _DESCRIPTIONS.items() if getattr(self, key) != getattr(other, key)]

    def save(self, path: Path) -> None:
        """Write the state (atomically: a crash leaves the old file or the new one)."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> BatchState:
        """Read the state; :class:`CliError` (exit 3) when it is unreadable or not a batch state."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{f.name: data[f.name] for f in fields(cls)})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CliError(
                f"{path}: unreadable batch state ({exc!r}); delete it and the results file to start over",
                ExitCode.BAD_INPUT,
            ) from exc
