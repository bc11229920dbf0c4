"""How fast the SSE decoder reads a task-group event stream, with and without typed validation.

Run: ``.venv/bin/python bench/bench_sse.py [N] [--chunk BYTES] [--repeat R]``

Builds a stream of N group events (mostly ``task_run.state`` with a realistic run, some ``task_group_status``,
``: keepalive`` comments in between), cuts it into chunks and measures events per second for:

- this package's ``SSEDecoder`` alone, then with ``json.loads``, then with ``EVENT_ADAPTER.validate_json``;
- ``httpx-sse`` (when installed) on the same bytes;
- the official SDK's decoder (``parallel._streaming.SSEDecoder``) on the same bytes: alone, with
  ``json.loads``, and with ``EVENT_ADAPTER``.

Each figure is the best of R runs. No network is used.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from collections.abc import Callable, Iterator

from parallel_integrations._models import EVENT_ADAPTER
from parallel_integrations._sse import SSEDecoder, encode_comment, encode_event

GROUP_ID = "tgrp_9f1c2a7be3d04c6f8a51e0d27b3c4f11"
STATUSES = ("completed",) * 8 + ("failed", "cancelled")


def _timestamp(rng: random.Random) -> str:
    return f"2025-04-23T20:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(10**6):06d}Z"


def _run_event(i: int, rng: random.Random) -> dict[str, object]:
    status = rng.choice(STATUSES)
    error = (
        {"ref_id": "0b9f2b8e-6a51-4b52-9d1c-2f7e0c3a1d44", "message": "Task execution failed", "detail": None}
        if status == "failed"
        else None
    )
    return {
        "type": "task_run.state",
        "event_id": f"{i:032x}",
        "run": {
            "run_id": f"trun_{rng.getrandbits(128):032x}",
            "status": status,
            "is_active": False,
            "warnings": None,
            "error": error,
            "processor": rng.choice(("lite", "base", "core")),
            "metadata": {"row": i, "source": "companies.csv", "batch": i // 1000},
            "taskgroup_id": GROUP_ID,
            "created_at": _timestamp(rng),
            "modified_at": _timestamp(rng),
        },
        "input": None,
        "output": None,
    }


def _status_event(i: int, done: int, total: int, rng: random.Random) -> dict[str, object]:
    return {
        "type": "task_group_status",
        "event_id": f"{i:032x}",
        "status": {
            "num_task_runs": total,
            "task_run_status_counts": {"queued": 0, "running": total - done, "completed": done},
            "is_active": done < total,
            "status_message": None,
            "modified_at": _timestamp(rng),
        },
    }


def build_stream(n: int, seed: int = 7, *, idle_at_end: bool = False) -> bytes:
    """N events as the emulator would send them: about 1 status event in 8, a keep-alive every 50 events;
    with ``idle_at_end`` the last event is a status saying every run is done (so a reader stops there)."""
    rng = random.Random(seed)
    parts: list[bytes] = []
    for i in range(n):
        last = idle_at_end and i == n - 1
        payload = _status_event(i, n if last else i, n, rng) if i % 8 == 7 or last else _run_event(i, rng)
        parts.append(encode_event(json.dumps(payload, separators=(",", ":")), event=str(payload["type"])))
        if i % 50 == 49:
            parts.append(encode_comment())
    return b"".join(parts)


def chunked(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


# --- the contenders: each takes the chunks and returns how many events it produced --------------------------


def ours_decode(chunks: list[bytes]) -> int:
    decoder = SSEDecoder()
    count = 0
    for chunk in chunks:
        count += len(decoder.feed(chunk))
    decoder.flush()
    return count


def ours_json(chunks: list[bytes]) -> int:
    decoder = SSEDecoder()
    count = 0
    loads = json.loads
    for chunk in chunks:
        for event in decoder.feed(chunk):
            loads(event.data)
            count += 1
    return count


def ours_typed(chunks: list[bytes]) -> int:
    decoder = SSEDecoder()
    count = 0
    validate = EVENT_ADAPTER.validate_json
    for chunk in chunks:
        for event in decoder.feed(chunk):
            validate(event.data)
            count += 1
    return count


def sdk_decode(chunks: list[bytes]) -> int:
    from parallel._streaming import SSEDecoder as SdkDecoder

    return sum(1 for _ in SdkDecoder().iter_bytes(iter(chunks)))


def sdk_json(chunks: list[bytes]) -> int:
    from parallel._streaming import SSEDecoder as SdkDecoder

    count = 0
    for event in SdkDecoder().iter_bytes(iter(chunks)):
        json.loads(event.data)
        count += 1
    return count


def sdk_typed(chunks: list[bytes]) -> int:
    from parallel._streaming import SSEDecoder as SdkDecoder

    count = 0
    validate = EVENT_ADAPTER.validate_json
    for event in SdkDecoder().iter_bytes(iter(chunks)):
        validate(event.data)
        count += 1
    return count


def _httpx_sse_events(chunks: list[bytes]) -> Iterator[str]:
    import httpx
    from httpx_sse import EventSource

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=iter(chunks))
    for event in EventSource(response).iter_sse():
        yield event.data


def httpx_sse_decode(chunks: list[bytes]) -> int:
    return sum(1 for _ in _httpx_sse_events(chunks))


def httpx_sse_json(chunks: list[bytes]) -> int:
    count = 0
    for data in _httpx_sse_events(chunks):
        json.loads(data)
        count += 1
    return count


def best_rate(func: Callable[[list[bytes]], int], chunks: list[bytes], expected: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        count = func(chunks)
        best = min(best, time.perf_counter() - start)
        if count != expected:
            raise SystemExit(f"{func.__name__} produced {count} events, expected {expected}")
    return expected / best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", nargs="?", type=int, default=50_000, help="number of events (default 50000)")
    parser.add_argument("--chunk", type=int, default=8192, help="chunk size in bytes (default 8192)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, best kept (default 3)")
    args = parser.parse_args(argv)

    stream = build_stream(args.n)
    chunks = chunked(stream, args.chunk)
    print(
        f"{args.n} events, {len(stream) / 1e6:.1f} MB ({len(stream) / args.n:.0f} B/event), "
        f"{len(chunks)} chunks of {args.chunk} B, Python {sys.version.split()[0]}, best of {args.repeat}"
    )

    rows: list[tuple[str, str, str, str]] = []

    def measure(decoder: str, func: Callable[[list[bytes]], int] | None, what: str) -> None:
        if func is None:
            rows.append((decoder, what, "not installed", ""))
            return
        rate = best_rate(func, chunks, args.n, args.repeat)
        rows.append((decoder, what, f"{rate:,.0f}", f"{1e6 / rate:.2f}"))

    measure("parallel_integrations", ours_decode, "decode")
    measure("parallel_integrations", ours_json, "decode + json.loads")
    measure("parallel_integrations", ours_typed, "decode + EVENT_ADAPTER")
    has_httpx_sse = importlib.util.find_spec("httpx_sse") is not None
    measure("httpx-sse", httpx_sse_decode if has_httpx_sse else None, "decode")
    measure("httpx-sse", httpx_sse_json if has_httpx_sse else None, "decode + json.loads")
    has_sdk = importlib.util.find_spec("parallel") is not None
    measure("parallel SDK 1.x", sdk_decode if has_sdk else None, "decode")
    measure("parallel SDK 1.x", sdk_json if has_sdk else None, "decode + json.loads")
    measure("parallel SDK 1.x", sdk_typed if has_sdk else None, "decode + EVENT_ADAPTER")

    header = ("decoder", "work per event", "events/s", "us/event")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = f"{{:<{widths[0]}}}  {{:<{widths[1]}}}  {{:>{widths[2]}}}  {{:>{widths[3]}}}"
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))


if __name__ == "__main__":
    main()
