"""The subpackage's boundaries: public client names only, no LangChain, a clear error without the extra, and
the API key kept out of every serialised form and every instrumentation event."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

import parallel_integrations.llama_index as package

PACKAGE_DIR = Path(package.__file__).parent
MODULES = sorted(PACKAGE_DIR.glob("*.py"))


def imported_names(path: Path) -> set[str]:
    """Every dotted name a module imports (``from a import b`` gives ``a.b``), relative ones resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to parallel_integrations.llama_index
                parent = ["parallel_integrations", "llama_index"][: 3 - node.level]
                base = ".".join([*parent, node.module] if node.module else parent)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def is_private_client_name(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "parallel_integrations" or parts[1:2] == ["llama_index"]:
        return False
    return any(part.startswith("_") for part in parts[1:])


def is_langchain(name: str) -> bool:
    return name.split(".")[0] in ("langchain_core", "langchain")


def test_the_checks_can_fail(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from parallel_integrations._client import X\nfrom .. import _core\nimport langchain_core.tools\n"
        "from parallel_integrations.documents import _cut\nfrom . import _convert\n"
    )
    names = imported_names(sample)
    assert sorted(n for n in names if is_private_client_name(n)) == [
        "parallel_integrations._client.X",
        "parallel_integrations._core",
        "parallel_integrations.documents._cut",
    ]
    assert [n for n in names if is_langchain(n)] == ["langchain_core.tools"]


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_only_public_client_names_and_no_langchain(path):
    assert len(MODULES) >= 6
    names = imported_names(path)
    assert not [n for n in names if is_private_client_name(n)]
    assert not [n for n in names if is_langchain(n)]


def test_import_pulls_in_no_langchain():
    code = (
        "import sys, parallel_integrations.llama_index\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('langchain_core', 'langchain')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_the_extra_the_import_error_names_it():
    code = (
        "import sys\n"
        "sys.modules['llama_index'] = None  # as if llama-index-core were not installed\n"
        "try:\n"
        "    import parallel_integrations.llama_index\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    raise SystemExit('imported without llama_index')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert 'pip install "parallel-integrations[llama-index]"' in done.stdout
    code_core = "import sys; sys.modules['llama_index'] = None; import parallel_integrations; print('ok')"
    assert subprocess.run([sys.executable, "-c", code_core], check=True, capture_output=True, text=True).stdout


def test_all_is_the_public_surface():
    assert set(package.__all__) == {
        "ParallelQueryEngine",
        "ParallelSearchReader",
        "ParallelSearchRetriever",
        "ParallelTaskReader",
        "ParallelToolSpec",
    }
    for name in package.__all__:
        assert getattr(package, name).__doc__


def test_clients_are_built_once_per_object_and_shared_by_sync_and_async(emulator, monkeypatch):
    from parallel_integrations.llama_index import ParallelSearchReader, _clients

    built: list[str] = []

    class CountedClient(_clients.ParallelClient):
        def __init__(self, *args, **kwargs):
            built.append("sync")
            super().__init__(*args, **kwargs)

    class CountedAsyncClient(_clients.AsyncParallelClient):
        def __init__(self, *args, **kwargs):
            built.append("async")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(_clients, "ParallelClient", CountedClient)
    monkeypatch.setattr(_clients, "AsyncParallelClient", CountedAsyncClient)
    reader = ParallelSearchReader(max_results=1)
    for _ in range(3):
        reader.load_data("generators")

    async def twice():
        await reader.aload_data("generators")
        await reader.aload_data("classes")

    asyncio.run(twice())
    asyncio.run(twice())  # a second event loop: the same async client (it keeps one pool per loop)
    assert built == ["sync", "async"]
