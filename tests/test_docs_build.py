"""The documentation site builds with ``mkdocs build --strict`` (every page in the nav, every link and anchor
resolving, no warning of any kind), and its API reference documents every public name."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The reference pages, and the module whose ``__all__`` each must cover.
REFERENCE = {
    "core": "parallel_integrations",
    "documents": "parallel_integrations.documents",
    "langchain": "parallel_integrations.langchain",
    "llama-index": "parallel_integrations.llama_index",
    "emulator": "parallel_integrations.emulator",
}


def nav_pages(nav: object) -> list[str]:
    """Every Markdown file the nav lists, in order."""
    if isinstance(nav, str):
        return [nav] if nav.endswith(".md") else []
    if isinstance(nav, list):
        return [page for entry in nav for page in nav_pages(entry)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def test_nav_lists_every_page_once() -> None:
    # mkdocs.yml uses no custom YAML tags, so the safe loader reads it whole.
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    on_disk = sorted(page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md"))
    assert sorted(listed) == on_disk
    assert len(listed) == len(set(listed))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module as CI and a contributor build it. The docs extra is a test
    dependency: without mkdocs this fails, it does not skip."""
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def test_strict_build_renders_every_page(site: Path) -> None:
    for page in DOCS.rglob("*.md"):
        relative = page.relative_to(DOCS).with_suffix("")
        built = site / ("index.html" if relative.name == "index" else relative / "index.html")
        assert built.is_file(), f"{page.name} was not built"


@pytest.mark.parametrize(("page", "module"), REFERENCE.items())
def test_reference_documents_every_public_name(site: Path, page: str, module: str) -> None:
    html = (site / "reference" / page / "index.html").read_text(encoding="utf-8")
    names = [name for name in importlib.import_module(module).__all__ if not name.startswith("__")]
    # Anchors are the documented path: ``module.Name``, or the defining module's for the resource classes.
    missing = [name for name in names if not re.search(rf'id="{re.escape(module)}(\._\w+)?\.{name}"', html)]
    assert not missing, f"reference/{page}.md does not document {missing}"
    # Interactive examples (``>>>``) in docstrings show as code, not as Markdown quotations.
    assert "<blockquote>" not in html
