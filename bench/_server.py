"""A local search server for the client benchmarks, run in its own process on 127.0.0.1.

It answers ``POST /alpha/search``, ``/v1/search`` and ``/v1beta/search`` with the same deterministic ~47 KB search
body and counts requests and connections (distinct client ports) so a benchmark can show how many connections each
client opened.
``GET /_stats`` returns ``{"requests": n, "ports": [...]}`` (the client ports the search requests came from) since
the last ``POST /_reset``. It also answers a task run with fixed bodies (``POST /v1/tasks/runs`` gives a queued run,
``GET /v1/tasks/runs/{id}/result`` a completed text answer with its basis, ``GET /v1/tasks/runs/{id}`` the completed
run) and, when started with ``--events N``, a Task Group's event stream (``GET /v1beta/tasks/groups/{id}/events``
and ``/v1/...``: N events built by ``bench_sse.build_stream``, the last one saying the group is idle).

Why a separate process: on a 2-core machine a server thread inside the benchmark would compete with the client for
the GIL, and its time would be charged to whichever client is being measured. In its own process it runs on the
other core. The answer is pre-built bytes, written in one piece, so each request costs the server as little as
Python allows and the figures differ between clients only by what the clients do.

Two servers are offered: ``threading`` (stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive, Nagle off) and
``uvicorn`` (a bare ASGI app on uvicorn's h11 protocol and the asyncio loop, the only ones installed here).

Run alone: ``.venv/bin/python bench/_server.py [--kind threading|uvicorn] [--excerpts 4] [--excerpt-chars 990,1230]
[--events 0]`` prints the port, serves until stdin closes.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SEARCH_PATHS = frozenset({"/alpha/search", "/v1/search", "/v1beta/search"})
KINDS = ("threading", "uvicorn")

_VOCABULARY = (
    "python decorator function wrapper closure argument keyword module import package interpreter bytecode "
    "generator iterator coroutine asyncio event loop thread process memory garbage collector reference count "
    "type hint annotation protocol abstract base class dataclass attribute descriptor property metaclass "
    "exception traceback context manager with statement comprehension lambda slice sequence mapping dictionary "
    "hash table list tuple set frozen string bytes encoding unicode utf-8 format f-string literal integer float "
    "decimal fraction complex number standard library documentation tutorial example performance benchmark"
)
_WORDS = _VOCABULARY.split()
_SITES = (
    "docs.python.org",
    "realpython.com",
    "peps.python.org",
    "stackoverflow.com",
    "pydantic.dev",
    "wiki.python.org",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 22))]
    tail = rng.choice((".", ".", ".", ";", " — see below.", " (“recommended”)."))
    return " ".join(words).capitalize() + tail


def _excerpt(rng: random.Random, chars: int) -> str:
    section = " ".join(rng.choice(_WORDS) for _ in range(3)).title()
    text = f"Section Title: {section}\nContent:\n"
    while len(text) < chars:
        text += _sentence(rng) + (" " if rng.random() < 0.8 else "\n\n")
    return text[:chars] + "... (content truncated)"


def search_payload(
    results: int = 10, seed: int = 2025, excerpts: int = 4, excerpt_chars: tuple[int, int] = (990, 1230)
) -> dict[str, Any]:
    """The search answer as a dict: ``results`` results with title, URL, ``excerpts`` excerpts of about
    between ``excerpt_chars`` characters each, and a publish date."""
    rng = random.Random(seed)
    items = []
    for i in range(results):
        site = _SITES[i % len(_SITES)]
        slug = "-".join(rng.choice(_WORDS) for _ in range(4))
        items.append(
            {
                "url": f"https://{site}/{slug}/{i}",
                "title": " ".join(rng.choice(_WORDS) for _ in range(7)).title() + f" | {site}",
                "excerpts": [_excerpt(rng, rng.randint(*excerpt_chars)) for _ in range(excerpts)],
                "publish_date": None if i % 4 == 3 else f"202{rng.randint(0, 5)}-{rng.randint(1, 12):02d}-15",
            }
        )
    return {
        "search_id": f"search_{rng.getrandbits(128):032x}",
        "session_id": f"session_{rng.getrandbits(128):032x}",
        "results": items,
        "warnings": None,
        "usage": [{"name": "sku_search", "count": 1}],
    }


def search_body(
    results: int = 10, seed: int = 2025, excerpts: int = 4, excerpt_chars: tuple[int, int] = (990, 1230)
) -> bytes:
    """:func:`search_payload` as UTF-8 JSON, as an API would send it (about 47 KB for 10 results)."""
    payload = search_payload(results, seed, excerpts, excerpt_chars)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.ports: set[int] = set()
        self.requests = 0

    def hit(self, port: int) -> None:
        with self._lock:
            self.ports.add(port)
            self.requests += 1

    def snapshot(self) -> bytes:
        with self._lock:
            return json.dumps({"requests": self.requests, "ports": sorted(self.ports)}).encode()

    def reset(self) -> None:
        with self._lock:
            self.ports.clear()
            self.requests = 0


RUN_ID = "trun_" + "5e" * 16
_STAMP = "2025-04-23T20:21:48.037943Z"


def _run(status: str) -> dict[str, Any]:
    return {
        "run_id": RUN_ID,
        "interaction_id": RUN_ID,
        "status": status,
        "is_active": status in ("queued", "running"),
        "processor": "lite",
        "metadata": None,
        "error": None,
        "warnings": None,
        "created_at": _STAMP,
        "modified_at": _STAMP,
    }


def task_bodies(seed: int = 2025) -> tuple[bytes, bytes]:
    """The fixed answers of a task run: the queued run (create) and its result (a ~1.5 KB text answer, 3 citations)."""
    rng = random.Random(seed)
    citations = [
        {"url": f"https://{_SITES[i]}/page/{i}", "title": _sentence(rng), "excerpts": [_excerpt(rng, 300)]}
        for i in range(3)
    ]
    basis = [{"field": "output", "citations": citations, "reasoning": _excerpt(rng, 400), "confidence": "high"}]
    output = {"type": "text", "content": _excerpt(rng, 1500), "basis": basis}
    dump = lambda value: json.dumps(value, separators=(",", ":")).encode()  # noqa: E731
    return dump(_run("queued")), dump({"run": _run("completed"), "output": output})


def _raw_response(body: bytes, content_type: str = "application/json") -> bytes:
    head = f"HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n\r\n"
    return head.encode() + body


class Answers:
    """What the server says on each route: built once, looked up per request (``None``: 404)."""

    def __init__(self, search: bytes, events: bytes) -> None:
        created, result = task_bodies()
        completed = json.dumps(_run("completed"), separators=(",", ":")).encode()
        self.search = search
        self.created = created
        self.result = result
        self.completed = completed
        self.events = events

    def find(self, method: str, path: str) -> tuple[bytes, str] | None:
        """The body and content type for ``method path`` (query string ignored)."""
        path = path.partition("?")[0]
        if method == "POST":
            if path in SEARCH_PATHS:
                return self.search, "application/json"
            if path in ("/v1/tasks/runs", "/v1beta/tasks/runs"):
                return self.created, "application/json"
            return None
        if path.startswith(("/v1/tasks/runs/", "/v1beta/tasks/runs/")):
            return (self.result if path.endswith("/result") else self.completed), "application/json"
        if self.events and "/tasks/groups/" in path and path.endswith("/events"):
            return self.events, "text/event-stream"
        return None


def serve_threading(sock: socket.socket, answers: Answers) -> None:
    """Serve on the bound ``sock`` with the stdlib's ThreadingHTTPServer until the process ends."""
    counter = _Counter()
    prebuilt = {id(body): _raw_response(body, kind) for body, kind in _all(answers)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _answer(self, method: str) -> None:
            if self.path == "/_reset":
                counter.reset()
                self.wfile.write(_raw_response(b"{}"))
                return
            if self.path == "/_stats":
                self.wfile.write(_raw_response(counter.snapshot()))
                return
            found = answers.find(method, self.path)
            if found is None:
                self.send_error(404)
                return
            if found[0] is answers.search:
                counter.hit(self.client_address[1])
            self.wfile.write(prebuilt[id(found[0])])

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self._answer("POST")

        def do_GET(self) -> None:
            self._answer("GET")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(sock.getsockname()[:2], Handler, bind_and_activate=False)
    server.daemon_threads = True
    server.socket.close()
    server.socket = sock
    server.serve_forever(poll_interval=0.5)


def _all(answers: Answers) -> list[tuple[bytes, str]]:
    found = [(answers.search, "application/json"), (answers.created, "application/json")]
    found += [(answers.result, "application/json"), (answers.completed, "application/json")]
    return [*found, (answers.events, "text/event-stream")]


def serve_uvicorn(sock: socket.socket, answers: Answers) -> None:
    """Serve on the bound ``sock`` with uvicorn (h11, asyncio loop) and a bare ASGI app until the process ends."""
    import uvicorn

    counter = _Counter()

    async def reply(send: Any, payload: bytes, content_type: str = "application/json") -> None:
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        path = scope["path"]
        found = answers.find(scope["method"], path)
        if path == "/_stats":
            await reply(send, counter.snapshot())
        elif path == "/_reset":
            counter.reset()
            await reply(send, b"{}")
        elif found is not None:
            if found[0] is answers.search:
                counter.hit(scope["client"][1])
            await reply(send, *found)
        else:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(
        app, http="h11", loop="asyncio", lifespan="off", access_log=False, log_level="warning", backlog=128
    )
    uvicorn.Server(config).run(sockets=[sock])


class BenchServer:
    """The server in a child process. ``with BenchServer("threading") as server: server.url ...``"""

    def __init__(
        self,
        kind: str = "threading",
        *,
        excerpts: int = 4,
        excerpt_chars: tuple[int, int] = (990, 1230),
        events: int = 0,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        self.kind = kind
        shape = ["--excerpts", str(excerpts), "--excerpt-chars", f"{excerpt_chars[0]},{excerpt_chars[1]}"]
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--kind", kind, *shape, "--events", str(events)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"the {kind} server did not start (said {line!r})")
        self.url = f"http://127.0.0.1:{int(line)}"

    def stats(self) -> tuple[int, set[int]]:
        """Search requests served, and the client ports (one per connection) they came from, since :meth:`reset`."""
        with urllib.request.urlopen(self.url + "/_stats", timeout=5) as answer:
            data = json.loads(answer.read())
        return int(data["requests"]), set(data["ports"])

    def reset(self) -> None:
        """Start counting requests and connections afresh."""
        request = urllib.request.Request(self.url + "/_reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=5) as answer:
            answer.read()

    def close(self) -> None:
        """Stop the child process (closing its stdin ends it; a stuck one is terminated)."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait(timeout=5)

    def __enter__(self) -> BenchServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=KINDS, default="threading")
    parser.add_argument("--excerpts", type=int, default=4, help="excerpts per search result")
    parser.add_argument("--excerpt-chars", default="990,1230", help="LOW,HIGH characters per excerpt")
    parser.add_argument("--events", type=int, default=0, help="events in the Task Group stream (0: no stream)")
    args = parser.parse_args()
    low, high = (int(part) for part in args.excerpt_chars.split(","))
    events = b""
    if args.events:
        from bench_sse import build_stream  # imports the package: only when a stream is asked for

        events = build_stream(args.events, idle_at_end=True)
    answers = Answers(search_body(excerpts=args.excerpts, excerpt_chars=(low, high)), events)
    # proto must be IPPROTO_TCP (not 0): asyncio only turns Nagle off on accepted sockets it recognises as TCP,
    # and uvicorn writes a response in two pieces, so with Nagle on each answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    serve = serve_threading if args.kind == "threading" else serve_uvicorn
    threading.Thread(target=serve, args=(sock, answers), daemon=True).start()
    print(sock.getsockname()[1], flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us; the daemon thread dies with the process


if __name__ == "__main__":
    main()
