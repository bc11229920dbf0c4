"""What an editor and mypy see: ``execute`` and ``run_batch`` with an output class are typed by that class.

The snippet is checked by mypy itself (``mypy.api``), so a lost overload fails here, not in a user's editor."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mypy import api as mypy_api

SNIPPET = """
from typing import assert_type

from pydantic import BaseModel

from parallel_integrations import AsyncParallelClient, BatchItem, ParallelClient


class Profile(BaseModel):
    name: str


def sync_use(client: ParallelClient) -> None:
    result = client.task_runs.execute("q", "lite", output=Profile)
    assert_type(result.output.parsed, Profile | None)
    assert_type(result.parsed, Profile | None)
    text = client.task_runs.execute("q", "lite", output="one line")
    assert_type(text.parsed, None)
    for item in client.task_groups.run_batch(["a"], processor="lite", output=Profile):
        assert_type(item, BatchItem[Profile])
        assert_type(item.parsed, Profile | None)
        if item.result is not None:
            assert_type(item.result.output.parsed, Profile | None)


async def async_use(client: AsyncParallelClient) -> None:
    result = await client.task_runs.execute("q", "lite", output=Profile)
    assert_type(result.output.parsed, Profile | None)
    async for item in client.task_groups.run_batch(["a"], processor="lite", output=Profile):
        assert_type(item.parsed, Profile | None)
"""


def test_output_class_types_results_and_batch_items(tmp_path: Path) -> None:
    snippet = tmp_path / "typed_use.py"
    snippet.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--follow-imports=silent", "--python-version=3.11", str(snippet)]
    )
    assert status == 0, out + err
