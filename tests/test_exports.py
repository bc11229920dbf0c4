"""The public surface: ``__all__`` is exactly the public names, and importing the package pulls in no framework."""

from __future__ import annotations

import subprocess
import sys
import types

import parallel_integrations

EXPECTED = {
    "ParallelClient",
    "AsyncParallelClient",
    "BatchItem",
    "BatchProgress",
    "EventStream",
    "AsyncEventStream",
    "__version__",
    "to_json_schema",
    "output_task_spec",
    "parse_output",
    "parse_result",
    "verify_webhook",
    "sign_webhook",
    # errors
    "ParallelError",
    "ParallelValidationError",
    "SchemaError",
    "APIConnectionError",
    "APIResponseValidationError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "InsufficientCreditError",
    "PermissionDeniedError",
    "NotFoundError",
    "RequestTimeoutError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "TaskRunFailedError",
    "TaskRunTimeoutError",
    "RunCreationUncertainError",
    "OutputValidationError",
    "StreamError",
    "WebhookVerificationError",
    "WebhookReplayError",
    "WebhookReplayGuard",
    # models
    "APIWarning",
    "AutoSchema",
    "Citation",
    "ErrorEvent",
    "ErrorObject",
    "FieldBasis",
    "GroupEvent",
    "JsonSchema",
    "McpServer",
    "McpToolCall",
    "ParsedTaskRunJsonOutput",
    "ParsedTaskRunResult",
    "ParsedTaskRunTextOutput",
    "RunStatus",
    "SearchResponse",
    "SearchResult",
    "SourcePolicy",
    "TaskGroup",
    "TaskGroupRunResponse",
    "TaskGroupStatus",
    "TaskGroupStatusEvent",
    "TaskRun",
    "TaskRunEvent",
    "TaskRunInput",
    "TaskRunJsonOutput",
    "TaskRunProgressMessageEvent",
    "TaskRunProgressStatsEvent",
    "TaskRunResult",
    "TaskRunTextOutput",
    "TaskSpec",
    "TextSchema",
    "UnknownEvent",
    "Webhook",
    "WebhookEvent",
}


def test_all_is_exactly_the_public_names() -> None:
    assert set(parallel_integrations.__all__) == EXPECTED
    assert len(parallel_integrations.__all__) == len(set(parallel_integrations.__all__))


def test_every_public_name_resolves_and_nothing_public_is_unlisted() -> None:
    for name in parallel_integrations.__all__:
        assert getattr(parallel_integrations, name) is not None
    public = {
        name
        for name, value in vars(parallel_integrations).items()
        if name.isidentifier() and not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= EXPECTED


def test_import_pulls_in_no_framework() -> None:
    code = (
        "import sys, parallel_integrations\n"
        "heavy = ('langchain_core', 'llama_index', 'starlette', 'uvicorn')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_error_is_a_parallel_error() -> None:
    for name in parallel_integrations.__all__:
        obj = getattr(parallel_integrations, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, parallel_integrations.ParallelError), name
