"""SSE decoding and encoding: the WHATWG rules, any chunking, and the API's JSON events end to end."""

from __future__ import annotations

import json
import random
import re

import pytest

from parallel_integrations._errors import ParallelValidationError
from parallel_integrations._models import (
    EVENT_ADAPTER,
    ErrorEvent,
    TaskGroupStatusEvent,
    TaskRunEvent,
    UnknownEvent,
)
from parallel_integrations._sse import ServerSentEvent, SSEDecoder, encode_comment, encode_event

E = ServerSentEvent


def decode(chunks: list[bytes]) -> tuple[list[ServerSentEvent], str | None, int | None]:
    """Feed every chunk to one decoder, then flush; return the events, last id and retry."""
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    assert decoder.flush() == []
    return events, decoder.last_event_id, decoder.retry


def events_of(stream: bytes) -> list[ServerSentEvent]:
    return decode([stream])[0]


# --- an independent, literal reading of the spec, used as the oracle for random streams ---------------------


def reference_decode(stream: bytes) -> tuple[list[ServerSentEvent], str | None]:
    text = stream.decode("utf-8", "replace")
    text = text.removeprefix("\ufeff")
    *lines, _unterminated = re.split(r"\r\n|\r|\n", text)
    events: list[ServerSentEvent] = []
    data = ""
    event_type = ""
    event_id: str | None = None
    retry: int | None = None
    last_id = ""
    for line in lines:
        if line == "":
            if data:
                events.append(E(data.removesuffix("\n"), event_type or "message", event_id, retry))
            data, event_type, event_id, retry = "", "", None, None
            continue
        if line.startswith(":"):
            continue
        if ":" in line:
            name, value = line.split(":", 1)
            if value.startswith(" "):
                value = value[1:]
        else:
            name, value = line, ""
        if name == "data":
            data += value + "\n"
        elif name == "event":
            event_type = value
        elif name == "id" and "\x00" not in value:
            event_id = last_id = value
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            retry = int(value)
    return events, last_id or None


# --- the WHATWG examples and rules, with their expected events written from the rules -----------------------

EXAMPLES: dict[str, tuple[bytes, list[ServerSentEvent]]] = {
    "stock ticker, multi-line data": (
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        [E("YHOO\n+2\n10")],
    ),
    "comment, ids and an id reset": (
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
        [E("first event", id="1"), E("second event", id=""), E(" third event")],
    ),
    "empty data lines; unterminated last event discarded": (
        b"data\n\ndata\ndata\n\ndata:",
        [E(""), E("\n")],
    ),
    "space after the colon is optional": (
        b"data:test\n\ndata: test\n\n",
        [E("test"), E("test")],
    ),
    "event types": (
        b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
        [E("73857293", "add"), E("2153", "remove"), E("113411", "add")],
    ),
    "event type reset after every blank line, even without data": (
        b"event: lost\n\ndata: a\n\nevent: x\ndata: b\n\ndata: c\n\n",
        [E("a"), E("b", "x"), E("c")],
    ),
    "empty event field means message": (
        b"event:\ndata: a\n\n",
        [E("a")],
    ),
    "unknown fields, bad names and colon-less lines are ignored": (
        b"foo: bar\ndata : not data\nhello\ndata: kept\n\n",
        [E("kept")],
    ),
    "only the first colon splits, only one space is removed": (
        b"data:  two spaces: a:b\ndata:\ttab\n\n",
        [E(" two spaces: a:b\n\ttab")],
    ),
    "retry": (
        b"retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry:\ndata: c\n\nretry: -5\ndata: d\n\n",
        [E("a", retry=1500), E("b"), E("c"), E("d")],
    ),
    "id containing NUL is ignored": (
        b"id: 7\ndata: a\n\nid: 8\x009\ndata: b\n\n",
        [E("a", id="7"), E("b")],
    ),
    "comments between fields": (
        b"data: a\n: keepalive\ndata: b\n\n: keepalive\n\n",
        [E("a\nb")],
    ),
    "utf-8 text, including 2-, 3- and 4-byte characters": (
        "data: héllo € 𝄞 日本\n\n".encode(),
        [E("héllo € 𝄞 日本")],
    ),
    "invalid utf-8 becomes U+FFFD": (
        b"data: a\xffb\xe2\x82\n\n",
        [E("a\ufffdb\ufffd")],
    ),
    "leading BOM skipped once": (
        b"\xef\xbb\xbfdata: a\n\n",
        [E("a")],
    ),
    "second BOM is part of the field name": (
        b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n",
        [E("b")],
    ),
    "BOM after the start is not skipped": (
        b"data: a\n\n\xef\xbb\xbfdata: b\n\n",
        [E("a")],
    ),
    "truncated BOM is text": (
        b"\xef\xbbdata: a\n\ndata: b\n\n",
        [E("b")],
    ),
    "event without its blank line is discarded": (
        b"data: a\n\ndata: b\n",
        [E("a")],
    ),
    "json data with event name": (
        b'event: task_run.state\ndata: {"type":"task_run.state","event_id":"1"}\n\n',
        [E('{"type":"task_run.state","event_id":"1"}', "task_run.state")],
    ),
}


def with_line_endings(stream: bytes, ending: bytes) -> bytes:
    return stream.replace(b"\n", ending)


ENDINGS = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r"}
CASES = [
    pytest.param(with_line_endings(stream, ending), expected, id=f"{name} [{label}]")
    for name, (stream, expected) in EXAMPLES.items()
    for label, ending in ENDINGS.items()
]


@pytest.mark.parametrize(("stream", "expected"), CASES)
def test_examples_whole(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert events_of(stream) == expected
    assert reference_decode(stream)[0] == expected  # the oracle agrees with the hand-written answers


@pytest.mark.parametrize(("stream", "expected"), CASES)
def test_examples_split_at_every_byte(stream: bytes, expected: list[ServerSentEvent]) -> None:
    whole = decode([stream])
    for i in range(len(stream) + 1):
        assert decode([stream[:i], stream[i:]]) == whole, f"split at byte {i}"
    assert decode([stream[i : i + 1] for i in range(len(stream))]) == whole
    assert whole[0] == expected


def test_last_event_id_persists_across_events_and_clears_on_empty_id() -> None:
    decoder = SSEDecoder()
    assert decoder.last_event_id is None
    assert decoder.feed(b"id: 41\ndata: a\n\ndata: b\n\n") == [E("a", id="41"), E("b")]
    assert decoder.last_event_id == "41"
    assert decoder.feed(b"id: 42\n\n") == []  # no data: nothing dispatched, but the id is kept
    assert decoder.last_event_id == "42"
    decoder.feed(b"id: x\x00y\ndata: c\n\n")
    assert decoder.last_event_id == "42"
    decoder.feed(b"id\ndata: d\n\n")
    assert decoder.last_event_id is None


def test_retry_without_data_is_remembered_by_the_decoder() -> None:
    decoder = SSEDecoder()
    assert decoder.retry is None
    assert decoder.feed(b"retry: 3000\n\n") == []
    assert decoder.retry == 3000
    assert decoder.feed("retry: ١٢\ndata: a\n\n".encode()) == [E("a")]  # non-ASCII digits are not digits
    assert decoder.retry == 3000


def test_cr_then_lf_in_the_next_chunk_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    # Were the LF a second line ending, the blank line would dispatch "a" alone before "b" arrives.
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [E("a\nb")]


def test_cr_chunk_followed_by_empty_chunk_keeps_the_pending_lf_rule() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\r")
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\ndata: b\n\n") == [E("a\nb")]


def test_feed_returns_only_completed_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\n\ndata: tw") == [E("one")]
    assert decoder.feed(b"o\n") == []
    assert decoder.feed(b"\n") == [E("two")]


def test_flush_discards_the_partial_event_and_readies_the_next_connection() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef\xbb\xbfid: 5\nretry: 10\ndata: a\n\ndata: partial\nevent: x\ndata: unterminated") == [
        E("a", id="5", retry=10)
    ]
    assert decoder.flush() == []
    # A new connection: its BOM is skipped, nothing of the dropped event leaks in, the id and retry stay.
    assert decoder.feed(b"\xef\xbb\xbfdata: b\n\n") == [E("b")]
    assert decoder.last_event_id == "5"
    assert decoder.retry == 10


def test_flush_forgets_a_trailing_cr() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a\r")
    decoder.flush()
    assert decoder.feed(b"\ndata: b\n\n") == [E("b")]  # the LF opens the new connection with a blank line


def test_a_long_line_over_many_chunks() -> None:
    payload = "x" * 200_000
    stream = f"data: {payload}\n\n".encode()
    assert decode([stream[i : i + 1000] for i in range(0, len(stream), 1000)])[0] == [E(payload)]


@pytest.mark.parametrize("seed", range(40))
def test_random_streams_match_the_reference_under_random_chunking(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [
        b"data", b"data:", b"data: ", b"event: t", b"id: 9", b"id", b"retry: 12", b"retry: x", b":",
        b" ", b"\n", b"\n", b"\r", b"\r\n", b"x", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9d\x84\x9e",
        b"\xff", b"\x00", b"\xef\xbb\xbf",
    ]  # fmt: skip
    stream = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 200)))
    expected_events, expected_id = reference_decode(stream)
    cuts = sorted(rng.sample(range(len(stream) + 1), k=min(len(stream) + 1, rng.randrange(1, 30))))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    events, last_id, _ = decode(chunks)
    assert events == expected_events
    assert last_id == expected_id


# --- the API's events end to end ----------------------------------------------------------------------------

RUN = {
    "run_id": "trun_56cee734dbc84172bfc491327f2a0183",
    "status": "completed",
    "is_active": False,
    "warnings": None,
    "error": None,
    "processor": "core",
    "metadata": {"row": 3, "note": "café ☕"},
    "taskgroup_id": "tgrp_0a1b2c3d4e5f",
    "created_at": "2025-04-23T20:21:48.037943Z",
    "modified_at": "2025-04-23T20:22:10.112233Z",
}
API_EVENTS: list[dict[str, object]] = [
    {"type": "task_run.state", "event_id": "1", "run": RUN, "input": None, "output": None},
    {
        "type": "task_group_status",
        "event_id": "2",
        "status": {
            "num_task_runs": 2,
            "task_run_status_counts": {"completed": 1, "running": 1},
            "is_active": True,
            "status_message": "",
            "modified_at": "2025-04-23T20:22:10.2Z",
        },
    },
    {
        "type": "task_run.state",
        "event_id": "3",
        "run": {**RUN, "run_id": "trun_2", "status": "failed", "error": {"ref_id": "r-1", "message": "boom"}},
    },
    {"type": "error", "error": {"ref_id": "4f0d", "message": "stream failed", "detail": {"why": "test"}}},
    {"type": "task_run.brand_new_kind", "event_id": "5", "extra": [1, 2]},
]


def api_stream(indent: int | None) -> bytes:
    parts = []
    for payload in API_EVENTS:
        parts.append(encode_event(json.dumps(payload, indent=indent, ensure_ascii=False), event=str(payload["type"])))
        parts.append(encode_comment())
    return b"".join(parts)


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line json", "multi-line json"])
def test_api_events_round_trip_into_typed_models(indent: int | None) -> None:
    stream = api_stream(indent)
    events = events_of(stream)
    assert [e.event for e in events] == [p["type"] for p in API_EVENTS]
    assert all(e.id is None for e in events)  # encode_event never writes id: lines
    assert [json.loads(e.data) for e in events] == API_EVENTS
    typed = [EVENT_ADAPTER.validate_json(e.data) for e in events]
    assert isinstance(typed[0], TaskRunEvent)
    assert typed[0].run.run_id == RUN["run_id"]
    assert typed[0].run.metadata == {"row": 3, "note": "café ☕"}
    assert isinstance(typed[1], TaskGroupStatusEvent)
    assert typed[1].status.task_run_status_counts == {"completed": 1, "running": 1}
    assert isinstance(typed[2], TaskRunEvent)
    assert typed[2].run.error is not None
    assert typed[2].run.error.message == "boom"
    assert isinstance(typed[3], ErrorEvent)
    assert typed[3].error.message == "stream failed"
    assert isinstance(typed[4], UnknownEvent)
    assert typed[4].model_extra == {"extra": [1, 2]}


def test_api_stream_survives_every_split_and_small_chunks() -> None:
    stream = api_stream(None)
    whole = decode([stream])
    for i in range(len(stream) + 1):
        assert decode([stream[:i], stream[i:]]) == whole, f"split at byte {i}"
    for size in (1, 2, 3, 7, 64):
        assert decode([stream[i : i + size] for i in range(0, len(stream), size)]) == whole


# --- encoders -----------------------------------------------------------------------------------------------


def test_encode_event_single_line() -> None:
    assert encode_event('{"a":1}') == b'data: {"a":1}\n\n'
    assert encode_event("x", event="task_group_status") == b"event: task_group_status\ndata: x\n\n"


def test_encode_event_multi_line_data_round_trips() -> None:
    data = "first\n second\n\nfourth: with colon\n"
    encoded = encode_event(data, event="note")
    assert encoded == b"event: note\ndata: first\ndata:  second\ndata: \ndata: fourth: with colon\ndata: \n\n"
    assert events_of(encoded) == [E(data, "note")]


@pytest.mark.parametrize(
    ("data", "decoded"),
    [("", ""), (" leading space", " leading space"), (": looks like a comment", ": looks like a comment"),
     ("a\r\nb\rc", "a\nb\nc"), ("ünï €", "ünï €")],
)  # fmt: skip
def test_encode_event_edge_data_decodes_back(data: str, decoded: str) -> None:
    assert events_of(encode_event(data)) == [E(decoded)]


def test_encode_event_never_writes_an_id_line() -> None:
    encoded = encode_event("id: 5\nretry: 9", event="e")
    assert b"\nid:" not in encoded
    assert not encoded.startswith(b"id:")
    decoder = SSEDecoder()
    assert decoder.feed(encoded) == [E("id: 5\nretry: 9", "e")]
    assert decoder.last_event_id is None


@pytest.mark.parametrize("event", ["a\nb", "a\rb"])
def test_encode_event_refuses_a_multi_line_event_name(event: str) -> None:
    with pytest.raises(ParallelValidationError) as info:
        encode_event("x", event=event)
    assert info.value.field == "event"


def test_encode_comment() -> None:
    assert encode_comment() == b": keepalive\n\n"
    assert encode_comment("two\nlines") == b": two\n: lines\n\n"
    assert events_of(encode_comment() + encode_comment("a\nb") + encode_event("after")) == [E("after")]
