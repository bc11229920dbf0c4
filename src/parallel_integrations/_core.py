"""The client's core, written once for sync and async.

Every operation is a *flow*: a generator that builds requests and yields effects (:class:`Send`, :class:`Sleep`,
:class:`Read`, :class:`Close`, :class:`Emit`) to a driver, which performs them with ``httpx.Client`` and
``time.sleep`` or with ``httpx.AsyncClient`` and ``asyncio.sleep`` and sends the outcome back. Request building,
parsing, error mapping, retry decisions (asked of :func:`._retry.decide`), long polling, stream resumption,
add-runs reconciliation and logging therefore live here alone; the drivers in ``_drivers.py`` only send, read and
sleep.

Logging goes to the ``parallel_integrations`` logger: every attempt at DEBUG (method, path, status, attempt,
elapsed), every retry at INFO (why, and the wait), every created run or group at INFO. The API key is in a header
that is never logged.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from . import _limits, _validate
from ._config import ClientConfig
from ._effects import Close, Emit, Flow, Hooks, Read, Send, Sleep, consume
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
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
from ._retry import RateWindow, RetryPolicy, decide
from ._sse import SSEDecoder
from ._version import __version__

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

logger = logging.getLogger("parallel_integrations")

MAX_SERVER_WAIT = 600
"""The longest single ``/result`` long poll we ask the server for (its documented default)."""
POLL_READ_MARGIN = 30.0
"""Extra read timeout on a long poll beyond the wait asked of the server, so the server's 408 arrives first."""

_RUN_ID_IN_TEXT = r'"run_id"\s*:\s*"([^"\\]+)"'  # compiled on first use (``re`` caches it), not at import

BETA_MCP = "mcp-server-2025-07-17"
BETA_EVENTS = "events-sse-2025-07-24"
BETA_WEBHOOK = "webhook-2025-08-12"

_PATHS = {
    "seed": {"search": "/alpha/search", "groups": "/v1beta/tasks/groups", "run_events": "/v1beta/tasks/runs"},
    "current": {"search": "/v1/search", "groups": "/v1/tasks/groups", "run_events": "/v1/tasks/runs"},
}


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

    def __init__(self, config: ClientConfig, *, hooks: Hooks | None = None, pacer: RateWindow | None = None) -> None:
        self.config = config
        self.hooks = hooks or Hooks()
        self.pacer = pacer or RateWindow()
        self.policy = RetryPolicy(max_retry_after=config.max_retry_after)
        self.paths = _PATHS[config.endpoints]
        self._headers = _Headers(
            {
                "x-api-key": config.api_key.get(),
                "user-agent": f"parallel-integrations/{__version__}",
                "accept": "application/json",
            }
        )
        self._timeout = httpx.Timeout(config.timeout, connect=min(5.0, config.timeout)).as_dict()

    def changed(self, config: ClientConfig) -> Core:
        """A core with other settings that shares this one's hooks and its creation pacer (the API's rate limit
        is per key, not per client object)."""
        return type(self)(config, hooks=self.hooks, pacer=self.pacer)

    def __repr__(self) -> str:
        config = getattr(self, "config", None)
        if config is None:
            return f"{type(self).__name__}(<not configured>)"
        return f"{type(self).__name__}(base_url={config.base_url!r}, endpoints={config.endpoints!r})"

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
        """Send once, retrying what is safe to retry, and parse the body. A creation request is re-sent only when
        the server cannot have acted on it (429, or a connection never established); otherwise ``_Ambiguous`` is
        raised. A success whose body does not parse is :class:`APIResponseValidationError`."""
        request = self.build_request(method, path, body=body, params=params, betas=betas, read_timeout=read_timeout)
        budget = self.config.timeout if read_timeout is None else max(self.config.timeout, read_timeout)
        response = yield from self.send(request, creation=creation, long_poll=long_poll, deadline=budget)
        try:
            return parse(response.content)
        except ValueError as exc:  # pydantic's ValidationError and json's errors are ValueErrors
            raise self.invalid_body(response.status_code, request, response.content, exc) from None

    def invalid_body(
        self, status_code: int, request: httpx.Request, content: bytes | str, exc: Exception
    ) -> APIResponseValidationError:
        """The error for a success status whose body is not what the API promises; a run id in it is kept."""
        run_id = None
        try:
            data = json.loads(content)
        except ValueError:
            # A truncated answer may still name the run it created: keep it, so the run can be found.
            text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
            found = re.search(_RUN_ID_IN_TEXT, text)
            data = {"run_id": found.group(1)} if found else None
        if isinstance(data, dict) and isinstance(data.get("run_id"), str):
            run_id = data["run_id"]
        first = exc.errors()[0] if isinstance(exc, ValidationError) else None
        if first is None or first["type"] == "json_invalid":
            problem = f"not JSON: {first['msg'] if first else exc}"
        else:
            problem = f"{'.'.join(str(p) for p in first['loc']) or 'body'}: {first['msg']}"
        url = str(request.url.copy_with(query=None))
        return APIResponseValidationError(
            problem, status_code=status_code, method=request.method, url=url, body=content, run_id=run_id
        )

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        creation: bool = False,
        long_poll: bool = False,
        deadline: float | None = None,
    ) -> Flow[Any]:
        """The one attempt loop: send ``request`` until it succeeds or :func:`decide` says to stop, and return
        the response (for ``stream``, the open stream handle). ``deadline`` bounds each attempt, body included.
        A long poll's 408 is the caller's to handle; a creation request the server may have acted on raises
        ``_Ambiguous``."""
        attempt = 0
        clock = self.hooks.clock
        debug = logger.isEnabledFor(logging.DEBUG)  # the hot path pays nothing for the log when it is off
        while True:
            if creation:
                wait = self.pacer.reserve(clock())
                if wait > 0:
                    logger.info("pacing: %s %s waits %.2f s for the rate limit", request.method, request.url.path, wait)
                    yield Sleep(wait)
            started = clock() if debug else 0.0
            failure: ParallelError | None = None
            try:
                answer = yield Send(request, stream=stream, deadline=deadline)
            except APIConnectionError as exc:
                failure = exc
            if debug:
                outcome = type(failure).__name__ if failure else (answer.response if stream else answer).status_code
                elapsed = clock() - started
                logger.debug(
                    "%s %s -> %s (attempt %d, %.3f s)", request.method, request.url.path, outcome, attempt + 1, elapsed
                )
            if failure is None:
                response = answer.response if stream else answer
                if response.is_success:
                    return answer
                failure = self.status_error(response)
            decision = decide(
                failure,
                attempt,
                max_retries=self.config.max_retries,
                policy=self.policy,
                rand=self.hooks.rand,
                creation=creation,
                long_poll=long_poll,
            )
            if decision.action == "ambiguous":
                raise _Ambiguous(failure)
            if decision.action == "raise":
                raise failure
            logger.info(
                "retrying %s %s in %.2f s (retry %d of %d): %s",
                request.method,
                request.url.path,
                decision.delay,
                attempt + 1,
                self.config.max_retries,
                decision.reason,
            )
            yield Sleep(decision.delay)
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
        """``POST /alpha/search`` (or ``/v1/search`` with its nested body on the current endpoints, keyword queries
        derived from the objective when none are given)."""
        policy = None
        if source_policy is not None:
            from ._models import SourcePolicy

            policy = build_model(SourcePolicy, source_policy, "source_policy").to_wire()
        fields: dict[str, Any] = {
            "objective": objective,
            "search_queries": search_queries,
            "processor": processor,
            "max_results": max_results,
            "max_chars_per_result": max_chars_per_result,
            "source_policy": policy,
        }
        _limits.check_search(**fields)
        body = _search_body()(self.config.endpoints, **fields)
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
            created = yield from self.request(
                "POST",
                "/v1/tasks/runs",
                TaskRun.model_validate_json,
                body=run.to_wire(),
                betas=betas_for([run], betas),
                creation=True,
            )
        except _Ambiguous as ambiguous:
            raise RunCreationUncertainError(run, ambiguous.cause) from ambiguous.cause
        logger.info("created task run %s (processor %s)", created.run_id, run.processor)
        return created

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
        start = self.hooks.clock()
        while True:
            wait = MAX_SERVER_WAIT
            if timeout is not None:
                remaining = start + timeout - self.hooks.clock()
                if remaining <= 0:
                    raise TaskRunTimeoutError(run_id, self.hooks.clock() - start)
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
        group = yield from self.request("POST", self.group_path(), TaskGroup.model_validate_json, body=body)
        logger.info("created task group %s", group.taskgroup_id)
        return group

    def retrieve_group(self, taskgroup_id: str) -> Flow[TaskGroup]:
        """``GET /v1beta/tasks/groups/{taskgroup_id}``."""
        return (yield from self.request("GET", self.group_path(taskgroup_id), TaskGroup.model_validate_json))

    def retrieve_group_run(self, taskgroup_id: str, run_id: str) -> Flow[TaskRun]:
        """``GET /v1beta/tasks/groups/{taskgroup_id}/runs/{run_id}``."""
        path = self.group_path(taskgroup_id, f"/runs/{_id(run_id)}")
        return (yield from self.request("GET", path, TaskRun.model_validate_json))

    def group_inputs(self, inputs: Iterable[TaskRunInput | Mapping[str, Any]], start: int = 0) -> list[TaskRunInput]:
        """Validate every run input of an add-runs call before anything is sent. ``start`` is the position of the
        first of them among all the caller's inputs (a batch validates 1,000 at a time), so errors name the
        caller's index."""
        runs = [self.run_input(item, f"inputs[{i}]") for i, item in enumerate(inputs, start)]
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
                added = yield from self.request(
                    "POST", path, TaskGroupRunResponse.model_validate_json, body=body, betas=betas, creation=True
                )
            except _Ambiguous as ambiguous:
                cause = ambiguous.cause
            else:
                _log_added(taskgroup_id, added.run_ids)
                return added
            # The request may have landed: the group's run count tells. If that cannot be read either, what was
            # sent is handed back rather than a connection error that invites a resubmit.
            try:
                now = (yield from self.retrieve_group(taskgroup_id)).status.num_task_runs
                if now == known_count + len(chunk):
                    run_ids = yield from self._run_ids_after(taskgroup_id, known_count, len(chunk))
                    group = yield from self.retrieve_group(taskgroup_id)
                    _log_added(taskgroup_id, run_ids)
                    return TaskGroupRunResponse(status=group.status, run_ids=run_ids)
            except ParallelError as unreachable:
                raise RunCreationUncertainError(list(chunk), cause) from unreachable
            decision = decide(
                cause, resends, max_retries=self.config.max_retries, policy=self.policy, rand=self.hooks.rand
            )
            if now != known_count or decision.action != "retry":
                raise RunCreationUncertainError(list(chunk), cause) from cause
            logger.info(
                "re-sending %d runs to %s in %.2f s: they did not land (%s)",
                len(chunk),
                taskgroup_id,
                decision.delay,
                decision.reason,
            )
            yield Sleep(decision.delay)
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

        yield from consume(self.group_runs(taskgroup_id), take)
        return ids

    # streams ---------------------------------------------------------------------------------------------------

    def group_events(self, taskgroup_id: str, last_event_id: str | None = None) -> Flow[None]:
        """``GET …/groups/{id}/events``: followed (and resumed) until the group is no longer active."""
        path = self.group_path(taskgroup_id, "/events")
        return self.stream(path, {"last_event_id": last_event_id}, resumable=True, until_inactive=True)

    def group_runs(
        self,
        taskgroup_id: str,
        status: str | None = None,
        include_input: bool = False,
        include_output: bool = False,
        last_event_id: str | None = None,
    ) -> Flow[None]:
        """``GET …/groups/{id}/runs``: a finite snapshot, resumed after a dropped connection."""
        params = {
            "status": status,
            "include_input": include_input or None,
            "include_output": include_output or None,
            "last_event_id": last_event_id,
        }
        return self.stream(self.group_path(taskgroup_id, "/runs"), params, resumable=True, until_inactive=False)

    def run_events(self, run_id: str) -> Flow[None]:
        """``GET …/tasks/runs/{id}/events`` (beta): a run's progress; the API cannot resume it."""
        path = f"{self.paths['run_events']}/{_id(run_id)}/events"
        return self.stream(path, {}, betas=[BETA_EVENTS], resumable=False, until_inactive=False)

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
                        try:
                            event: GroupEvent = parse_event(sse.data)
                        except ValueError as exc:
                            raise self.invalid_body(200, request, sse.data, exc) from None
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
            except APIConnectionError as exc:
                yield Close(handle)
                if not resumable:
                    raise
                yield from self._reconnect_wait(exc, failures, path)
                failures += 1
                continue
            yield Close(handle)
            if not until_inactive or not group_active:
                return
            if received == 0:
                # Closed at once while the group is said to be active: reconnect, but not forever.
                if failures >= self.config.max_retries:
                    return
                yield Sleep(self.policy.backoff(failures, self.hooks.rand))
                failures += 1

    def _reconnect_wait(self, cut: APIConnectionError, failures: int, path: str) -> Flow[None]:
        """Wait before reconnecting a dropped stream, or raise ``cut`` when :func:`decide` gives up."""
        decision = decide(cut, failures, max_retries=self.config.max_retries, policy=self.policy, rand=self.hooks.rand)
        if decision.action != "retry":
            raise cut
        logger.info("stream %s dropped; resuming in %.2f s: %s", path, decision.delay, decision.reason)
        yield Sleep(decision.delay)


def _log_added(taskgroup_id: str, run_ids: Sequence[str]) -> None:
    if run_ids and logger.isEnabledFor(logging.INFO):
        logger.info("added %d runs to %s: %s", len(run_ids), taskgroup_id, " ".join(run_ids))


@functools.cache
def _search_body() -> Callable[..., dict[str, Any]]:
    # Imported on the first search, so start-up pays only for what is used; cached, so each search pays nothing.
    from ._search import search_body

    return search_body


def _id(value: str) -> str:
    return _validate.path_id(value, "id")


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
