"""The README, the docs and the cookbook are executed against the emulator, so they cannot rot."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parallel_integrations import ParallelClient
from parallel_integrations.emulator import RunningEmulator

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# A ``console`` block is a shell session: ``$ `` lines are commands (run in order), other lines their output.
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def python_blocks(doc: Path) -> list[str]:
    return BLOCK.findall(doc.read_text(encoding="utf-8"))


def console_scripts(doc: Path) -> list[str]:
    blocks = CONSOLE.findall(doc.read_text(encoding="utf-8"))
    return ["\n".join(line[2:] for line in block.splitlines() if line.startswith("$ ")) for block in blocks]


def test_readme_has_examples() -> None:
    assert len(python_blocks(ROOT / "README.md")) >= 3


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """A page may configure logging as a reader would (``logging.basicConfig``, a logger's level): undo it after
    the page, so that later tests see the logging they expect."""
    loggers = [logging.getLogger(), logging.getLogger("parallel_integrations")]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
@pytest.mark.usefixtures("logging_restored")
def test_doc_examples_run(doc: Path, parallel_emulator: RunningEmulator, tmp_path: Path) -> None:
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
    # Shell sessions run after the Python blocks, in one scratch folder per document (later commands read the
    # files earlier ones wrote), with the installed commands on PATH and the emulator's URL and key in the
    # environment, as a reader's shell would have them.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for number, script in enumerate(console_scripts(doc), 1):
        shell = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert shell.returncode == 0, f"{doc.name} console block {number}:\n{shell.stdout}\n{shell.stderr}"
        assert shell.stdout.strip(), f"{doc.name} console block {number} printed nothing"


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
