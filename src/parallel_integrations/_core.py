"""The client's core, written once for sync and async.

Every operation is a *flow*: a generator that builds requests and yields effects (:class:`Send`, :class:`Sleep`,
:class:`Read`, :class:`Close`, :class:`Emit`) to a driver, which performs them with ``httpx.Client`` and
``time.sleep`` or with ``httpx.AsyncClient`` and ``asyncio.sleep`` and sends the outcome back. Request building,
parsing, error mapping, retry decisions (asked of :func:`._retry.decide`), long polling, stream resumption,
add-runs reconciliation and logging therefore live in the flows alone; the drivers in ``_drivers.py`` only send,
read and sleep.

:class:`Core` holds what every flow shares: building a request, the one attempt loop (:meth:`Core.request`,
:meth:`Core.send`), event streams with their resumption, and the search flow. The task-run flows are functions of
the core in ``_run_flows.py``, the task-group flows in ``_group_flows.py``.

Logging goes to the ``parallel_integrations`` logger: every attempt at DEBUG (method, path, status, attempt,
elapsed), every retry at INFO (why, and the wait), every created run or group at INFO, a group creation retried
after a failure the server may have acted on at WARNING. The API key is in a header that is never logged.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from pydantic_core import SchemaError as PydanticSchemaError

from . import _limits, _validate
from ._config import ClientConfig
from ._effects import Close, Emit, Flow, Hooks, Read, Send, Sleep
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    ParallelError,
    ParallelValidationError,
    StreamError,
    error_from_response,
    raise_interrupt_behind,
)
from ._models import ErrorEvent, GroupEvent, SearchResponse, TaskGroupStatusEvent, TaskRunInput, event_adapter
from ._retry import RateWindow, RetryPolicy, decide
from ._sse import SSEDecoder
from ._version import __version__

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

logger = logging.getLogger("parallel_integrations")

_RUN_ID_IN_TEXT = r'"run_id"\s*:\s*"([^"\\]+)"'  # compiled on first use (``re`` caches it), not at import

BETA_MCP = "mcp-server-2025-07-17"
BETA_EVENTS = "events-sse-2025-07-24"
BETA_WEBHOOK = "webhook-2025-08-12"

_PATHS = {
    "seed": {"search": "/alpha/search", "groups": "/v1beta/tasks/groups", "run_events": "/v1beta/tasks/runs"},
    "current": {"search": "/v1/search", "groups": "/v1/tasks/groups", "run_events": "/v1/tasks/runs"},
}


class Ambiguous(Exception):
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
    except PydanticSchemaError as exc:  # the model's first use builds its validator: a Ctrl-C comes out wrapped
        raise_interrupt_behind(exc)
        raise


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


class _Headers(dict[str, str]):
    """Request headers whose repr hides the API key, so a traceback that shows locals cannot leak it."""

    def __repr__(self) -> str:
        return repr({k: ("**********" if k == "x-api-key" else v) for k, v in self.items()})

    __str__ = __repr__


# --- the core -------------------------------------------------------------------------------------------------


class Core:
    """Request building, parsing, error mapping, the attempt loop, event streams and search; the flows of
    ``_run_flows.py`` and ``_group_flows.py`` send through it. One per client (and per ``with_options`` copy);
    holds no connection."""

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
        leftover: str | None = None,
        long_poll: bool = False,
    ) -> Flow[T]:
        """Send once, retrying what is safe to retry, and parse the body. A creation request is re-sent only when
        the server cannot have acted on it (429, or a connection never established); otherwise ``Ambiguous`` is
        raised. ``leftover`` is for a creation that is re-sent all the same (see :meth:`send`). A success whose
        body does not parse is :class:`APIResponseValidationError`."""
        request = self.build_request(method, path, body=body, params=params, betas=betas, read_timeout=read_timeout)
        budget = self.config.timeout if read_timeout is None else max(self.config.timeout, read_timeout)
        response = yield from self.send(
            request, creation=creation, leftover=leftover, long_poll=long_poll, deadline=budget
        )
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
        leftover: str | None = None,
        long_poll: bool = False,
        deadline: float | None = None,
    ) -> Flow[Any]:
        """The one attempt loop: send ``request`` until it succeeds or :func:`decide` says to stop, and return
        the response (for ``stream``, the open stream handle). ``deadline`` bounds each attempt, body included.
        A long poll's 408 is the caller's to handle; a creation request the server may have acted on raises
        ``Ambiguous``.

        ``leftover`` marks a creation request (not paced: the rate limit does not count it) that is retried like a
        read even when the server may have acted on it, because what that can leave behind costs nothing; it
        names that thing ("an empty task group"), and each such retry logs a WARNING saying it may exist."""
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
            ask = functools.partial(
                decide,
                failure,
                attempt,
                max_retries=self.config.max_retries,
                policy=self.policy,
                rand=self.hooks.rand,
                long_poll=long_poll,
            )
            decision = ask(creation=creation or leftover is not None)
            if decision.action == "ambiguous":
                if leftover is None:
                    raise Ambiguous(failure)
                decision = ask()  # retried like a read, and said
                if decision.action == "retry":
                    logger.warning(
                        "%s %s is retried after a failure the server may have acted on (%s): %s may have been "
                        "left behind",
                        request.method,
                        request.url.path,
                        failure,
                        leftover,
                    )
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

    # paths -----------------------------------------------------------------------------------------------------

    def group_path(self, taskgroup_id: str | None = None, suffix: str = "") -> str:
        """The path of the groups collection, of one group, or of something under a group."""
        base = self.paths["groups"]
        return base if taskgroup_id is None else f"{base}/{url_id(taskgroup_id)}{suffix}"

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
        path = f"{self.paths['run_events']}/{url_id(run_id)}/events"
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


@functools.cache
def _search_body() -> Callable[..., dict[str, Any]]:
    # Imported on the first search, so start-up pays only for what is used; cached, so each search pays nothing.
    from ._search import search_body

    return search_body


def url_id(value: str) -> str:
    """An id as it goes into a request path (percent-encoded; one that would change the URL is refused)."""
    return _validate.path_id(value, "id")


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
