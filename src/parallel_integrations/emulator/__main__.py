"""``python -m parallel_integrations.emulator``: serve the Parallel API emulator on loopback until Ctrl-C.

Prints ``Parallel API emulator on http://127.0.0.1:PORT`` once listening; point ``PARALLEL_BASE_URL`` there.
Drive it from another process through the ``/_emulator`` control routes (see :mod:`.routes_control`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import FrameType

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m parallel_integrations.emulator",
        description="Serve an offline emulator of the Parallel API (search, task runs, task groups) on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one, printed)")
    parser.add_argument("--corpus", metavar="PATH",
                        help="search corpus: a folder of .md/.txt/.html files or a .jsonl file of "
                             "{url, title, text} records (default: the Python language reference)")
    parser.add_argument("--queued", type=float, default=0.05, metavar="SECONDS",
                        help="how long a new run stays queued (default: 0.05)")
    parser.add_argument("--running", type=float, default=0.2, metavar="SECONDS",
                        help="how long a run then runs before completing (default: 0.2)")
    parser.add_argument("--state", metavar="FILE", help="SQLite file keeping runs and groups across restarts")
    parser.add_argument("--api-key", help="accept only this x-api-key (default: any non-empty key)")
    parser.add_argument("--keepalive", type=float, default=5.0, metavar="SECONDS",
                        help="seconds between keep-alive comments on idle event streams (default: 5)")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted; return the exit status (0 after Ctrl-C)."""
    args = _parser().parse_args(argv)
    from .app import create_app
    from .engine import Schedule
    from .server import bind_socket, uvicorn_server

    corpus = None
    try:
        if args.corpus:
            from .corpus import Corpus

            corpus = Corpus.from_path(args.corpus)
        schedule = Schedule(queued=args.queued, running=args.running)
        sock = bind_socket(args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(corpus=corpus, schedule=schedule, state_path=args.state, api_key=args.api_key,
                     keepalive=args.keepalive)
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


if __name__ == "__main__":
    sys.exit(main())
