"""``bench/bench_llama_index.py`` cannot rot: a smoke run with a few calls of each kind (no timing judged), its
import comparison on stand-in code, and its floor naming every ``llama_index`` module the adapter imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import parallel_integrations.llama_index as package

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_llama_index

        yield bench_llama_index
    finally:
        sys.path.remove(str(BENCH))


def test_a_smoke_run_makes_every_kind_of_call() -> None:
    command = [sys.executable, str(BENCH / "bench_llama_index.py"), "--calls", "4", "--warmup", "1", "--rounds", "2"]
    done = subprocess.run([*command, "--runs", "0"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    for title in ("sync, sequential calls", "async, sequential awaits", "sync, in-process transport"):
        assert title in done.stdout
    for contender in ("retrieve", "load_data", "aretrieve", "aload_data", "retrieve() of ready nodes"):
        assert contender in done.stdout
    assert done.stdout.count("x the bare client (") == 9  # each contender's ratio, in the three tables
    assert done.stdout.count("over the floor (d)") == 2
    assert done.stdout.count("x the bare client with LlamaIndex's own retrieve() set aside") == 2


def test_the_import_comparison_runs(bench: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    # Stand-in code keeps this fast; the real cases import llama_index.core, seconds per process.
    cases = {key: (label, "pass") for key, (label, _) in bench.IMPORT_CASES.items()}
    monkeypatch.setattr(bench, "IMPORT_CASES", cases)
    bench.at_import(2)
    out = capsys.readouterr().out
    assert "median of 2 runs" in out
    assert "b / a: " in out
    assert out.count("ms") >= 2 * len(cases)


def adapter_llama_index_imports() -> set[str]:
    """Every ``llama_index`` module the subpackage's own modules import."""
    found: set[str] = set()
    for path in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "llama_index"}


def test_the_import_floor_names_every_llama_index_module_the_adapter_imports(bench: ModuleType) -> None:
    used = adapter_llama_index_imports()
    assert "llama_index.core.schema" in used
    assert used <= set(bench.ADAPTER_IMPORTS)
    floor = bench.IMPORT_CASES["a"][1]
    assert all(name in floor for name in bench.ADAPTER_IMPORTS)
