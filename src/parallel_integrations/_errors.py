"""The error tree. Every failure the package reports is a :class:`ParallelError`::

    ParallelError
    ├── ParallelValidationError (also ValueError)    bad input, refused before any request
    │   └── SchemaError                               a schema the API cannot accept (names the path)
    ├── APIConnectionError                           the server could not be reached or the connection broke
    │   └── APITimeoutError                          no answer within the client's timeout
    ├── APIStatusError                               the API answered with an error status
    │   ├── BadRequestError               400
    │   ├── AuthenticationError           401
    │   ├── InsufficientCreditError       402
    │   ├── PermissionDeniedError         403        (the API's answer to an invalid processor)
    │   ├── NotFoundError                 404
    │   ├── RequestTimeoutError           408        (a result wait ended with the run still active)
    │   ├── ConflictError                 409
    │   ├── UnprocessableEntityError      422        (``errors`` lists every failing field, either body shape)
    │   ├── RateLimitError                429        (``retry_after``: the server's wait, in seconds)
    │   └── InternalServerError           5xx
    ├── APIResponseValidationError                   a 2xx answer that is not what the API promises
    ├── TaskRunFailedError                           the run ended failed or cancelled (``run.error`` says why)
    ├── TaskRunTimeoutError (also TimeoutError)      the caller's deadline passed with the run still active
    ├── RunCreationUncertainError                    a create request may or may not have reached the server
    ├── OutputValidationError                        the answer does not fit the caller's schema
    ├── StreamError                                  the server reported an error inside an SSE stream
    └── WebhookVerificationError                     a webhook delivery failed its signature or time check
        └── WebhookReplayError                       a delivery id that was already received

Messages never contain the API key.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._models import ErrorObject, TaskRun, TaskRunInput

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InsufficientCreditError",
    "InternalServerError",
    "NotFoundError",
    "OutputValidationError",
    "ParallelError",
    "ParallelValidationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "RunCreationUncertainError",
    "SchemaError",
    "StreamError",
    "TaskRunFailedError",
    "TaskRunTimeoutError",
    "UnprocessableEntityError",
    "WebhookReplayError",
    "WebhookVerificationError",
    "error_from_response",
    "interrupt_behind",
    "note_interruption",
    "raise_interrupt_behind",
    "status_error_class",
]


class ParallelError(Exception):
    """Base of every error raised by parallel-integrations."""


class ParallelValidationError(ParallelError, ValueError):
    """Input that breaks a documented rule, refused before any request is sent.

    ``field`` names the offending argument (a dot path for nested values) and ``limit`` the rule, so the message
    reads like ``search_queries[2]: at most 200 characters (got 251)``.
    """

    def __init__(self, field: str, problem: str, *, limit: object = None) -> None:
        self.field = field
        self.problem = problem
        self.limit = limit
        super().__init__(f"{field}: {problem}")


class SchemaError(ParallelValidationError):
    """A JSON schema or pydantic class that the API's schema rules cannot express; ``field`` is its path."""


class APIConnectionError(ParallelError):
    """The request failed before a response arrived (refused, reset, DNS, TLS...).

    ``request_sent`` is false when the connection was never established, so the server cannot have acted on the
    request; a creation request is re-sent only then.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "", request_sent: bool = True) -> None:
        self.method = method
        self.url = url
        self.request_sent = request_sent
        super().__init__(f"{message} ({method} {url})" if method else message)


class APITimeoutError(APIConnectionError):
    """No response within the client's timeout."""


class APIStatusError(ParallelError):
    """The API answered with a non-success status.

    ``status_code``, ``ref_id`` (quote it to Parallel support), ``message`` and ``detail`` come from the error body;
    ``body`` is the parsed body as received; ``retry_after`` is the wait the server asked for in seconds
    (``Retry-After`` as seconds or an HTTP date, or ``retry-after-ms``), ``None`` when it did not say.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        ref_id: str | None = None,
        detail: Any = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.ref_id = ref_id
        self.detail = detail
        self.body = body
        self.headers = headers or {}
        from ._retry import parse_retry_after

        self.retry_after: float | None = parse_retry_after(self.headers)
        suffix = f" (ref_id {ref_id})" if ref_id else ""
        super().__init__(f"{status_code}: {message}{suffix}")


class BadRequestError(APIStatusError):
    """400: the request was malformed."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""


class InsufficientCreditError(APIStatusError):
    """402: not enough credit; credit reserved by in-flight runs counts as spent."""


class PermissionDeniedError(APIStatusError):
    """403: refused; for task runs, the processor name is not valid."""


class NotFoundError(APIStatusError):
    """404: no run or group with that id."""


class RequestTimeoutError(APIStatusError):
    """408: the server's wait for a result ended while the run was still active."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityError(APIStatusError):
    """422: the API rejected the input. ``errors`` lists ``{"loc": [...], "msg": ..., "type": ...}`` entries
    whichever of the API's two 422 body shapes arrived."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        detail = self.detail
        if isinstance(detail, list):
            return [d for d in detail if isinstance(d, dict)]
        if isinstance(detail, dict):
            inner = detail.get("errors")
            if isinstance(inner, list):
                return [d for d in inner if isinstance(d, dict)]
            return [detail]
        return [{"loc": [], "msg": self.message, "type": "value_error"}]


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the wait the server asked for, in seconds, when it said. A wait
    longer than the client's ``max_retry_after`` is not waited out: the error is raised at once."""


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The :class:`APIStatusError` subclass for an HTTP status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def error_from_response(status_code: int, reason: str, content: bytes, headers: Mapping[str, str]) -> APIStatusError:
    """The named error for a failed response. Reads both of the API's error bodies: ``{"type": "error",
    "error": {ref_id, message, detail}}`` and FastAPI's ``{"detail": [{loc, msg, type}]}``."""
    body: Any
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = content.decode("utf-8", "replace")
    message, ref_id, detail = reason or "error", None, None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        message = str(error.get("message") or message)
        ref_id = error.get("ref_id")
        detail = error.get("detail")
    elif isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        message = _summarize_detail(detail)
    elif isinstance(body, str) and body:
        message = body[:500]
    if 300 <= status_code < 400:
        # Never followed: the next hop would receive the API key.
        location = next((v for k, v in headers.items() if k.lower() == "location"), "(no Location header)")
        message = f"redirect to {location} not followed: the API key is only sent to base_url ({message})"
    return status_error_class(status_code)(
        message, status_code=status_code, ref_id=ref_id, detail=detail, body=body, headers=dict(headers)
    )


def _summarize_detail(detail: Any) -> str:
    if isinstance(detail, list):
        parts = []
        for item in detail[:5]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []))
                parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
        return "; ".join(parts) or "validation error"
    return str(detail)


class APIResponseValidationError(ParallelError):
    """A success status whose body is not what the API promises: an HTML page from a proxy, truncated JSON, the
    wrong shape, or a stream event whose data does not parse.

    ``status_code``, ``method`` and ``url`` say which answer; ``body_excerpt`` is the start of the body (at most
    300 characters); ``run_id`` is kept when the body of a run creation still held one, so the run can be found.
    """

    def __init__(
        self, problem: str, *, status_code: int, method: str, url: str, body: bytes | str, run_id: str | None = None
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.url = url
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        self.body_excerpt = text[:300]
        self.run_id = run_id
        where = f" (run {run_id})" if run_id else ""
        super().__init__(
            f"{status_code} from {method} {url}{where}: the body is not what the API promises ({problem}); "
            f"it starts: {self.body_excerpt[:120]!r}"
        )


class TaskRunFailedError(ParallelError):
    """The run ended without an answer: ``failed`` (or ``cancelled``). ``run`` is its final state;
    ``run.error.message`` says why."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.run_id = run.run_id
        reason = run.error.message if run.error is not None and run.error.message else "no reason given"
        super().__init__(f"task run {run.run_id} {run.status}: {reason}")


class TaskRunTimeoutError(ParallelError, TimeoutError):
    """The caller's deadline passed while the run was still active. The run goes on server-side: call
    ``task_runs.result(run_id)`` later to collect it."""

    def __init__(self, run_id: str, waited: float) -> None:
        self.run_id = run_id
        self.waited = waited
        super().__init__(f"task run {run_id} still active after waiting {waited:.1f} s")


class RunCreationUncertainError(ParallelError):
    """A create request failed in a way that leaves unknown whether the server created the run.

    It is not re-sent automatically, because a second run would be paid for twice. ``request`` is what was sent
    (a run input, or the inputs of an add-runs request whose landing could not be established; nothing is lost);
    ``cause`` is the underlying failure. Check your runs (for example by ``metadata``) before creating again.
    """

    def __init__(self, request: TaskRunInput | list[TaskRunInput], cause: BaseException) -> None:
        self.request = request
        self.cause = cause
        super().__init__(
            f"creating the task run may or may not have succeeded ({type(cause).__name__}: {cause}); "
            "it was not re-sent to avoid a duplicate paid run"
        )


class OutputValidationError(ParallelError):
    """The run's output does not validate against the caller's class or schema.

    ``content`` is the raw output as received (nothing is lost), ``errors`` the validation errors, and ``result``
    the whole result when there is one.
    """

    def __init__(self, message: str, *, content: Any, errors: list[dict[str, Any]], result: Any = None) -> None:
        self.content = content
        self.errors = errors
        self.result = result
        super().__init__(message)


class StreamError(ParallelError):
    """The server sent an ``error`` event inside a stream."""

    def __init__(self, error: ErrorObject) -> None:
        self.error = error
        super().__init__(f"stream error: {error.message} (ref_id {error.ref_id})")


class WebhookVerificationError(ParallelError):
    """A webhook delivery is not authentic: missing headers, no matching signature, or a stale timestamp."""


class WebhookReplayError(WebhookVerificationError):
    """A correctly signed delivery whose ``webhook-id`` was already received: a retry or a replay.

    The signature is valid, so answer it with a 2xx (the delivery was handled before) rather than 400, and do not
    act on it again. ``webhook_id`` is the repeated id."""

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"webhook delivery {webhook_id!r} was already received; not processing it twice")
        self.webhook_id = webhook_id


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C behind a pydantic-core ``SchemaError``, as a ``KeyboardInterrupt`` caused by it; ``None`` for any
    other exception.

    The package's models build their validators on first use; pydantic-core reports a ``KeyboardInterrupt`` that
    lands during that build as a ``SchemaError`` naming it, which no ``except KeyboardInterrupt`` would catch."""
    core = sys.modules.get("pydantic_core")
    if core is None or not isinstance(exc, core.SchemaError) or "KeyboardInterrupt" not in str(exc):
        return None
    interrupt = KeyboardInterrupt()
    interrupt.__cause__ = exc
    return interrupt


def raise_interrupt_behind(exc: BaseException) -> None:
    """Raise the Ctrl-C behind ``exc`` (see :func:`interrupt_behind`) when there is one; else return, for the
    caller to re-raise ``exc``."""
    interrupt = interrupt_behind(exc)
    if interrupt is not None:
        raise interrupt from exc


def note_interruption(interrupt: BaseException, note: str) -> None:
    """On a Ctrl-C (``KeyboardInterrupt``, or the cancellation that ``asyncio.run`` turns it into inside a
    coroutine), add ``note`` to the exception and log it at WARNING: the work goes on on the server, and the note
    says how to pick it up again. A Ctrl-C that pydantic-core wrapped (see :func:`interrupt_behind`) is raised
    here, unwrapped and noted; any other exception is left alone, for the caller to re-raise."""
    unwrapped = interrupt_behind(interrupt)
    asyncio = sys.modules.get("asyncio")  # loaded whenever a cancellation can happen; never imported here
    cancelled = asyncio is not None and isinstance(interrupt, asyncio.CancelledError)
    if isinstance(interrupt, KeyboardInterrupt) or cancelled or unwrapped is not None:
        (unwrapped or interrupt).add_note(note)
        logging.getLogger("parallel_integrations").warning("interrupted: %s", note)
    if unwrapped is not None:
        raise unwrapped from interrupt
