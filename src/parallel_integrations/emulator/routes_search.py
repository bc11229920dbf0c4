"""Search routes over the corpus: ``/alpha/search`` and ``/v1beta/search`` (the seed's body) and ``/v1/search``
(``search_queries`` required, settings under ``advanced_settings``, ``session_id`` in the answer).

The ``/v1beta`` route also reads the later beta fields (``excerpts.max_chars_per_result``,
``excerpts.max_chars_total``); in the ``excerpts`` and ``advanced_settings`` forms a character budget below 1,000
is raised to 1,000, as the API does.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._errors import ParallelValidationError
from .._limits import check_search
from .._models import SearchResponse, SearchResult, SourcePolicy
from .handlers import Context, endpoint, json_body, json_response
from .wire import ApiError, new_id

__all__ = ["search_routes"]

DEFAULT_MAX_RESULTS = 10
DEFAULT_MAX_CHARS_PER_RESULT = 1500
BUDGET_FLOOR = 1000
V1_MODES = ("basic", "advanced", "fast", "turbo")


class _Request(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Excerpts(_Request):
    max_chars_per_result: int | None = None
    max_chars_total: int | None = None


class SeedSearchBody(_Request):
    """The ``/alpha/search`` and ``/v1beta/search`` body."""

    objective: str | None = None
    search_queries: list[str] | None = None
    processor: str | None = None
    max_results: int | None = None
    max_chars_per_result: int | None = None
    source_policy: SourcePolicy | None = None
    excerpts: _Excerpts | bool | None = None


class _ExcerptSettings(_Request):
    max_chars_per_result: int | None = None


class _AdvancedSettings(_Request):
    source_policy: SourcePolicy | None = None
    excerpt_settings: _ExcerptSettings | None = None
    max_results: int | None = None


class V1SearchBody(_Request):
    """The ``/v1/search`` body."""

    search_queries: list[str] = Field(min_length=1)
    objective: str | None = None
    mode: str | None = None
    max_chars_total: int | None = None
    session_id: str | None = None
    advanced_settings: _AdvancedSettings | None = None


def _floor(value: int | None) -> int | None:
    return None if value is None else max(value, BUDGET_FLOOR)


def _within_total(results: list[SearchResult], total: int | None) -> list[SearchResult]:
    """Trim excerpts, best results first, so all of them together hold at most ``total`` characters."""
    if total is None:
        return results
    left = total
    kept: list[SearchResult] = []
    for result in results:
        excerpts: list[str] = []
        for excerpt in result.excerpts:
            if left <= 0:
                break
            excerpts.append(excerpt[:left])
            left -= len(excerpts[-1])
        if not excerpts:
            break
        kept.append(result.model_copy(update={"excerpts": excerpts}))
    return kept


def search_routes(ctx: Context) -> list[Route]:
    """The search routes, bound to ``ctx``."""
    engine = ctx.engine

    def run_search(
        *,
        objective: str | None,
        queries: list[str],
        max_results: int,
        max_chars: int,
        policy: SourcePolicy | None,
    ) -> list[SearchResult]:
        include = (policy.include_domains or []) if policy else []
        exclude = (policy.exclude_domains or []) if policy else []
        hits = engine.corpus.search(
            objective=objective,
            queries=tuple(queries),
            max_results=max_results,
            max_chars_per_result=max_chars,
            include_domains=tuple(include),
            exclude_domains=tuple(exclude) if not include else (),
        )
        return [
            SearchResult(url=h.url, title=h.title, excerpts=list(h.excerpts), publish_date=h.publish_date) for h in hits
        ]

    @endpoint()
    async def seed_search(request: Request) -> Response:
        body = SeedSearchBody.model_validate(await json_body(request))
        excerpts = body.excerpts if isinstance(body.excerpts, _Excerpts) else None
        per_result = _floor(excerpts.max_chars_per_result) if excerpts else None
        per_result = per_result or body.max_chars_per_result
        policy = body.source_policy.to_wire() if body.source_policy else None
        check_search(
            objective=body.objective,
            search_queries=body.search_queries,
            processor=body.processor,
            max_results=body.max_results,
            max_chars_per_result=per_result,
            source_policy=policy,
        )
        results = run_search(
            objective=body.objective,
            queries=body.search_queries or [],
            max_results=body.max_results or DEFAULT_MAX_RESULTS,
            max_chars=per_result or DEFAULT_MAX_CHARS_PER_RESULT,
            policy=body.source_policy,
        )
        results = _within_total(results, _floor(excerpts.max_chars_total) if excerpts else None)
        answer = SearchResponse(search_id=new_id("search"), results=results)
        return _answer(answer, exclude={"session_id"})

    @endpoint()
    async def v1_search(request: Request) -> Response:
        body = V1SearchBody.model_validate(await json_body(request))
        if body.mode is not None and body.mode not in V1_MODES:
            msg = f"Input should be one of {', '.join(V1_MODES)}"
            raise ApiError(422, f"mode: {msg}", errors=[{"loc": ["body", "mode"], "msg": msg, "type": "enum"}])
        settings = body.advanced_settings or _AdvancedSettings()
        per_result = _floor(settings.excerpt_settings.max_chars_per_result) if settings.excerpt_settings else None
        policy = settings.source_policy.to_wire() if settings.source_policy else None
        try:
            check_search(
                objective=body.objective,
                search_queries=body.search_queries,
                processor=None,
                max_results=settings.max_results,
                max_chars_per_result=per_result,
                source_policy=policy,
            )
        except ParallelValidationError as exc:
            if exc.field in ("max_results", "source_policy") or exc.field.startswith("source_policy"):
                exc = ParallelValidationError(f"advanced_settings.{exc.field}", exc.problem, limit=exc.limit)
            raise exc from None
        results = run_search(
            objective=body.objective,
            queries=body.search_queries,
            max_results=settings.max_results or DEFAULT_MAX_RESULTS,
            max_chars=per_result or DEFAULT_MAX_CHARS_PER_RESULT,
            policy=settings.source_policy,
        )
        results = _within_total(results, _floor(body.max_chars_total))
        answer = SearchResponse(
            search_id=new_id("search"),
            results=results,
            usage=[{"name": "sku_search", "count": 1}],
            session_id=body.session_id or new_id("session"),
        )
        return _answer(answer)

    return [
        Route("/alpha/search", seed_search, methods=["POST"]),
        Route("/v1beta/search", seed_search, methods=["POST"]),
        Route("/v1/search", v1_search, methods=["POST"]),
    ]


def _answer(answer: SearchResponse, exclude: set[str] | None = None) -> Response:
    body: dict[str, Any] = answer.model_dump(mode="json", exclude=exclude)
    return json_response(body)
