"""Reading a batch's input file: CSV (each row a dict input, or one column's text with ``--column``) or JSON Lines
(each line a string or an object), with the file's fingerprint so a resumed batch can tell it is the same file.

Every problem names the file and the line, and is found before anything is sent.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CliError, ExitCode

__all__ = ["BatchInputs", "read_inputs"]

JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class BatchInputs:
    """The inputs of a batch in file order, and the SHA-256 of the file's bytes."""

    path: Path
    items: list[str | dict[str, Any]]
    sha256: str


def read_inputs(path: Path, column: str | None = None) -> BatchInputs:
    """Read ``path`` (``.csv``, ``.jsonl`` or ``.ndjson``). Raises :class:`CliError` (exit 3) for a missing or
    unreadable file, a malformed line, an empty value, an unknown ``column``, or a file without inputs."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file", ExitCode.BAD_INPUT) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read it as UTF-8 text ({exc})", ExitCode.BAD_INPUT) from exc
    suffix = path.suffix.lower()
    if suffix == ".csv":
        items = _csv_items(path, text, column)
    elif suffix in JSONL_SUFFIXES:
        if column is not None:
            raise CliError("--column applies to CSV input only", ExitCode.USAGE)
        items = _jsonl_items(path, text)
    else:
        raise CliError(f"{path}: expected a .csv, .jsonl or .ndjson file", ExitCode.BAD_INPUT)
    if not items:
        raise CliError(f"{path}: no inputs in the file", ExitCode.BAD_INPUT)
    return BatchInputs(path, items, hashlib.sha256(data).hexdigest())


def _csv_items(path: Path, text: str, column: str | None) -> list[str | dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    if column is not None and column not in header:
        raise CliError(f"{path}: no column {column!r} (columns: {', '.join(header)})", ExitCode.BAD_INPUT)
    items: list[str | dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise CliError(f"{path}, line {line}: more values than columns", ExitCode.BAD_INPUT)
        if column is not None:
            value = row[column]
            if value is None or not value.strip():
                raise CliError(f"{path}, line {line}: column {column!r} is empty", ExitCode.BAD_INPUT)
            items.append(value)
        else:
            items.append({key: value for key, value in row.items() if value is not None})
    return items


def _jsonl_items(path: Path, text: str) -> list[str | dict[str, Any]]:
    items: list[str | dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CliError(f"{path}, line {number}: not valid JSON ({exc.msg})", ExitCode.BAD_INPUT) from exc
        if (isinstance(value, str) and value.strip()) or (isinstance(value, dict) and value):
            items.append(value)
        else:
            raise CliError(
                f"{path}, line {number}: each line must be a non-empty string or object (got {type(value).__name__})",
                ExitCode.BAD_INPUT,
            )
    return items
