"""The standard suites of langchain-tests (pinned) for the retriever and the tools, offline against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests, ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from parallel_integrations.emulator import RunningEmulator
from parallel_integrations.langchain import ParallelSearchRetriever, ParallelSearchTool, ParallelTaskTool


class OnEmulator:
    @pytest.fixture(autouse=True)
    def _emulator(self, emulator: RunningEmulator) -> RunningEmulator:
        # autouse: runs before the suites' own fixtures build the object, so the environment points at it
        return emulator


class TestRetrieverStandard(OnEmulator, RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[ParallelSearchRetriever]:
        return ParallelSearchRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"max_chars_per_result": 500}

    @property
    def retriever_query_example(self) -> str:
        return "how do Python decorators work"


class SearchToolParams:
    @property
    def tool_constructor(self) -> type[ParallelSearchTool]:
        return ParallelSearchTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"max_results": 3}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"objective": "what does the with statement do", "search_queries": ["with statement"]}


class TestSearchToolUnit(OnEmulator, SearchToolParams, ToolsUnitTests):
    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"PARALLEL_API_KEY": "sk-from-env", "PARALLEL_BASE_URL": "http://127.0.0.1:9"}
        return env, {}, {"api_key": "sk-from-env", "base_url": "http://127.0.0.1:9"}


class TestSearchToolIntegration(OnEmulator, SearchToolParams, ToolsIntegrationTests):
    pass


class TaskToolParams:
    @property
    def tool_constructor(self) -> type[ParallelTaskTool]:
        return ParallelTaskTool

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"processor": "lite", "output": "a one-paragraph answer"}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"input": "What does the Python with statement do?"}


class TestTaskToolUnit(OnEmulator, TaskToolParams, ToolsUnitTests):
    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"PARALLEL_API_KEY": "sk-from-env", "PARALLEL_BASE_URL": "http://127.0.0.1:9"}
        return env, {"processor": "core"}, {"api_key": "sk-from-env", "base_url": "http://127.0.0.1:9"}


class TestTaskToolIntegration(OnEmulator, TaskToolParams, ToolsIntegrationTests):
    pass
