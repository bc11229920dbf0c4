"""The command line uses only public names: no ``parallel_integrations._*`` module, of the emulator only
``serve`` and the ``main`` of ``python -m parallel_integrations.emulator``, and the adapters' public packages."""

from __future__ import annotations

import ast
from pathlib import Path

import parallel_integrations.cli

PACKAGE = Path(parallel_integrations.cli.__file__).parent
ALLOWED = {
    "parallel_integrations",
    "parallel_integrations.documents",
    "parallel_integrations.emulator",
    "parallel_integrations.langchain",  # the demo's adapter steps
    "parallel_integrations.llama_index",
}
ALLOWED_MAIN = "parallel_integrations.emulator.__main__"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_only_public_modules_of_the_package_are_imported() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) > 10
    for path in files:
        ours = {m for m in imported_modules(path) if m.split(".")[0] == "parallel_integrations"}
        assert ours <= ALLOWED | {ALLOWED_MAIN, "parallel_integrations.cli"}, path.name


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from parallel_integrations._core import Core\nimport parallel_integrations._client\n")
    assert imported_modules(sample) == {"parallel_integrations._core", "parallel_integrations._client"}
