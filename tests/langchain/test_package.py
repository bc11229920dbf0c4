"""How the LangChain subpackage sits in the package: public names of the client only, no other framework, and a
clear ImportError without the extra."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import parallel_integrations.langchain as adapter

PACKAGE = Path(adapter.__file__).parent


def imported_modules(path: Path) -> list[tuple[str, int]]:
    """Every module (or module attribute) a file imports, as absolute names, with the number of leading dots."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parent = "parallel_integrations.langchain" if node.level == 1 else "parallel_integrations"
                base = f"{parent}.{node.module}" if node.module else parent
            found.append((base, node.level))
            # ``from package import _private`` imports a module too
            found += [(f"{base}.{alias.name}", node.level) for alias in node.names]
    return found


def test_the_subpackage_has_modules() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} >= {"__init__.py", "retrievers.py", "tools.py", "_convert.py"}


def test_only_public_client_names_and_no_other_framework() -> None:
    for path in PACKAGE.glob("*.py"):
        for module, level in imported_modules(path):
            assert not module.startswith("llama_index"), f"{path.name} imports {module}"
            assert level <= 1, f"{path.name} reaches outside the subpackage with a relative import"
            if module.startswith("parallel_integrations.") and not module.startswith("parallel_integrations.langchain"):
                private = [part for part in module.split(".")[1:] if part.startswith("_")]
                assert not private, f"{path.name} imports the private module {module}"


def test_the_check_catches_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from parallel_integrations._client import ParallelClient\nfrom .. import _core\n")
    assert ("parallel_integrations._client", 0) in imported_modules(sample)
    assert ("parallel_integrations._core", 2) in imported_modules(sample)


def test_import_without_the_extra_names_it() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'langchain_core' or name.startswith('langchain_core.'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import parallel_integrations\n"
        "try:\n"
        "    import parallel_integrations.langchain\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    print('imported')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "parallel-integrations[langchain]"' in done.stdout


def test_the_core_package_still_imports_no_framework() -> None:
    code = "import sys, parallel_integrations; print(any(m.startswith('langchain') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_all_is_the_public_surface() -> None:
    public = {name for name in dir(adapter) if not name.startswith("_")}
    assert set(adapter.__all__) <= public
    for name in adapter.__all__:
        assert getattr(adapter, name).__doc__, f"{name} has no docstring"


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


ADAPTER_MODULES = "[m for m in sorted(sys.modules) if m.startswith('parallel_integrations.langchain.')]"


def test_importing_the_subpackage_builds_no_adapter_class() -> None:
    assert _run(f"import sys, parallel_integrations.langchain; print({ADAPTER_MODULES})") == "[]"


def test_a_name_loads_only_its_own_modules() -> None:
    code = f"import sys\nfrom parallel_integrations.langchain import ParallelSearchTool\nprint({ADAPTER_MODULES})"
    loaded = _run(code)
    assert "parallel_integrations.langchain.tools" in loaded
    for module in ("retrievers", "runnables", "toolkits", "_convert"):
        assert f"parallel_integrations.langchain.{module}'" not in loaded


def test_every_public_name_resolves_to_its_module_object() -> None:
    from parallel_integrations.langchain import retrievers, runnables, toolkits, tools

    names: dict[str, object] = {}
    exec("from parallel_integrations.langchain import *", names)
    assert set(adapter.__all__) <= set(names)
    assert names["ParallelSearchTool"] is tools.ParallelSearchTool
    assert names["ParallelSearchRetriever"] is retrievers.ParallelSearchRetriever
    assert names["ParallelTaskRunnable"] is runnables.ParallelTaskRunnable
    assert names["ParallelToolkit"] is toolkits.ParallelToolkit
    assert set(adapter.__all__) <= set(dir(adapter))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="ParallelNothing"):
        adapter.ParallelNothing  # noqa: B018
    with pytest.raises(ImportError):
        exec("from parallel_integrations.langchain import ParallelNothing", {})
