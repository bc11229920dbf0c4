"""The client's core, written once for sync and async.

Every operation is a *flow*: a generator that builds requests and yields effects (:class:`Send`, :class:`Sleep`,
:class:`Read`, :class:`Close`, :class:`Emit`) to a driver, which performs them with ``httpx.Client`` and
``time.sleep`` or with ``httpx.AsyncClient`` and ``asyncio.sleep`` and sends the outcome back. Request building,
parsing, error mapping, retry decisions, long polling, stream resumption and add-runs reconciliation therefore
live here alone; the drivers in ``_client.py`` only send, read and sleep.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from . import _limits, _validate
from ._config import ClientConfig
from ._effects import Close, Emit, Flow, Read, Send, Sleep, consume
from ._errors import (
    APIConnectionError,
    APIStatusError,
    NotFoundError,
    ParallelError,
    ParallelValidationError,
    RequestTimeoutError,
    RunCreationUncertainError,
    StreamError,
    TaskRunFailedError,
    TaskRunTimeoutError,
    error_from_response,
)
from ._models import (
    ErrorEvent,
    GroupEvent,
    SearchResponse,
    TaskGroup,
    TaskGroupRunResponse,
    TaskGroupStatusEvent,
    TaskRun,
    TaskRunInput,
    TaskRunResult,
    TaskSpec,
    event_adapter,
)
from ._retry import RateWindow, RetryPolicy, is_retryable_status
from ._sse import SSEDecoder
from ._version import __version__

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

MAX_SERVER_WAIT = 600
"""The longest single ``/result`` long poll we ask the server for (its documented default)."""
POLL_READ_MARGIN = 30.0
"""Extra read timeout on a long poll beyond the wait asked of the server, so the server's 408 arrives first."""

BETA_MCP = "mcp-server-2025-07-17"
BETA_EVENTS = "events-sse-2025-07-24"
BETA_WEBHOOK = "webhook-2025-08-12"

_PATHS = {
    "seed": {"search": "/alpha/search", "groups": "/v1beta/tasks/groups", "run_events": "/v1beta/tasks/runs"},
    "current": {"search": "/v1/search", "groups": "/v1/tasks/groups", "run_events": "/v1/tasks/runs"},
}
_SEARCH_MODES = {"base": "basic", "pro": "advanced"}


class _Ambiguous(Exception):
    """A creation request failed after it may have reached the server."""

    def __init__(self, cause: ParallelError) -> None:
        super().__init__(str(cause))
        self.cause = cause


# --- helpers --------------------------------------------------------------------------------------------------


def build_model(model: type[M], data: Any, field: str) -> M:
    """Validate user-given data into a wire model; a mistake becomes a ParallelValidationError naming the field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        path = f"{field}.{where}" if field and where else field or where
        raise ParallelValidationError(path or model.__name__, first["msg"]) from None


def betas_for(runs: Iterable[TaskRunInput], explicit: Iterable[str] | None) -> list[str]:
    """The ``parallel-beta`` values a request needs: the ones given, then those its fields call for."""
    wanted = list(explicit or ())
    for run in runs:
        if run.mcp_servers:
            wanted.append(BETA_MCP)
        if run.enable_events:
            wanted.append(BETA_EVENTS)
        if run.webhook is not None:
            wanted.append(BETA_WEBHOOK)
    return list(dict.fromkeys(wanted))


def check_task_spec(spec: TaskSpec | None, field: str) -> None:
    """Refuse a JSON output or input schema that the API's schema rules would reject."""
    if spec is None:
        return
    from ._schema import check_schema

    for name in ("output_schema", "input_schema"):
        part = getattr(spec, name)
        schema = getattr(part, "json_schema", None)
        if schema is not None:
            check_schema(schema, field=f"{field}.{name}.json_schema")


class _Headers(dict[str, str]):
    """Request headers whose repr hides the API key, so a traceback that shows locals cannot leak it."""

    def __repr__(self) -> str:
        return repr({k: ("**********" if k == "x-api-key" else v) for k, v in self.items()})

    __str__ = __repr__


# --- the core -------------------------------------------------------------------------------------------------


class Core:
    """Request building, parsing, error mapping and every operation's flow. One per client (and per
    ``with_options`` copy); holds no connection."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        policy: RetryPolicy | None = None,
        pacer: RateWindow | None = None,
    ) -> None:
        self.config = config
        self.pacer = pacer or RateWindow()
        self.clock = clock
        self.rand = rand
        self.policy = policy or RetryPolicy()
        self.paths = _PATHS[config.endpoints]
        self._headers = _Headers(
            {
                "x-api-key": config.api_key.get(),
                "user-agent": f"parallel-integrations/{__version__}",
                "accept": "application/json",
            }
        )
        self._timeout = httpx.Timeout(config.timeout, connect=min(5.0, config.timeout)).as_dict()

    def __repr__(self) -> str:
        return f"Core(base_url={self.config.base_url!r}, endpoints={self.config.endpoints!r})"

    # building and parsing ----------------------------------------------------------------------------------

    def build_request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        betas: Sequence[str] = (),
        read_timeout: float | None = None,
        accept: str | None = None,
    ) -> httpx.Request:
        """An ``httpx.Request`` with auth, content type, beta header and timeout set."""
        headers = _Headers(self._headers)
        content = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["content-type"] = "application/json"
        if betas:
            headers["parallel-beta"] = ",".join(betas)
        if accept is not None:
            headers["accept"] = accept
        extensions = {"timeout": self._timeout}
        if read_timeout is not None:
            extensions = {"timeout": {**self._timeout, "read": read_timeout}}
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        return httpx.Request(
            method,
            self.config.base_url + path,
            params=query or None,
            headers=headers,
            content=content,
            extensions=extensions,
        )

    def status_error(self, response: httpx.Response) -> APIStatusError:
        """The named error for a failed response."""
        return error_from_response(response.status_code, response.reason_phrase, response.content, response.headers)

    # the request flow: one attempt loop for every operation -------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        parse: Callable[[bytes], T],
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        betas: Sequence[str] = (),
        read_timeout: float | None = None,
        creation: bool = False,
        long_poll: bool = False,
    ) -> Flow[T]:
        """Send once, retrying what is safe to retry. A creation request is re-sent only when the server cannot
        have acted on it (429, or a connection never established); otherwise ``_Ambiguous`` is raised."""
        request = self.build_request(method, path, body=body, params=params, betas=betas, read_timeout=read_timeout)
        response = yield from self.send(request, creation=creation, long_poll=long_poll)
        return parse(response.content)

    def send(
        self, request: httpx.Request, *, stream: bool = False, creation: bool = False, long_poll: bool = False
    ) -> Flow[Any]:
        """The one attempt loop: send ``request`` until it succeeds or a failure is not worth retrying, and return
        the response (for ``stream``, the open stream handle). Retries connection errors, 408, 409, 429 and 5xx
        with backoff; a long poll's 408 is the caller's to handle; a creation request is re-sent only when the
        server cannot have acted on it (429, or a connection never established), else ``_Ambiguous`` is raised."""
        attempt = 0
        while True:
            if creation:
                wait = self.pacer.reserve(self.clock())
                if wait > 0:
                    yield Sleep(wait)
            try:
                answer = yield Send(request, stream=stream)
            except APIConnectionError as exc:
                if creation and exc.request_sent:
                    raise _Ambiguous(exc) from exc
                if attempt >= self.config.max_retries:
                    raise
                yield Sleep(self.policy.delay(attempt, None, self.rand))
                attempt += 1
                continue
            response = answer.response if stream else answer
            if response.is_success:
                return answer
            error = self.status_error(response)
            code = response.status_code
            retryable = is_retryable_status(code, response.headers) and not (long_poll and code == 408)
            if not retryable:
                raise error
            if creation and code != 429:
                raise _Ambiguous(error)
            if attempt >= self.config.max_retries:
                raise error
            yield Sleep(self.policy.delay(attempt, response.headers, self.rand))
            attempt += 1

    # search ----------------------------------------------------------------------------------------------------

    def search(
        self,
        *,
        objective: str | None,
        search_queries: Sequence[str] | None,
        processor: str | None,
        max_results: int | None,
        max_chars_per_result: int | None,
        source_policy: Any,
    ) -> Flow[SearchResponse]:
        """``POST /alpha/search`` (or ``/v1/search`` with its nested body on the current endpoints)."""
        policy = None
        if source_policy is not None:
            from ._models import SourcePolicy

            policy = build_model(SourcePolicy, source_policy, "source_policy").to_wire()
        _limits.check_search(
            objective=objective,
            search_queries=search_queries,
            processor=processor,
            max_results=max_results,
            max_chars_per_result=max_chars_per_result,
            source_policy=policy,
        )
        body: dict[str, Any]
        if self.config.endpoints == "seed":
            body = {
                "objective": objective,
                "search_queries": list(search_queries) if search_queries else None,
                "processor": processor,
                "max_results": max_results,
                "max_chars_per_result": max_chars_per_result,
                "source_policy": policy,
            }
        else:
            if not search_queries:
                raise ParallelValidationError(
                    "search_queries", "the current /v1/search endpoint requires at least one keyword query"
                )
            settings = {
                "source_policy": policy,
                "max_results": max_results,
                "excerpt_settings": {"max_chars_per_result": max_chars_per_result} if max_chars_per_result else None,
            }
            body = {
                "objective": objective,
                "search_queries": list(search_queries),
                "mode": _SEARCH_MODES.get(processor or ""),
                "advanced_settings": {k: v for k, v in settings.items() if v is not None} or None,
            }
        body = {k: v for k, v in body.items() if v is not None}
        return (yield from self.request("POST", self.paths["search"], SearchResponse.model_validate_json, body=body))

    # task runs -------------------------------------------------------------------------------------------------

    def run_input(self, fields: TaskRunInput | Mapping[str, Any], field: str = "") -> TaskRunInput:
        """A validated :class:`TaskRunInput` from a model, keyword arguments or a mapping, limits checked."""
        _validate.run_fields(fields, field)
        data = fields if isinstance(fields, TaskRunInput) else {k: v for k, v in fields.items() if v is not None}
        if isinstance(data, dict) and isinstance(data.get("input"), BaseModel):
            data["input"] = data["input"].model_dump(mode="json")
        run = build_model(TaskRunInput, data, field)
        _limits.check_run_input(run.to_wire(), field)
        check_task_spec(run.task_spec, f"{field}.task_spec" if field else "task_spec")
        return run

    def create_run(self, run: TaskRunInput, betas: Sequence[str] | None) -> Flow[TaskRun]:
        """``POST /v1/tasks/runs``. Never silently re-sent once it may have reached the server."""
        try:
            return (
                yield from self.request(
                    "POST",
                    "/v1/tasks/runs",
                    TaskRun.model_validate_json,
                    body=run.to_wire(),
                    betas=betas_for([run], betas),
                    creation=True,
                )
            )
        except _Ambiguous as ambiguous:
            raise RunCreationUncertainError(run, ambiguous.cause) from ambiguous.cause

    def retrieve_run(self, run_id: str) -> Flow[TaskRun]:
        """``GET /v1/tasks/runs/{run_id}``."""
        return (yield from self.request("GET", f"/v1/tasks/runs/{_id(run_id)}", TaskRun.model_validate_json))

    def retrieve_input(self, run_id: str) -> Flow[TaskRunInput]:
        """``GET /v1/tasks/runs/{run_id}/input``."""
        path = f"/v1/tasks/runs/{_id(run_id)}/input"
        return (yield from self.request("GET", path, TaskRunInput.model_validate_json))

    def wait_result(self, run_id: str, timeout: float | None, betas: Sequence[str] | None) -> Flow[TaskRunResult]:
        """Long-poll ``/result`` until the run ends or ``timeout`` seconds pass (``None``: no deadline).

        A 408 re-issues the poll; a 404 is told apart by the run's status: failed or cancelled raises
        :class:`TaskRunFailedError`, an unknown id :class:`NotFoundError`."""
        run_id = _id(run_id)
        start = self.clock()
        while True:
            wait = MAX_SERVER_WAIT
            if timeout is not None:
                remaining = start + timeout - self.clock()
                if remaining <= 0:
                    raise TaskRunTimeoutError(run_id, self.clock() - start)
                wait = max(1, min(MAX_SERVER_WAIT, math.ceil(remaining)))
            try:
                return (
                    yield from self.request(
                        "GET",
                        f"/v1/tasks/runs/{run_id}/result",
                        TaskRunResult.model_validate_json,
                        params={"timeout": wait},
                        betas=list(betas or ()),
                        read_timeout=wait + POLL_READ_MARGIN,
                        long_poll=True,
                    )
                )
            except RequestTimeoutError:
                continue
            except NotFoundError:
                run = yield from self.retrieve_run(run_id)
                if run.status in ("failed", "cancelled"):
                    raise TaskRunFailedError(run) from None
                if not run.is_active:
                    raise

    # task groups -----------------------------------------------------------------------------------------------

    def group_path(self, taskgroup_id: str | None = None, suffix: str = "") -> str:
        """The path of the groups collection, of one group, or of something under a group."""
        base = self.paths["groups"]
        return base if taskgroup_id is None else f"{base}/{_id(taskgroup_id)}{suffix}"

    def create_group(self, metadata: Mapping[str, Any] | None) -> Flow[TaskGroup]:
        """``POST /v1beta/tasks/groups``. Creating an empty group costs nothing, so it is retried normally."""
        _limits.check_metadata(metadata)
        body = {"metadata": dict(metadata)} if metadata else {}
        return (yield from self.request("POST", self.group_path(), TaskGroup.model_validate_json, body=body))

    def retrieve_group(self, taskgroup_id: str) -> Flow[TaskGroup]:
        """``GET /v1beta/tasks/groups/{taskgroup_id}``."""
        return (yield from self.request("GET", self.group_path(taskgroup_id), TaskGroup.model_validate_json))

    def retrieve_group_run(self, taskgroup_id: str, run_id: str) -> Flow[TaskRun]:
        """``GET /v1beta/tasks/groups/{taskgroup_id}/runs/{run_id}``."""
        path = self.group_path(taskgroup_id, f"/runs/{_id(run_id)}")
        return (yield from self.request("GET", path, TaskRun.model_validate_json))

    def group_inputs(self, inputs: Iterable[TaskRunInput | Mapping[str, Any]]) -> list[TaskRunInput]:
        """Validate every run input of an add-runs call before anything is sent."""
        runs = [self.run_input(item, f"inputs[{i}]") for i, item in enumerate(inputs)]
        if not runs:
            raise ParallelValidationError("inputs", "at least one input is required", limit=1)
        return runs

    def add_runs(
        self,
        taskgroup_id: str,
        runs: list[TaskRunInput],
        default_task_spec: TaskSpec | None,
        betas: Sequence[str] | None,
        known_count: int | None = None,
    ) -> Flow[TaskGroupRunResponse]:
        """Add runs in requests of at most 1,000, each carrying the default spec; run ids come back in input order.

        A request that fails after it may have reached the server is reconciled through the group's run count:
        resent if the runs did not land, their ids collected if they did, never blindly duplicated."""
        check_task_spec(default_task_spec, "default_task_spec")
        spec_wire = default_task_spec.to_wire() if default_task_spec is not None else None
        header = betas_for(runs, betas)
        if known_count is None:
            known_count = (yield from self.retrieve_group(taskgroup_id)).status.num_task_runs
        run_ids: list[str] = []
        first: TaskGroupRunResponse | None = None
        last: TaskGroupRunResponse | None = None
        for start in range(0, len(runs), _limits.RUNS_PER_ADD_MAX):
            chunk = runs[start : start + _limits.RUNS_PER_ADD_MAX]
            body: dict[str, Any] = {"inputs": [run.to_wire() for run in chunk]}
            if spec_wire is not None:
                body["default_task_spec"] = spec_wire
            last = yield from self._add_chunk(taskgroup_id, chunk, body, header, known_count)
            first = first or last
            run_ids.extend(last.run_ids)
            known_count = max(known_count + len(chunk), last.status.num_task_runs)
        assert first is not None
        assert last is not None
        return TaskGroupRunResponse(
            status=last.status, run_ids=run_ids, run_cursor=first.run_cursor, event_cursor=first.event_cursor
        )

    def _add_chunk(
        self, taskgroup_id: str, chunk: list[TaskRunInput], body: Any, betas: Sequence[str], known_count: int
    ) -> Flow[TaskGroupRunResponse]:
        path = self.group_path(taskgroup_id, "/runs")
        resends = 0
        while True:
            try:
                return (
                    yield from self.request(
                        "POST", path, TaskGroupRunResponse.model_validate_json, body=body, betas=betas, creation=True
                    )
                )
            except _Ambiguous as ambiguous:
                now = (yield from self.retrieve_group(taskgroup_id)).status.num_task_runs
                if now == known_count + len(chunk):
                    run_ids = yield from self._run_ids_after(taskgroup_id, known_count, len(chunk))
                    group = yield from self.retrieve_group(taskgroup_id)
                    return TaskGroupRunResponse(status=group.status, run_ids=run_ids)
                if now != known_count or resends >= self.config.max_retries:
                    raise RunCreationUncertainError(list(chunk), ambiguous.cause) from ambiguous.cause
                yield Sleep(self.policy.delay(resends, getattr(ambiguous.cause, "headers", None), self.rand))
                resends += 1

    def _run_ids_after(self, taskgroup_id: str, skip: int, count: int) -> Flow[list[str]]:
        """The ids of runs ``skip`` to ``skip + count`` of a group, in the order they were added."""
        ids: list[str] = []
        position = 0

        def take(event: Any) -> None:
            nonlocal position
            run = getattr(event, "run", None)
            if run is not None:
                if skip <= position < skip + count:
                    ids.append(run.run_id)
                position += 1

        path = self.group_path(taskgroup_id, "/runs")
        yield from consume(self.stream(path, {}, resumable=True, until_inactive=False), take)
        return ids

    # streams ---------------------------------------------------------------------------------------------------

    def stream(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        betas: Sequence[str] = (),
        resumable: bool,
        until_inactive: bool,
    ) -> Flow[None]:
        """Open an SSE stream and emit typed events. A dropped connection is resumed after the last ``event_id``
        (when ``resumable``), so each event is emitted once; ``until_inactive`` reconnects a stream the server
        closed while the group was still active. An ``error`` event raises :class:`StreamError`."""
        last_id = params.get("last_event_id")
        failures = 0
        while True:
            query = {**params, "last_event_id": last_id}
            request = self.build_request("GET", path, params=query, betas=betas, accept="text/event-stream")
            handle = yield from self.send(request, stream=True)
            decoder = SSEDecoder()
            parse_event = event_adapter().validate_json
            group_active = True
            received = 0
            try:
                while True:
                    chunk = yield Read(handle)
                    if not chunk:
                        break
                    for sse in decoder.feed(chunk):
                        event: GroupEvent = parse_event(sse.data)
                        if isinstance(event, ErrorEvent):
                            raise StreamError(event.error)
                        event_id = getattr(event, "event_id", None)
                        if event_id:
                            last_id = event_id
                        if isinstance(event, TaskGroupStatusEvent):
                            group_active = event.status.is_active
                        received += 1
                        failures = 0
                        yield Emit(event)
            except APIConnectionError:
                yield Close(handle)
                if not resumable or failures >= self.config.max_retries:
                    raise
                yield Sleep(self.policy.delay(failures, None, self.rand))
                failures += 1
                continue
            yield Close(handle)
            if not until_inactive or not group_active:
                return
            if received == 0:
                failures += 1
                if failures > self.config.max_retries:
                    return
                yield Sleep(self.policy.delay(failures - 1, None, self.rand))


def _id(value: str) -> str:
    return _validate.path_id(value, "id")


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
