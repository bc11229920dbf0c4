"""Safe to run: loopback unless told otherwise, no credentials in the log, bad input answered 4xx while the server
keeps serving, CLI errors as messages."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import httpx
import pytest
from tests.emulator.test_server import start_cli, stop_cli

from parallel_integrations.emulator import serve
from parallel_integrations.emulator.guard import check_exposure, is_loopback
from parallel_integrations.emulator.server import RunningEmulator
from parallel_integrations.emulator.wire import MAX_JSON_DEPTH

KEY = {"x-api-key": "test"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("::", False), ("192.168.1.10", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_is_told_apart(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_listening_beyond_loopback_needs_a_flag_and_a_key() -> None:
    with pytest.raises(ValueError, match="--allow-remote"):
        check_exposure("0.0.0.0", allow_remote=False, api_key="k")
    with pytest.raises(ValueError, match="API key"):
        check_exposure("0.0.0.0", allow_remote=True, api_key=None)
    check_exposure("0.0.0.0", allow_remote=True, api_key="k")
    with pytest.raises(ValueError, match=r"refusing to listen on 0\.0\.0\.0"), serve(host="0.0.0.0"):
        pass


@pytest.mark.parametrize(
    ("args", "needs"), [(["--host", "0.0.0.0"], "--allow-remote"), (["--host", "0.0.0.0", "--allow-remote"], "API key")]
)
def test_the_command_line_refuses_to_open_the_network(args: list[str], needs: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "parallel_integrations.emulator", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:")
    assert needs in result.stderr
    assert "Traceback" not in result.stderr


def test_a_protected_emulator_needs_the_key_on_every_route() -> None:
    # What --allow-remote sets up, served on loopback for the test.
    with serve(api_key="secret", protect_all_routes=True) as emulator:
        for method, path in [("GET", "/"), ("POST", "/_emulator/reset"), ("GET", "/_emulator/faults"),
                             ("GET", "/_emulator/requests"), ("POST", "/v1/tasks/runs")]:  # fmt: skip
            answer = httpx.request(method, emulator.base_url + path, headers={"x-api-key": "wrong"}, timeout=10)
            assert answer.status_code == 401, path
            assert answer.json()["error"]["message"].startswith("Unauthorized")
        good = {"x-api-key": "secret"}
        assert httpx.post(emulator.base_url + "/_emulator/reset", headers=good, timeout=10).status_code == 200
        assert httpx.get(emulator.base_url + "/", headers=good, timeout=10).status_code == 200


def test_the_request_log_holds_no_credentials(parallel_emulator: RunningEmulator) -> None:
    headers = {"x-api-key": "sk-live-123", "Authorization": "Bearer sk-live-456", "Cookie": "session=abc"}
    httpx.post(parallel_emulator.base_url + "/v1/search", json={"objective": "lambda"}, headers=headers, timeout=10)
    (record,) = parallel_emulator.requests("POST", "/v1/search")
    assert record.headers["authorization"] == "Bearer <redacted>"
    assert record.headers["x-api-key"] == "<redacted>"
    assert record.headers["cookie"] == "<redacted>"
    log = httpx.get(parallel_emulator.base_url + "/_emulator/requests", timeout=10).text
    assert "sk-live" not in log
    assert "session=abc" not in log


def _still_serving(emulator: RunningEmulator) -> None:
    run = httpx.post(f"{emulator.base_url}/v1/tasks/runs", json={"input": "lambda", "processor": "lite"},
                     headers=KEY, timeout=10)  # fmt: skip
    assert run.status_code == 202
    assert httpx.get(f"{emulator.base_url}/_emulator/runs", timeout=10).status_code == 200
    assert httpx.get(f"{emulator.base_url}/v1/tasks/runs/{run.json()['run_id']}", headers=KEY).status_code == 200


def test_a_lone_surrogate_is_refused_and_nothing_is_stored(parallel_emulator: RunningEmulator) -> None:
    body = b'{"input": "what is \\ud800 here", "processor": "lite"}'
    answer = httpx.post(f"{parallel_emulator.base_url}/v1/tasks/runs", content=body,
                        headers={**KEY, "content-type": "application/json"}, timeout=10)  # fmt: skip
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert "surrogate" in error["message"]
    assert error["detail"]["errors"][0]["loc"] == ["body", "input"]
    assert parallel_emulator.runs() == []
    _still_serving(parallel_emulator)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 5, 100_000])
def test_deeply_nested_json_is_refused(parallel_emulator: RunningEmulator, depth: int) -> None:
    body = b'{"input": ' + b"[" * depth + b"]" * depth + b', "processor": "lite"}'
    for path in ("/v1/tasks/runs", "/v1/search", "/v1/tasks/groups"):
        answer = httpx.post(parallel_emulator.base_url + path, content=body, headers=KEY, timeout=10)
        assert answer.status_code == 422, path
        assert "nested" in answer.text
    _still_serving(parallel_emulator)


def test_a_declared_oversized_body_is_refused_before_it_is_sent(parallel_emulator: RunningEmulator) -> None:
    with socket.create_connection((parallel_emulator.host, parallel_emulator.port), timeout=10) as conn:
        conn.sendall(
            b"POST /v1/tasks/runs HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\ncontent-type: application/json\r\n"
            b"content-length: 1000000000\r\n\r\n{"
        )
        answer = _read_answer(conn)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"type":"error"' in answer
    _still_serving(parallel_emulator)


def _read_answer(conn: socket.socket) -> bytes:
    """One HTTP/1.1 answer with a Content-Length, read whole (the server may keep the connection open)."""
    answer = b""
    while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
        chunk = conn.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer


def _length(answer: bytes) -> int:
    found = re.search(rb"content-length: *(\d+)", answer, re.IGNORECASE)
    return int(found.group(1)) if found else 0


def test_a_streamed_body_is_refused_once_past_the_limit() -> None:
    # Chunked, so no length is declared: the answer comes while the body is still open, never read whole.
    with serve(max_body_bytes=4096) as emulator:
        with socket.create_connection((emulator.host, emulator.port), timeout=10) as conn:
            conn.sendall(
                b"POST /v1/tasks/runs HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\ntransfer-encoding: chunked\r\n\r\n"
            )
            for _ in range(8):
                conn.sendall(b"400\r\n" + b" " * 1024 + b"\r\n")
            answer = _read_answer(conn)
        assert answer.startswith(b"HTTP/1.1 413")
        assert b"Request body too large: at most 4096 bytes" in answer
        assert httpx.get(emulator.base_url + "/_emulator/health", timeout=10).status_code == 200


def test_a_port_in_use_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "parallel_integrations.emulator", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is already in use; choose another --port, or 0 for a free one"
    )


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_an_invalid_port_is_a_usage_error(port: str) -> None:
    result = subprocess.run([sys.executable, "-m", "parallel_integrations.emulator", "--port", port],
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("usage:")
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_logs_requests_when_asked() -> None:
    process, base_url = start_cli("--log-requests")
    try:
        httpx.post(f"{base_url}/v1/search", json={"search_queries": ["lambda"]}, headers=KEY, timeout=10)
        httpx.get(f"{base_url}/v1/tasks/runs/trun_nope", headers=KEY, timeout=10)
        assert process.stdout is not None
        lines = [process.stdout.readline().split() for _ in range(2)]
    finally:
        stop_cli(process)
    assert [line[:3] for line in lines] == [["POST", "/v1/search", "200"], ["GET", "/v1/tasks/runs/trun_nope", "404"]]
    assert all(line[4] == "ms" and float(line[3]) >= 0 for line in lines)


@pytest.mark.parametrize(
    ("option", "value"), [("max_body_bytes", 0), ("max_body_bytes", "1MB"), ("log_requests", "yes")]
)
def test_app_options_are_checked(option: str, value: object) -> None:
    from parallel_integrations import ParallelValidationError
    from parallel_integrations.emulator import create_app

    with pytest.raises(ParallelValidationError, match=option):
        create_app(**{option: value})  # type: ignore[arg-type]
