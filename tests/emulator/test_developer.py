"""What a developer sees: the landing page, the public names, the control routes' documentation and errors."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

import parallel_integrations.emulator as emulator_package
from parallel_integrations.emulator.routes_control import CONTROL_ROUTES
from parallel_integrations.emulator.server import RunningEmulator

DOC = (Path(__file__).resolve().parents[2] / "docs" / "emulator.md").read_text(encoding="utf-8")


def test_the_landing_page_says_what_this_is(parallel_emulator: RunningEmulator) -> None:
    page = httpx.get(parallel_emulator.base_url + "/", timeout=10)  # no key
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Parallel API emulator" in page.text
    for path in ("/v1/tasks/runs", "/v1/search", "/_emulator/faults", "/_emulator/reset"):
        assert path in page.text
    assert parallel_emulator.requests() == []  # not an API request: not logged


def test_dir_lists_every_public_name() -> None:
    # test_server checks that this imports neither starlette nor uvicorn.
    assert set(emulator_package.__all__) <= set(dir(emulator_package))
    assert {"serve", "Fault", "create_app", "EmulatorApp"} <= set(dir(emulator_package))


def _control_routes(emulator: RunningEmulator) -> list[tuple[str, str]]:
    routes = []
    for route in emulator.app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/_emulator"):
            routes += [(method, path) for method in sorted(getattr(route, "methods", ()) or ()) if method != "HEAD"]
    return routes


def test_the_docs_and_the_landing_page_list_every_control_route(parallel_emulator: RunningEmulator) -> None:
    served = sorted(_control_routes(parallel_emulator))
    documented = re.findall(r"^\| `([A-Z]+) (/_emulator/[^`]*)` \|", DOC, re.M)
    assert served == sorted(documented)
    listed = [(method, path) for methods, path, _ in CONTROL_ROUTES for method in methods.split(", ")]
    assert served == sorted(listed)


@pytest.mark.parametrize(("path", "field"), [("/_emulator/scripts", "input")])
def test_an_empty_control_body_names_the_missing_field(
    parallel_emulator: RunningEmulator, path: str, field: str
) -> None:
    for body in (b"", b"{}"):
        answer = httpx.post(parallel_emulator.base_url + path, content=body, timeout=10)
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert error["detail"]["errors"][0]["loc"] == ["body", field]
        assert "Field required" in error["message"]
        assert "TypeError" not in error["message"]
        assert "__init__" not in error["message"]


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        ("/_emulator/schedule", {"queued": "soon"}, ["body", "queued"]),
        ("/_emulator/schedule", {"queued": 0, "later": 1}, ["body", "later"]),
        ("/_emulator/faults", {"route": "GET /x", "status": "bad"}, ["body", "status"]),
        ("/_emulator/faults", [], ["body"]),
    ],
)
def test_control_bodies_are_checked_field_by_field(
    parallel_emulator: RunningEmulator, path: str, body: object, loc: list[str]
) -> None:
    answer = httpx.post(parallel_emulator.base_url + path, json=body, timeout=10)
    assert answer.status_code == 422
    assert answer.json()["error"]["detail"]["errors"][0]["loc"] == loc
