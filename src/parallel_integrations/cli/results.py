"""A batch's results file, CSV or JSON Lines: one row per input, written (and flushed) as each run ends, and read
back on a re-run to know which inputs are done.

CSV columns: ``index`` (the input's position, from 0), ``input``, ``run_id``, ``status`` (``completed`` or
``failed``), ``error``, then for each answer field ``F``: ``F``, ``F.confidence`` and ``F.citations`` (URLs separated
by spaces). Structured values are compact JSON. A JSON Lines record holds the same, with the answer as
``output`` and the whole ``basis`` (reasoning included).

A process killed mid-row leaves a partial last row; reading the file back drops it (and rewrites the file
without it), so the row is written again rather than lost or garbled.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .answers import TEXT_FIELD, answer_fields, cell_text
from .errors import CliError, ExitCode

if TYPE_CHECKING:
    from parallel_integrations import BatchItem

__all__ = ["ResultsWriter", "csv_columns", "open_results"]

RESULT_SUFFIXES = (".csv", ".jsonl", ".ndjson")


def csv_columns(fields: tuple[str, ...]) -> list[str]:
    """The header of a CSV results file for answers with these top-level ``fields`` (none: a text answer)."""
    columns = ["index", "input", "run_id", "status", "error"]
    for name in fields or (TEXT_FIELD,):
        columns += [name, f"{name}.confidence", f"{name}.citations"]
    return columns


def _status(item: BatchItem[Any]) -> tuple[str, str]:
    return ("completed", "") if item.ok else ("failed", str(item.error))


class ResultsWriter:
    """Appends one row per finished input to a results file; every row is flushed as it is written."""

    def __init__(self, path: Path, fields: tuple[str, ...]) -> None:
        self.path = path
        self.fields = fields
        self.written = 0
        self._file: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None

    @property
    def is_csv(self) -> bool:
        """Whether the file is CSV (else JSON Lines)."""
        return self.path.suffix.lower() == ".csv"

    def done_indices(self) -> set[int]:
        """The indices already in the file (after dropping a partial last row). Raises :class:`CliError` (exit 3)
        when the file is not a results file of this shape."""
        if not self.path.exists():
            return set()
        text, cut = self._read()
        return self._csv_indices(text, cut) if self.is_csv else self._jsonl_indices(text, cut)

    def write(self, item: BatchItem[Any], given: str | dict[str, Any]) -> None:
        """Write ``item`` (for the input ``given``) and flush."""
        handle = self._open()
        if self._csv is not None:
            self._csv.writerow(self._csv_row(item, given))
        else:
            handle.write(json.dumps(self._record(item, given), ensure_ascii=False) + "\n")
        handle.flush()
        self.written += 1

    def close(self) -> None:
        """Close the file (if it was opened)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    # --- writing ---

    def _open(self) -> IO[str]:
        if self._file is None:
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._file = self.path.open("a", encoding="utf-8", newline="")
            if self.is_csv:
                self._csv = csv.DictWriter(self._file, csv_columns(self.fields), lineterminator="\n")
                if fresh:
                    self._csv.writeheader()
        return self._file

    def _csv_row(self, item: BatchItem[Any], given: str | dict[str, Any]) -> dict[str, str]:
        status, error = _status(item)
        row = {"index": str(item.index), "input": cell_text(given), "run_id": item.run_id, "status": status}
        row["error"] = error
        if item.result is not None:
            for answer in answer_fields(item.result, self.fields):
                row[answer.field] = cell_text(answer.value)
                row[f"{answer.field}.confidence"] = answer.confidence or ""
                row[f"{answer.field}.citations"] = " ".join(answer.citations)
        return row

    def _record(self, item: BatchItem[Any], given: str | dict[str, Any]) -> dict[str, Any]:
        status, error = _status(item)
        output = item.result.output if item.result is not None else None
        return {
            "index": item.index,
            "input": given,
            "run_id": item.run_id,
            "status": status,
            "error": error or None,
            "output": output.content if output is not None else None,
            "basis": [basis.to_wire() for basis in output.basis] if output is not None else [],
        }

    # --- reading back ---

    def _read(self) -> tuple[str, bool]:
        """The file's text, and whether bytes of a character cut short at its end were left out."""
        try:
            data = self.path.read_bytes()
            try:
                return data.decode("utf-8"), False
            except UnicodeDecodeError as exc:
                if exc.end != len(data) or exc.reason != "unexpected end of data":
                    raise
                return data[: exc.start].decode("utf-8"), True  # a crash cut the last character in two
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{self.path}: cannot read the results file ({exc})", ExitCode.BAD_INPUT) from exc

    def _not_ours(self, why: str) -> CliError:
        return CliError(f"{self.path}: not a results file of this batch ({why})", ExitCode.BAD_INPUT)

    def _csv_indices(self, text: str, cut: bool) -> set[int]:
        records: list[list[str]] = []
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        partial = False
        try:
            for record in reader:
                records.append(record)
        except csv.Error:
            partial = True  # a quoted cell cut short: that last row was not read
        if not partial and text and not text.endswith("\n") and records:
            records.pop()  # the last row was cut short
            partial = True
        if not records:
            self._rewrite("")
            return set()
        header, rows = records[0], records[1:]
        if header != csv_columns(self.fields):
            raise self._not_ours(f"its columns are {', '.join(header)}")
        if partial or cut:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(records)
            self._rewrite(buffer.getvalue())
        return {self._index(row[0] if row else "", n) for n, row in enumerate(rows, 2)}

    def _jsonl_indices(self, text: str, cut: bool) -> set[int]:
        lines = text.split("\n")
        partial = lines.pop()  # after the last newline: empty unless the last line was cut short
        indices = set()
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise self._not_ours(f"line {number} is not JSON") from exc
            if not isinstance(record, dict):
                raise self._not_ours(f"line {number} is not an object")
            indices.add(self._index(record.get("index"), number))
        if partial or cut:
            self._rewrite("".join(line + "\n" for line in lines))
        return indices

    def _index(self, value: Any, line: int) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self._not_ours(f"line {line} has no index") from None

    def _rewrite(self, text: str) -> None:
        self.path.write_text(text, encoding="utf-8", newline="")


def open_results(path: Path, fields: tuple[str, ...]) -> ResultsWriter:
    """A writer for ``path`` (``.csv``, ``.jsonl`` or ``.ndjson``); another suffix is a usage error (exit 2)."""
    if path.suffix.lower() not in RESULT_SUFFIXES:
        raise CliError(f"{path}: the results file must end in .csv, .jsonl or .ndjson", ExitCode.USAGE)
    return ResultsWriter(path, fields)
