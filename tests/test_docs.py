"""The README, the docs and the cookbook are executed against the emulator, so they cannot rot."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import pytest

from parallel_integrations import ParallelClient
from parallel_integrations.emulator import RunningEmulator

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(doc: Path) -> list[str]:
    return BLOCK.findall(doc.read_text(encoding="utf-8"))


def test_readme_has_examples() -> None:
    assert len(python_blocks(ROOT / "README.md")) >= 3


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
def test_doc_examples_run(doc: Path, parallel_emulator: RunningEmulator) -> None:
    # A document's blocks build on each other, as a reader reads them: one namespace, in order.
    namespace: dict[str, object] = {"__name__": f"doc_{doc.stem}"}
    for number, code in enumerate(python_blocks(doc), 1):
        before = set(namespace)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(compile(code, f"{doc.name} block {number}", "exec"), namespace)
            # A block that shows a test (``def test_...(parallel_emulator)``) is run as one.
            examples = [namespace[n] for n in set(namespace) - before if n.startswith("test_")]
            for example in examples:
                assert callable(example)
                example(parallel_emulator)
        assert examples or out.getvalue().strip(), f"{doc.name} block {number} printed nothing"


def test_quickstart_runs_offline(parallel_emulator: RunningEmulator) -> None:
    spec = importlib.util.spec_from_file_location("quickstart", ROOT / "cookbook" / "quickstart.py")
    assert spec is not None
    assert spec.loader is not None
    quickstart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quickstart)
    with ParallelClient() as client, contextlib.redirect_stdout(io.StringIO()) as out:
        quickstart.main(client)
    text = out.getvalue()
    assert re.search(r"^1\. .+\n   https://docs\.python\.org/", text, re.M)
    assert "keyword: " in text
    assert "https://docs.python.org/" in text.split("== Task run")[1]
    assert "3/3 done" in text
    assert "failed" not in text
    methods = [r.method + " " + r.path for r in parallel_emulator.requests()]
    assert "POST /alpha/search" in methods
    assert "POST /v1/tasks/runs" in methods
    assert any(m.endswith("/events") for m in methods)


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_readme_links_resolve() -> None:
    # mkdocs checks the links of the site's pages; the README is read on its own, so its relative links are
    # checked here.
    targets = [t for t in LINK.findall((ROOT / "README.md").read_text(encoding="utf-8")) if "://" not in t]
    assert targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"
