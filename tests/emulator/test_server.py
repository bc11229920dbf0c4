"""Starting and stopping the emulator: serve(), the command line, and the pytest fixture."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading

import httpx
import pytest

from parallel_integrations.emulator import Schedule, serve
from parallel_integrations.emulator.pytest_plugin import DUMMY_API_KEY

FAST = Schedule(queued=0.01, running=0.04)
BANNER = re.compile(r"^Parallel API emulator on (http://127\.0\.0\.1:(\d+))$")


def refuses_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_serve_yields_a_loopback_base_url_and_frees_the_port_on_exit():
    with serve() as emulator:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", emulator.base_url)
        assert httpx.get(f"{emulator.base_url}/_emulator/health").json() == {"ok": True}
        port = emulator.port
    assert refuses_connections(port)


def result_content(base_url: str, question: str) -> object:
    headers = {"x-api-key": "k"}
    run = httpx.post(f"{base_url}/v1/tasks/runs", json={"input": question, "processor": "lite"}, headers=headers)
    result = httpx.get(f"{base_url}/v1/tasks/runs/{run.json()['run_id']}/result", headers=headers)
    return result.json()["output"]["content"]


def test_two_emulators_run_side_by_side_with_separate_state():
    with serve(schedule=FAST) as one, serve(schedule=FAST) as two:
        assert one.port != two.port
        one.script_output("q", "from one")
        assert result_content(one.base_url, "q") == "from one"
        assert result_content(two.base_url, "q") != "from one"
        assert len(one.runs()) == len(two.runs()) == 1


def test_stopping_ends_open_streams_and_long_polls():
    with serve(schedule=Schedule(queued=0, running=float("inf"))) as emulator:
        headers = {"x-api-key": "k"}
        run_id = httpx.post(
            f"{emulator.base_url}/v1/tasks/runs", json={"input": "x", "processor": "lite"}, headers=headers
        ).json()["run_id"]
        outcome: dict[str, object] = {}

        def long_poll() -> None:
            try:
                outcome["status"] = httpx.get(
                    f"{emulator.base_url}/v1/tasks/runs/{run_id}/result", headers=headers, timeout=30
                ).status_code
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        waiter = threading.Thread(target=long_poll)
        waiter.start()
        while not emulator.requests("GET", f"/v1/tasks/runs/{run_id}/result"):
            threading.Event().wait(0.01)
    waiter.join(timeout=10)
    assert not waiter.is_alive()
    assert outcome  # answered (408) or cut, but not left hanging


def test_the_pytest_fixture_points_the_environment_at_a_fresh_emulator(parallel_emulator):
    assert os.environ["PARALLEL_BASE_URL"] == parallel_emulator.base_url
    assert os.environ["PARALLEL_API_KEY"] == DUMMY_API_KEY
    assert parallel_emulator.runs() == []
    assert parallel_emulator.requests() == []
    parallel_emulator.script_output(None, "left behind")  # the next test's reset must remove it


def test_the_pytest_fixture_resets_what_the_previous_test_left(parallel_emulator):
    assert result_content(parallel_emulator.base_url, "anything") != "left behind"


def test_importing_the_plugin_does_not_import_the_server_libraries():
    # dir() lists every public name (create_app too) without importing them either.
    code = (
        "import sys, parallel_integrations.emulator.pytest_plugin, parallel_integrations.emulator as e;"
        "e.Schedule; e.Fault; assert set(e.__all__) <= set(dir(e));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "parallel_integrations.emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline().strip()
    match = BANNER.match(banner)
    assert match, (banner, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1)


def stop_cli(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    return stderr


def test_the_command_line_serves_with_its_options_stops_on_ctrl_c_and_keeps_state(tmp_path):
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps({"url": "https://example.com/koans", "title": "Koans", "text": "Beautiful is better than ugly."})
        + "\n"
    )
    state = str(tmp_path / "state.sqlite")
    headers = {"x-api-key": "secret"}
    process, base_url = start_cli(
        "--corpus", str(pages), "--api-key", "secret", "--state", state, "--queued", "0", "--running", "0.01"
    )
    try:
        search = {"search_queries": ["beautiful"]}
        assert httpx.post(f"{base_url}/v1/search", json=search, headers={"x-api-key": "other"}).status_code == 401
        answer = httpx.post(f"{base_url}/v1/search", json=search, headers=headers).json()
        assert [r["url"] for r in answer["results"]] == ["https://example.com/koans"]
        run = httpx.post(f"{base_url}/v1/tasks/runs", json={"input": "x", "processor": "lite"}, headers=headers)
        group = httpx.post(f"{base_url}/v1/tasks/groups", json={}, headers=headers).json()
        # an open event stream must not hold up the shutdown
        with httpx.stream(
            "GET", f"{base_url}/v1/tasks/groups/{group['taskgroup_id']}/events", headers=headers
        ) as response:
            assert response.status_code == 200
            stop_cli(process)
    finally:
        process.kill()
    process, base_url = start_cli("--state", state)  # any key again, same state
    try:
        run_id = run.json()["run_id"]
        assert httpx.get(f"{base_url}/v1/tasks/runs/{run_id}", headers={"x-api-key": "k"}).json()["run_id"] == run_id
    finally:
        stop_cli(process)


@pytest.mark.parametrize("args", [["--corpus", "/no/such/corpus"], ["--queued", "-1"]])
def test_the_command_line_reports_bad_options_without_a_traceback(args):
    result = subprocess.run(
        [sys.executable, "-m", "parallel_integrations.emulator", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr
