"""The results file on its own: rows as written, and read back after a process died mid-row."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallel_integrations import BatchItem, TaskRun, TaskRunFailedError, TaskRunResult
from parallel_integrations.cli.errors import CliError
from parallel_integrations.cli.results import ResultsWriter, csv_columns, open_results

FIELDS = ("name", "tags")


def completed(index: int, content: dict | None = None) -> BatchItem:
    run = {"run_id": f"trun_{index:032x}", "status": "completed", "is_active": False, "processor": "lite"}
    output = {
        "type": "json",
        "content": content if content is not None else {"name": f"n{index}\nsecond line", "tags": ["a", "b"]},
        "basis": [
            {"field": "name", "confidence": "high", "citations": [{"url": "https://x.example/1"}]},
            {"field": "tags.0", "citations": [{"url": "https://x.example/2"}, {"url": "https://x.example/2"}]},
            {"field": "tags.1", "citations": [{"url": "https://x.example/3"}]},
        ],
    }
    result = TaskRunResult.model_validate({"run": run, "output": output})
    return BatchItem(index, result.run.run_id, result=result)


def failed(index: int) -> BatchItem:
    run = TaskRun.model_validate(
        {"run_id": f"trun_{index:032x}", "status": "failed", "is_active": False, "error": {"message": "no luck"}}
    )
    return BatchItem(index, run.run_id, error=TaskRunFailedError(run))


def write(path: Path, *items: BatchItem) -> ResultsWriter:
    writer = ResultsWriter(path, FIELDS)
    for item in items:
        writer.write(item, {"q": item.index})
    writer.close()
    return writer


def test_csv_row_holds_values_confidence_and_citations(tmp_path: Path) -> None:
    import csv

    path = tmp_path / "r.csv"
    write(path, completed(0), failed(1))
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == csv_columns(FIELDS)
    assert rows[0]["name"] == "n0\nsecond line"
    assert rows[0]["tags"] == '["a","b"]'
    assert rows[0]["tags.citations"] == "https://x.example/2 https://x.example/3"  # nested basis, each URL once
    assert rows[0]["name.confidence"] == "high"
    assert rows[0]["input"] == '{"q":0}'
    assert rows[1]["status"] == "failed"
    assert "no luck" in rows[1]["error"]


@pytest.mark.parametrize("keep", [5, 40, 80])
def test_csv_cut_anywhere_in_the_last_row_loses_only_that_row(tmp_path: Path, keep: int) -> None:
    path = tmp_path / "r.csv"
    write(path, completed(0), completed(1))
    whole = path.read_text()
    last_row = whole.index("\n1,") + 1
    path.write_text(whole[: last_row + keep])
    writer = ResultsWriter(path, FIELDS)
    assert writer.done_indices() == {0}
    assert path.read_text() == whole[:last_row]
    writer.write(completed(1), {"q": 1})
    writer.close()
    assert ResultsWriter(path, FIELDS).done_indices() == {0, 1}
    assert path.read_text() == whole


def test_csv_cut_in_the_header_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("index,inp")
    writer = ResultsWriter(path, FIELDS)
    assert writer.done_indices() == set()
    write(path, completed(3))
    assert ResultsWriter(path, FIELDS).done_indices() == {3}


def test_jsonl_cut_last_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write(path, completed(0), failed(1))
    whole = path.read_text()
    path.write_text(whole + '{"index": 7, "inp')
    assert ResultsWriter(path, FIELDS).done_indices() == {0, 1}
    assert path.read_text() == whole


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("r.csv", "a,b\n1,2\n", "its columns are a, b"),
        ("r.csv", ",".join(csv_columns(FIELDS)) + "\nx,y\n", "line 2 has no index"),
        ("r.jsonl", "not json\n", "line 1 is not JSON"),
        ("r.jsonl", "[1]\n", "line 1 is not an object"),
        ("r.jsonl", '{"no": "index"}\n', "line 1 has no index"),
    ],
)
def test_a_file_of_another_shape_is_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CliError, match=message) as caught:
        ResultsWriter(path, FIELDS).done_indices()
    assert caught.value.exit_code == 3


def test_results_suffix_is_checked(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="must end in") as caught:
        open_results(tmp_path / "r.txt", FIELDS)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("row_begun", [False, True])
def test_a_character_cut_in_two_is_dropped_with_its_row(tmp_path: Path, suffix: str, row_begun: bool) -> None:
    path = tmp_path / f"r{suffix}"
    write(path, completed(0))
    whole = path.read_bytes()
    with path.open("ab") as handle:
        if row_begun:
            handle.write(b"1,")  # a row begun...
        handle.write("é".encode()[:1])  # ...and cut inside a two-byte character
    writer = ResultsWriter(path, FIELDS)
    assert writer.done_indices() == {0}
    assert path.read_bytes() == whole
    writer.write(completed(1, {"name": "é", "tags": []}), {"q": 1})
    writer.close()
    assert ResultsWriter(path, FIELDS).done_indices() == {0, 1}


def test_bytes_that_are_not_utf8_inside_the_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"index": 0, "x": "\xff"}\n')
    with pytest.raises(CliError, match="cannot read the results file"):
        ResultsWriter(path, FIELDS).done_indices()
