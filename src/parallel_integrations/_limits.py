"""The API's documented input limits, checked before a request leaves (and enforced by the emulator).

Each check raises :class:`ParallelValidationError` naming the field and the limit. The numbers are the API
reference's; see ``docs`` for their sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import ParallelValidationError

OBJECTIVE_MAX_CHARS = 5_000
SEARCH_QUERIES_MAX = 5
SEARCH_QUERY_MAX_CHARS = 200
MAX_RESULTS_MAX = 40
MAX_CHARS_PER_RESULT_MIN = 100
SEARCH_PROCESSORS = ("base", "pro")
METADATA_KEY_MAX_CHARS = 16
METADATA_VALUE_MAX_CHARS = 512
SOURCE_POLICY_MAX_DOMAINS = 200
MCP_SERVERS_MAX = 10
RUNS_PER_ADD_MAX = 1_000
TASK_SPEC_MAX_CHARS = 15_000
TASK_SPEC_AND_INPUT_MAX_CHARS = 25_000


def check_search(
    *,
    objective: str | None,
    search_queries: Iterable[str] | None,
    processor: str | None,
    max_results: int | None,
    max_chars_per_result: int | None,
    source_policy: Mapping[str, Any] | None,
) -> None:
    """Refuse a search that breaks a documented limit."""
    queries = list(search_queries) if search_queries is not None else None
    if not objective and not queries:
        raise ParallelValidationError(
            "objective", "give an objective, search_queries, or both", limit="objective or search_queries"
        )
    if objective is not None and len(objective) > OBJECTIVE_MAX_CHARS:
        raise ParallelValidationError(
            "objective",
            f"at most {OBJECTIVE_MAX_CHARS} characters (got {len(objective)})",
            limit=OBJECTIVE_MAX_CHARS,
        )
    if queries is not None:
        if len(queries) > SEARCH_QUERIES_MAX:
            raise ParallelValidationError(
                "search_queries", f"at most {SEARCH_QUERIES_MAX} queries (got {len(queries)})", limit=SEARCH_QUERIES_MAX
            )
        for i, query in enumerate(queries):
            if not isinstance(query, str) or not query.strip():
                raise ParallelValidationError(f"search_queries[{i}]", "must be a non-empty string")
            if len(query) > SEARCH_QUERY_MAX_CHARS:
                raise ParallelValidationError(
                    f"search_queries[{i}]",
                    f"at most {SEARCH_QUERY_MAX_CHARS} characters (got {len(query)})",
                    limit=SEARCH_QUERY_MAX_CHARS,
                )
    if processor is not None and processor not in SEARCH_PROCESSORS:
        raise ParallelValidationError(
            "processor", f"must be one of {', '.join(SEARCH_PROCESSORS)} (got {processor!r})", limit=SEARCH_PROCESSORS
        )
    if max_results is not None and not 1 <= max_results <= MAX_RESULTS_MAX:
        raise ParallelValidationError(
            "max_results", f"must be between 1 and {MAX_RESULTS_MAX} (got {max_results})", limit=MAX_RESULTS_MAX
        )
    if max_chars_per_result is not None and max_chars_per_result < MAX_CHARS_PER_RESULT_MIN:
        raise ParallelValidationError(
            "max_chars_per_result",
            f"at least {MAX_CHARS_PER_RESULT_MIN} (got {max_chars_per_result})",
            limit=MAX_CHARS_PER_RESULT_MIN,
        )
    check_source_policy(source_policy)


def check_source_policy(policy: Mapping[str, Any] | None, field: str = "source_policy") -> None:
    """At most 200 include plus exclude entries, each a bare domain (no scheme)."""
    if not policy:
        return
    total = 0
    for key in ("include_domains", "exclude_domains"):
        domains = policy.get(key) or []
        total += len(domains)
        for i, domain in enumerate(domains):
            if not isinstance(domain, str) or not domain or "://" in domain:
                raise ParallelValidationError(
                    f"{field}.{key}[{i}]", f"must be a domain without a scheme, like 'python.org' (got {domain!r})"
                )
    if total > SOURCE_POLICY_MAX_DOMAINS:
        raise ParallelValidationError(
            field,
            f"at most {SOURCE_POLICY_MAX_DOMAINS} include_domains and exclude_domains together (got {total})",
            limit=SOURCE_POLICY_MAX_DOMAINS,
        )


def check_metadata(metadata: Mapping[str, Any] | None, field: str = "metadata") -> None:
    """Keys of at most 16 characters; values of at most 512 (strings, numbers or booleans)."""
    if not metadata:
        return
    for key, value in metadata.items():
        if not isinstance(key, str) or len(key) > METADATA_KEY_MAX_CHARS:
            raise ParallelValidationError(
                f"{field}.{key}",
                f"keys are strings of at most {METADATA_KEY_MAX_CHARS} characters (got {len(str(key))})",
                limit=METADATA_KEY_MAX_CHARS,
            )
        if not isinstance(value, str | int | float | bool):
            raise ParallelValidationError(
                f"{field}.{key}", f"values are strings, numbers or booleans (got {type(value).__name__})"
            )
        if len(str(value)) > METADATA_VALUE_MAX_CHARS:
            raise ParallelValidationError(
                f"{field}.{key}",
                f"values are at most {METADATA_VALUE_MAX_CHARS} characters (got {len(str(value))})",
                limit=METADATA_VALUE_MAX_CHARS,
            )


def check_run_input(body: Mapping[str, Any], field: str = "") -> None:
    """Check one task run's wire body (``TaskRunInput.to_wire()``): metadata, source policy, MCP servers and the
    size of the task spec and input."""
    prefix = f"{field}." if field else ""
    if not body.get("processor"):
        raise ParallelValidationError(f"{prefix}processor", "a processor is required, e.g. 'lite', 'base', 'core'")
    check_metadata(body.get("metadata"), f"{prefix}metadata")
    check_source_policy(body.get("source_policy"), f"{prefix}source_policy")
    servers = body.get("mcp_servers") or []
    if len(servers) > MCP_SERVERS_MAX:
        raise ParallelValidationError(
            f"{prefix}mcp_servers", f"at most {MCP_SERVERS_MAX} servers (got {len(servers)})", limit=MCP_SERVERS_MAX
        )
    check_spec_size(body.get("task_spec"), body.get("input"), prefix)


def check_spec_size(task_spec: Any, run_input: Any, prefix: str = "") -> None:
    """Task spec at most 15,000 characters; task spec plus input at most 25,000 (JSON-encoded lengths)."""
    spec_chars = _json_len(task_spec) if task_spec is not None else 0
    if spec_chars > TASK_SPEC_MAX_CHARS:
        raise ParallelValidationError(
            f"{prefix}task_spec",
            f"at most {TASK_SPEC_MAX_CHARS} characters (got {spec_chars})",
            limit=TASK_SPEC_MAX_CHARS,
        )
    input_chars = len(run_input) if isinstance(run_input, str) else _json_len(run_input)
    if spec_chars + input_chars > TASK_SPEC_AND_INPUT_MAX_CHARS:
        raise ParallelValidationError(
            f"{prefix}input",
            f"task_spec and input together at most {TASK_SPEC_AND_INPUT_MAX_CHARS} characters "
            f"(got {spec_chars + input_chars})",
            limit=TASK_SPEC_AND_INPUT_MAX_CHARS,
        )


def check_runs_count(count: int) -> None:
    """One add-runs request carries 1 to 1,000 inputs (the client chunks larger batches itself)."""
    if count < 1:
        raise ParallelValidationError("inputs", "at least one input is required", limit=1)
    if count > RUNS_PER_ADD_MAX:
        raise ParallelValidationError(
            "inputs", f"at most {RUNS_PER_ADD_MAX} per request (got {count})", limit=RUNS_PER_ADD_MAX
        )


def _json_len(value: Any) -> int:
    import json

    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
