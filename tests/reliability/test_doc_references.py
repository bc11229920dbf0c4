"""docs/reliability.md names, for each guarantee, the test that proves it: every name must exist, and every test
of this suite must be named there, so the page and the suite cannot drift apart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = HERE.parent.parent / "docs" / "reliability.md"
REFERENCE = re.compile(r"`(test_[a-z0-9_]+\.py)::(test_[a-z0-9_]+)`")
UNLISTED = {("test_doc_references.py", "test_the_page_and_the_suite_name_the_same_tests")}


def _tests_in_suite() -> set[tuple[str, str]]:
    found = set()
    for module in HERE.glob("test_*.py"):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.add((module.name, node.name))
    return found


def test_the_page_and_the_suite_name_the_same_tests() -> None:
    named = set(REFERENCE.findall(PAGE.read_text(encoding="utf-8")))
    existing = _tests_in_suite()
    assert len(named) >= 30
    assert named - existing == set(), "the page names tests that do not exist"
    assert existing - named - UNLISTED == set(), "tests of the suite the page does not mention"
