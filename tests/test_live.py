"""Against the real Parallel API: run only when PARALLEL_API_KEY holds a real key (never in CI, which has none).

PARALLEL_API_KEY=... .venv/bin/python -m pytest -m live
"""

from __future__ import annotations

import os

import pytest
from pydantic import BaseModel, Field

from parallel_integrations import ParallelClient
from parallel_integrations.emulator.pytest_plugin import DUMMY_API_KEY

KEY = os.environ.get("PARALLEL_API_KEY", "")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not KEY or KEY == DUMMY_API_KEY, reason="needs a real PARALLEL_API_KEY"),
]


class Creator(BaseModel):
    name: str = Field(description="the person who created the Python programming language")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> ParallelClient:
    monkeypatch.delenv("PARALLEL_BASE_URL", raising=False)
    return ParallelClient(KEY)


def test_live_search(client: ParallelClient) -> None:
    response = client.search("how do decorators work in Python", max_results=3)
    assert response.search_id.startswith("search_")
    assert 0 < len(response.results) <= 3
    assert all(result.url.startswith("http") for result in response.results)


def test_live_structured_run(client: ParallelClient) -> None:
    result = client.task_runs.execute("Who created the Python programming language?", "lite", output=Creator)
    assert result.parsed is not None
    assert "guido" in result.parsed.name.lower()
    assert result.output.basis_for("name").citations
