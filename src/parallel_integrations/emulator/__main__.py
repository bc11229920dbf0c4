"""``python -m parallel_integrations.emulator``: serve the Parallel API emulator on loopback until Ctrl-C.

Prints ``Parallel API emulator on http://127.0.0.1:PORT`` once listening; point ``PARALLEL_BASE_URL`` there.
Drive it from another process through the ``/_emulator`` control routes (see :mod:`.routes_control`).
Listening beyond loopback takes ``--allow-remote`` and ``--api-key`` (every route then needs the key). Errors
are one ``error:`` line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from collections.abc import Sequence
from types import FrameType

__all__ = ["main"]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (got {port})")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m parallel_integrations.emulator",
        description="Serve an offline emulator of the Parallel API (search, task runs, task groups) on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="port to listen on (default: a free one, printed)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host beyond loopback (needs --api-key; every route then requires it)",
    )
    parser.add_argument(
        "--corpus",
        metavar="PATH",
        help="search corpus: a folder of .md/.txt/.html files or a .jsonl file of "
        "{url, title, text} records (default: the running Python's language reference and "
        "standard-library documentation)",
    )
    parser.add_argument(
        "--corpus-cache",
        metavar="DIR",
        help="folder keeping the built default corpus (default: $PARALLEL_EMULATOR_CACHE, else "
        "the user's cache folder)",
    )
    parser.add_argument(
        "--queued", type=float, default=0.05, metavar="SECONDS", help="how long a new run stays queued (default: 0.05)"
    )
    parser.add_argument(
        "--running",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="how long a run then runs before completing (default: 0.2)",
    )
    parser.add_argument("--state", metavar="FILE", help="SQLite file keeping runs and groups across restarts")
    parser.add_argument("--api-key", help="accept only this x-api-key (default: any non-empty key)")
    parser.add_argument(
        "--keepalive",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between keep-alive comments on idle event streams (default: 5)",
    )
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument(
        "--log-requests", action="store_true", help="print one line per request: method, path, status, time"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted; return the exit status (0 after Ctrl-C)."""
    args = _parser().parse_args(argv)
    from .app import create_app
    from .engine import Schedule
    from .guard import check_exposure, is_loopback, remote_warning
    from .server import bind_socket, uvicorn_server

    corpus = None
    try:
        check_exposure(args.host, allow_remote=args.allow_remote, api_key=args.api_key)
        if args.corpus:
            from .corpus import Corpus

            corpus = Corpus.from_path(args.corpus)
        schedule = Schedule(queued=args.queued, running=args.running)
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: {_bind_problem(exc, args.host, args.port)}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    remote = not is_loopback(args.host)
    if remote:
        print(remote_warning(args.host), file=sys.stderr, flush=True)
    app = create_app(
        corpus=corpus,
        schedule=schedule,
        state_path=args.state,
        api_key=args.api_key,
        keepalive=args.keepalive,
        protect_all_routes=remote,
        log_requests=args.log_requests,
        corpus_cache=args.corpus_cache,
    )
    server = uvicorn_server(app, args.log_level)
    stop_server = server.handle_exit

    def handle_exit(sig: int, frame: FrameType | None) -> None:
        app.context.engine.close()  # end open streams and long polls, so shutdown does not wait on them
        stop_server(sig, frame)

    server.handle_exit = handle_exit  # type: ignore[method-assign]
    host, port = sock.getsockname()[:2]
    print(f"Parallel API emulator on http://{host}:{port}", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, once it has shut down
        pass
    finally:
        sock.close()
    return 0


def _bind_problem(exc: OSError, host: str, port: int) -> str:
    """An ``OSError`` from binding (or reading the corpus) as a message that names what failed."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; choose another --port, or 0 for a free one"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {host}:{port} (ports below 1024 need privileges)"
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}: no such address on this machine"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
