"""Wire models: every request and response object of the Parallel API, shared by the client and the emulator.

Response models allow extra fields, so a field the API adds later is kept (``model_extra``) instead of breaking
parsing. Nullable fields default to ``None``. JSON names are used as attribute names (``taskgroup_id`` stays
``taskgroup_id``), so what you read is what went over the wire.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, field_validator

__all__ = [
    "ACTIVE_STATUSES",
    "TERMINAL_STATUSES",
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
    "OutputSchema",
    "ParsedTaskRunJsonOutput",
    "ParsedTaskRunResult",
    "ParsedTaskRunTextOutput",
    "RunEvent",
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
    "TaskRunOutput",
    "TaskRunProgressMessageEvent",
    "TaskRunProgressStatsEvent",
    "TaskRunResult",
    "TaskRunTextOutput",
    "TaskSpec",
    "TextSchema",
    "UnknownEvent",
    "Webhook",
    "WebhookEvent",
]

RunStatus: TypeAlias = Literal["queued", "action_required", "running", "completed", "failed", "cancelling", "cancelled"]
ACTIVE_STATUSES: frozenset[str] = frozenset({"queued", "running", "cancelling"})
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})

_CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}


class _Wire(BaseModel):
    """Base of every wire model: unknown fields are kept, names are the JSON names."""

    # Validators are built on first use, not at import: a program that only searches never pays for the rest.
    # Ids are unique strings: caching them in pydantic's string cache would only fill it.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, cache_strings="keys")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body for this object: unset optional fields are left out, everything given is kept."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


# --- shared small objects -------------------------------------------------------------------------------------


class SourcePolicy(_Wire):
    """Which domains a search or run may use. ``exclude_domains`` is ignored by the API when
    ``include_domains`` is non-empty. Entries carry no scheme and no ``www.`` (``"python.org"``)."""

    include_domains: list[str] | None = None
    exclude_domains: list[str] | None = None
    after_date: str | None = None


class APIWarning(_Wire):
    """A non-fatal remark from the API (``spec_validation_warning``, ``input_validation_warning``, ``warning``)."""

    type: str = "warning"
    message: str = ""
    detail: dict[str, Any] | None = None


class ErrorObject(_Wire):
    """The ``error`` object of an error body, a failed run or an SSE ``error`` event."""

    ref_id: str | None = None
    message: str = ""
    detail: Any = None


class McpServer(_Wire):
    """A Streamable-HTTP MCP server whose tools a run may call (beta ``mcp-server-2025-07-17``)."""

    type: Literal["url"] = "url"
    url: str
    name: str
    headers: dict[str, str] | None = None
    allowed_tools: list[str] | None = None


class McpToolCall(_Wire):
    """One MCP tool call made during a run."""

    tool_call_id: str = ""
    server_name: str = ""
    tool_name: str = ""
    arguments: str = ""
    content: str | None = None
    error: str | None = None


class Webhook(_Wire):
    """Where the API POSTs ``task_run.status`` when a run finishes (beta ``webhook-2025-08-12``)."""

    url: str
    event_types: list[str] | None = None


# --- task specs -----------------------------------------------------------------------------------------------


class JsonSchema(_Wire):
    """Structured output or input: ``json_schema`` is a JSON Schema whose root is an object."""

    type: Literal["json"] = "json"
    json_schema: dict[str, Any]


class TextSchema(_Wire):
    """Free-text output (markdown), optionally described in words."""

    type: Literal["text"] = "text"
    description: str | None = None


class AutoSchema(_Wire):
    """Let the processor design the output schema (deep research; ``pro`` and above)."""

    type: Literal["auto"] = "auto"


OutputSchema: TypeAlias = Annotated[JsonSchema | TextSchema | AutoSchema, Field(discriminator="type")]


class TaskSpec(_Wire):
    """What a run returns (``output_schema``) and, optionally, what its input looks like (``input_schema``).
    A bare string is a text schema with that description."""

    output_schema: OutputSchema | str
    input_schema: JsonSchema | TextSchema | str | None = None

    @field_validator("output_schema", "input_schema", mode="before")
    @classmethod
    def _type_by_shape(cls, value: Any) -> Any:
        # The API lets ``type`` default ("json" beside a json_schema, else "text"): infer it the same way.
        if isinstance(value, dict) and "type" not in value:
            return {"type": "json" if "json_schema" in value else "text", **value}
        return value


class TaskRunInput(_Wire):
    """The body of ``POST /v1/tasks/runs``, and one item of a group's ``add_runs``."""

    input: str | dict[str, Any]
    processor: str
    task_spec: TaskSpec | None = None
    metadata: dict[str, str | int | float | bool] | None = None
    source_policy: SourcePolicy | None = None
    enable_events: bool | None = None
    mcp_servers: list[McpServer] | None = None
    webhook: Webhook | None = None
    previous_interaction_id: str | None = None


# --- search ---------------------------------------------------------------------------------------------------


class SearchResult(_Wire):
    """One ranked result: a URL with the excerpts that matched the objective."""

    url: str
    title: str | None = None
    excerpts: list[str] = Field(default_factory=list)
    publish_date: str | None = None

    @field_validator("excerpts", mode="before")
    @classmethod
    def _null_excerpts(cls, value: Any) -> Any:
        return [] if value is None else value


class SearchResponse(_Wire):
    """The answer to a search: results in decreasing relevance."""

    search_id: str
    results: list[SearchResult] = Field(default_factory=list)
    warnings: list[APIWarning] | None = None
    usage: list[dict[str, Any]] | None = None
    session_id: str | None = None


# --- task runs ------------------------------------------------------------------------------------------------


class TaskRun(_Wire):
    """The state of one task run. ``is_active`` is true only while queued, running or cancelling."""

    run_id: str
    status: RunStatus
    is_active: bool
    processor: str = ""
    interaction_id: str | None = None
    warnings: list[APIWarning] | None = None
    error: ErrorObject | None = None
    metadata: dict[str, Any] | None = None
    taskgroup_id: str | None = None
    created_at: str | None = None
    modified_at: str | None = None


class Citation(_Wire):
    """A source supporting a field: its URL, title and the excerpts that were used."""

    url: str
    title: str | None = None
    excerpts: list[str] | None = None


class FieldBasis(_Wire):
    """Why one output field has its value: citations, reasoning and a confidence (high, medium, low)."""

    field: str
    reasoning: str = ""
    citations: list[Citation] = Field(default_factory=list)
    confidence: str | None = None

    @field_validator("citations", mode="before")
    @classmethod
    def _null_citations(cls, value: Any) -> Any:
        return [] if value is None else value


class _OutputBase(_Wire):
    basis: list[FieldBasis] = Field(default_factory=list)
    mcp_tool_calls: list[McpToolCall] | None = None
    beta_fields: dict[str, Any] | None = None

    @field_validator("basis", mode="before")
    @classmethod
    def _null_basis(cls, value: Any) -> Any:
        return [] if value is None else value

    def basis_for(self, field: str) -> FieldBasis:
        """The basis of ``field``: a top-level name or a dot path such as ``"items.0.name"``.

        When the API gave no basis for the exact path, the nearest enclosing field's basis is returned
        (``items.0`` then ``items``), since that basis covers the nested value. Raises ``KeyError`` naming the
        fields that do have a basis when neither the path nor any parent has one.
        """
        by_field = {b.field: b for b in self.basis}
        parts = field.split(".")
        for end in range(len(parts), 0, -1):
            found = by_field.get(".".join(parts[:end]))
            if found is not None:
                return found
        raise KeyError(f"no basis for field {field!r}; fields with a basis: {sorted(by_field)}")

    def citations_for(self, field: str) -> list[Citation]:
        """The citations supporting ``field`` (dot paths allowed, see :meth:`basis_for`)."""
        return self.basis_for(field).citations

    def confidence_of(self, field: str) -> str | None:
        """The confidence (``"high"``, ``"medium"``, ``"low"``, or ``None`` when not given) for ``field``."""
        return self.basis_for(field).confidence or None

    def low_confidence_fields(self, below: Literal["medium", "high"] = "medium") -> list[str]:
        """Fields whose confidence is under ``below`` (default: the ``"low"`` ones), in basis order.
        Fields with no confidence given are not listed."""
        limit = _CONFIDENCE_RANK[below]
        return [
            b.field for b in self.basis if b.confidence and _CONFIDENCE_RANK.get(b.confidence.lower(), limit) < limit
        ]

    def iter_citations(self) -> Iterator[tuple[str, Citation]]:
        """Every citation with the field it supports, in basis order: ``for field, citation in ...``."""
        for basis in self.basis:
            for citation in basis.citations:
                yield basis.field, citation


class TaskRunTextOutput(_OutputBase):
    """Text output: markdown ``content`` with a single basis entry for the field ``"output"``."""

    type: Literal["text"] = "text"
    content: str


class TaskRunJsonOutput(_OutputBase):
    """JSON output: ``content`` follows the run's output schema; one basis entry per (top-level) field.
    ``output_schema`` is filled only when the processor chose the schema (auto)."""

    type: Literal["json"] = "json"
    content: dict[str, Any]
    output_schema: dict[str, Any] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _content_may_be_a_json_string(cls, value: Any) -> Any:
        # Some documented payloads carry the object as a JSON-encoded string; both forms mean the same.
        if isinstance(value, str | bytes):
            return json.loads(value)
        return value


TaskRunOutput: TypeAlias = Annotated[TaskRunTextOutput | TaskRunJsonOutput, Field(discriminator="type")]


class TaskRunResult(_Wire):
    """A completed run with its output and basis."""

    run: TaskRun
    output: TaskRunOutput


ParsedT = TypeVar("ParsedT")


class ParsedTaskRunJsonOutput(TaskRunJsonOutput, Generic[ParsedT]):
    """A JSON output whose ``content`` was validated into the caller's pydantic class: ``parsed`` is the instance
    (the official SDK's ``ParsedTaskRunJsonOutput``)."""

    parsed: ParsedT | None = Field(default=None, exclude=True)


class ParsedTaskRunTextOutput(TaskRunTextOutput, Generic[ParsedT]):
    """A text output of a run that asked for a class. ``parsed`` is ``None`` unless the text itself is a JSON
    object that fits the class."""

    parsed: ParsedT | None = Field(default=None, exclude=True)


class ParsedTaskRunResult(TaskRunResult, Generic[ParsedT]):
    """A :class:`TaskRunResult` whose output was validated into the caller's pydantic class. The instance is at
    ``result.output.parsed``, as in the official SDK; ``result.parsed`` is a shortcut to it."""

    output: Annotated[ParsedTaskRunTextOutput[ParsedT] | ParsedTaskRunJsonOutput[ParsedT], Field(discriminator="type")]

    @property
    def parsed(self) -> ParsedT | None:
        """The output as an instance of the caller's class (``result.output.parsed``)."""
        return self.output.parsed


# --- task groups ----------------------------------------------------------------------------------------------


class TaskGroupStatus(_Wire):
    """Aggregated state of a group. ``is_active`` is true while any run is queued, running or cancelling."""

    num_task_runs: int = 0
    task_run_status_counts: dict[str, int] = Field(default_factory=dict)
    is_active: bool = False
    status_message: str | None = None
    modified_at: str | None = None

    @field_validator("task_run_status_counts", mode="before")
    @classmethod
    def _null_counts(cls, value: Any) -> Any:
        return {} if value is None else value


class TaskGroup(_Wire):
    """A task group (the API's ``TaskGroupResponse``)."""

    taskgroup_id: str
    status: TaskGroupStatus
    metadata: dict[str, Any] | None = None
    created_at: str | None = None


class TaskGroupRunResponse(_Wire):
    """The answer to ``add_runs``: run ids in input order, and cursors to stream from this batch on."""

    status: TaskGroupStatus
    run_ids: list[str]
    run_cursor: str | None = None
    event_cursor: str | None = None


# --- stream events --------------------------------------------------------------------------------------------


class TaskRunEvent(_Wire):
    """A run reached a state (``task_run.state``). ``input``/``output`` are filled only where asked for."""

    type: Literal["task_run.state"] = "task_run.state"
    event_id: str | None = None
    run: TaskRun
    input: TaskRunInput | None = None
    output: TaskRunOutput | None = None


class TaskGroupStatusEvent(_Wire):
    """The group's aggregated status changed (``task_group_status``)."""

    type: Literal["task_group_status"] = "task_group_status"
    event_id: str | None = None
    status: TaskGroupStatus


class ErrorEvent(_Wire):
    """An error reported inside a stream."""

    type: Literal["error"] = "error"
    event_id: str | None = None
    error: ErrorObject


class TaskRunProgressStatsEvent(_Wire):
    """Per-run progress: source counts and, on newer servers, a 0-100 ``progress_meter``."""

    type: Literal["task_run.progress_stats"] = "task_run.progress_stats"
    source_stats: dict[str, Any] | None = None
    progress_meter: float | None = None


class TaskRunProgressMessageEvent(_Wire):
    """Per-run progress message (``task_run.progress_msg.plan``, ``.search``, ``.result``, ...)."""

    type: str
    message: str | None = None
    timestamp: str | None = None


class UnknownEvent(_Wire):
    """An event type this version does not know; its fields are kept in ``model_extra``."""

    type: str = ""
    event_id: str | None = None


def _event_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if kind in ("task_run.state", "task_group_status", "error", "task_run.progress_stats"):
        return str(kind)
    if isinstance(kind, str) and kind.startswith("task_run.progress_msg"):
        return "progress_msg"
    return "unknown"


GroupEvent: TypeAlias = Annotated[
    Annotated[TaskRunEvent, Tag("task_run.state")]
    | Annotated[TaskGroupStatusEvent, Tag("task_group_status")]
    | Annotated[ErrorEvent, Tag("error")]
    | Annotated[TaskRunProgressStatsEvent, Tag("task_run.progress_stats")]
    | Annotated[TaskRunProgressMessageEvent, Tag("progress_msg")]
    | Annotated[UnknownEvent, Tag("unknown")],
    Discriminator(_event_tag),
]
"""Any event of a group or run stream, typed by its ``type`` field; unknown types become :class:`UnknownEvent`."""

RunEvent: TypeAlias = GroupEvent
"""Events of the per-run stream share the same union."""


@functools.cache
def event_adapter() -> TypeAdapter[GroupEvent]:
    """The validator of stream events (built once, on first use)."""
    return TypeAdapter(GroupEvent)


def __getattr__(name: str) -> Any:
    if name == "EVENT_ADAPTER":
        return event_adapter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class WebhookEvent(_Wire):
    """A verified webhook delivery: ``type`` is ``task_run.status`` and ``data`` the run's state."""

    type: str
    timestamp: str | None = None
    data: TaskRun
