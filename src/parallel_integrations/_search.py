"""The search request's body, for either generation of the API's paths, and the keyword queries derived from an
objective when the caller gave none.

The seed's ``POST /alpha/search`` takes the arguments as they are. Today's ``POST /v1/search`` nests
``max_results``, ``source_policy`` and the excerpt size under ``advanced_settings``, names the processor ``mode``
and requires at least one keyword query: :func:`derive_queries` makes them from the objective, so
``client.search(objective)`` works on both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["derive_queries", "search_body"]

_SEARCH_MODES = {"base": "basic", "pro": "advanced"}
_MAX_QUERIES = 5
_MAX_QUERY_CHARS = 200
_WORDS_PER_QUERY = 8
_WORD = re.compile(r"[^\W_][\w+#.'/-]*")
_CLAUSE_END = re.compile(r"[.?!;:\n]+(?:\s|$)")
_FUNCTION_WORDS = """
    a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few find for from further get give had has
    have having he her here hers how i if in into is it its just latest look looking me more most my need no nor
    not now of off on once only or other our out over own please same search she should show so some such tell
    than that the their them then there these they this those through to too under until up us very want was we
    were what when where which while who whom why will with would you your"""
_STOP_WORDS = frozenset(_FUNCTION_WORDS.split())


def derive_queries(objective: str) -> list[str]:
    """Keyword queries for ``objective``, for an endpoint that requires them (deterministic: the same objective
    always gives the same queries).

    Words are runs of letters and digits (keeping ``.+#'/-`` inside a word, so ``functools.wraps`` or ``C++``
    stay whole); common English function words (``the``, ``how``, ``find``...) are dropped. The first query is the
    first 8 remaining words of the whole objective, without repeats; then one query per clause (split at ``.?!;:``
    and line breaks) that gives a different one, up to 5 queries of at most 200 characters. An objective with no
    remaining word is its own single query (cut to 200 characters).
    """
    queries: list[str] = []
    for text in [objective, *(part for part in _CLAUSE_END.split(objective) if part.strip())]:
        query = _keywords(text)
        if query and query not in queries:
            queries.append(query)
        if len(queries) == _MAX_QUERIES:
            break
    return queries or [objective.strip()[:_MAX_QUERY_CHARS]]


def _keywords(text: str) -> str:
    seen: dict[str, str] = {}
    for match in _WORD.finditer(text):
        word = match.group().rstrip(".'/-")
        key = word.lower()
        if key in _STOP_WORDS or key in seen or (len(word) == 1 and not word.isdigit()):
            continue
        seen[key] = word
        if len(seen) == _WORDS_PER_QUERY:
            break
    query = ""
    for word in seen.values():
        if len(query) + len(word) + 1 > _MAX_QUERY_CHARS:
            break
        query = f"{query} {word}" if query else word
    return query


def search_body(
    endpoints: str,
    *,
    objective: str | None,
    search_queries: Sequence[str] | None,
    processor: str | None,
    max_results: int | None,
    max_chars_per_result: int | None,
    source_policy: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The JSON body of a search on the ``"seed"`` or ``"current"`` paths (arguments already checked)."""
    body: dict[str, Any]
    if endpoints == "seed":
        body = {
            "objective": objective,
            "search_queries": list(search_queries) if search_queries else None,
            "processor": processor,
            "max_results": max_results,
            "max_chars_per_result": max_chars_per_result,
            "source_policy": source_policy,
        }
    else:
        settings = {
            "source_policy": source_policy,
            "max_results": max_results,
            "excerpt_settings": {"max_chars_per_result": max_chars_per_result} if max_chars_per_result else None,
        }
        body = {
            "objective": objective,
            "search_queries": list(search_queries) if search_queries else derive_queries(objective or ""),
            "mode": _SEARCH_MODES.get(processor or ""),
            "advanced_settings": {k: v for k, v in settings.items() if v is not None} or None,
        }
    return {k: v for k, v in body.items() if v is not None}
