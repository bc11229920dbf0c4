"""The SSE decoder under random chunking and garbage lines, and the emulator under fuzzed request bodies.

- The decoder gives the same events however the bytes are split, ignores comments and unknown fields, and never
  raises on arbitrary bytes.
- The emulator answers any body on any route with a 2xx or a 4xx in the API's error shape, never a 5xx, and keeps
  serving."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallel_integrations._sse import SSEDecoder, encode_comment, encode_event
from parallel_integrations.emulator.server import RunningEmulator

_payloads = st.lists(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
        lambda inner: st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    ).map(json.dumps),
    min_size=0,
    max_size=8,
)
_garbage_lines = st.sampled_from(
    [b": keepalive\n", b"foo: bar\n", b"nonsense without a colon\n", b"retry: soon\n", b":\n", b"x-extra:1\n"]
)
_line_endings = st.sampled_from([b"\n", b"\r\n", b"\r"])


def _decode(stream: bytes, cuts: list[int]) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = []
    start = 0
    for cut in [*sorted(set(cuts)), len(stream)]:
        events += decoder.feed(stream[start:cut])
        start = cut
    events += decoder.flush()
    return [(event.event, event.data) for event in events]


@given(
    payloads=_payloads,
    garbage=st.lists(_garbage_lines, max_size=6),
    ending=_line_endings,
    bom=st.booleans(),
    data=st.data(),
)
def test_events_survive_any_chunking_and_garbage_lines(
    payloads: list[str], garbage: list[bytes], ending: bytes, bom: bool, data: st.DataObject
) -> None:
    pieces = [encode_event(payload, event="message") for payload in payloads]
    for index, line in enumerate(garbage):  # garbage lines between events, ended by a blank line
        pieces.insert(data.draw(st.integers(0, len(pieces))), line + b"\n" if index % 2 else encode_comment())
    stream = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces).replace(b"\n", ending)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=20))
    decoded = _decode(stream, cuts)
    assert [d for _, d in decoded if d] == payloads  # every event once, in order, whatever the split
    assert decoded == _decode(stream, [])
    assert decoded == _decode(stream, list(range(len(stream))))  # one byte at a time


@given(noise=st.binary(max_size=300), data=st.data())
def test_arbitrary_bytes_never_break_the_decoder(noise: bytes, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(noise)), max_size=10))
    assert _decode(noise, cuts) == _decode(noise, [])


ROUTES = [
    ("POST", "/alpha/search"),
    ("POST", "/v1/search"),
    ("POST", "/v1/tasks/runs"),
    ("POST", "/v1beta/tasks/groups"),
    ("POST", "/v1beta/tasks/groups/{gid}/runs"),
    ("GET", "/v1/tasks/runs/{rid}/result"),
    ("GET", "/v1beta/tasks/groups/{gid}/runs"),
    ("GET", "/v1beta/tasks/groups/{gid}/events"),
]

_bodies = st.one_of(
    st.binary(max_size=200),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=15), inner, max_size=4)),
        max_leaves=10,
    ).map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "objective": st.one_of(st.text(max_size=20), st.integers(), st.none()),
            "input": st.one_of(st.text(max_size=20), st.dictionaries(st.text(max_size=4), st.integers())),
            "processor": st.one_of(st.sampled_from(["lite", "base", "nope", ""]), st.integers()),
            "inputs": st.lists(st.dictionaries(st.sampled_from(["input", "processor", "x"]), st.text(max_size=5))),
            "max_results": st.one_of(st.integers(), st.text(max_size=3)),
            "search_queries": st.one_of(st.lists(st.text(max_size=10)), st.text(max_size=5)),
            "task_spec": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5))),
            "metadata": st.dictionaries(st.text(max_size=5), st.one_of(st.text(max_size=5), st.lists(st.none()))),
        },
    ).map(lambda value: json.dumps(value).encode()),
)
_queries = st.dictionaries(
    st.sampled_from(["timeout", "last_event_id", "status", "include_input", "include_output", "junk"]),
    st.one_of(st.text(max_size=6), st.sampled_from(["-1", "0", "1e9", "nan", "true", "2"])),
    max_size=3,
)


def _api_error_shape(body: Any) -> bool:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return isinstance(body["error"].get("message"), str)
    if isinstance(body, dict) and isinstance(body.get("detail"), list):  # FastAPI's 422 on task-group routes
        return all(isinstance(item, dict) and "loc" in item and "msg" in item for item in body["detail"])
    return False


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
@given(body=_bodies, query=_queries, content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_fuzzed_requests_get_a_2xx_or_a_4xx_in_the_api_shape_never_a_5xx(
    emulator: RunningEmulator, method: str, route: str, body: bytes, query: dict[str, str], content_type: str
) -> None:
    with httpx.Client(base_url=emulator.base_url, headers={"x-api-key": "k"}, timeout=30) as http:
        gid = http.post("/v1beta/tasks/groups", json={}).json()["taskgroup_id"]
        rid = http.post("/v1/tasks/runs", json={"input": "x", "processor": "lite"}).json()["run_id"]
        path = route.format(gid=gid, rid=rid)
        headers = {"content-type": content_type} if content_type else {}
        if method == "GET":
            query = {**query, "timeout": "1"} if "result" in path else query  # a result wait stays short
            response = http.get(path, params=query)
        else:
            response = http.post(path, content=body, headers=headers, params=query)
        assert response.status_code < 500, response.text[:300]
        if response.status_code >= 400 and response.status_code != 408:
            assert _api_error_shape(response.json()), response.text[:300]
        assert http.get("/_emulator/health").status_code == 200  # still serving
