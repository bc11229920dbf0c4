"""The transport protects the key: the key is cleaned or refused without being shown, plain http:// goes only to
this machine unless allowed, and a redirect is an error naming where it pointed, never followed with the key."""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

import httpx
import pytest

from parallel_integrations import APIStatusError, AsyncParallelClient, ParallelClient, ParallelValidationError

SEARCH_OK = {"search_id": "search_1", "results": []}
GROUP = "tgrp_" + "b" * 32


class Recorder:
    """A MockTransport handler that records every request and answers from ``reply``."""

    def __init__(self, reply: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply or httpx.Response(200, json=SEARCH_OK)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(self.reply.status_code, headers=self.reply.headers, content=self.reply.content)


def make(kind: str, recorder: Recorder, *, follow_redirects: bool = False, **options: Any) -> Any:
    options.setdefault("base_url", "https://api.example.com")
    transport = httpx.MockTransport(recorder)
    if kind == "sync":
        http: Any = httpx.Client(transport=transport, follow_redirects=follow_redirects)
        return ParallelClient(http_client=http, **options)
    return AsyncParallelClient(
        http_client=httpx.AsyncClient(transport=transport, follow_redirects=follow_redirects), **options
    )


def search(client: Any) -> Any:
    outcome = client.search("python decorators")
    return asyncio.run(outcome) if asyncio.iscoroutine(outcome) else outcome


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PARALLEL_API_KEY", "PARALLEL_BASE_URL", "PARALLEL_ALLOW_INSECURE_HTTP", "PARALLEL_ENDPOINTS"):
        monkeypatch.delenv(name, raising=False)


# --- the key --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["sk-abc123\n", "  sk-abc123\t", "\r\nsk-abc123 \r\n"])
def test_whitespace_around_the_key_is_stripped(kind: str, raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setenv("PARALLEL_API_KEY", raw)  # a key read from a file ends in a newline
    search(make(kind, recorder))
    search(make(kind, recorder, api_key=raw))
    assert [r.headers["x-api-key"] for r in recorder.requests] == ["sk-abc123", "sk-abc123"]


@pytest.mark.parametrize("key", ["sk-abc\n123", "sk-abc\x01123", "sk-ab\x7fc", "sk-abé123", "sk-\u200babc"])
@pytest.mark.parametrize("source", ["argument", "environment"])
def test_a_malformed_key_is_refused_without_being_shown(key: str, source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    if source == "environment":
        monkeypatch.setenv("PARALLEL_API_KEY", key)
    for kind in ("sync", "async"):
        with pytest.raises(ParallelValidationError) as info:
            make(kind, recorder, api_key=key if source == "argument" else None)
        assert info.value.field == "api_key"
        rendered = (
            "".join(traceback.TracebackException.from_exception(info.value, capture_locals=False).format())
            + repr(info.value)
            + repr(vars(info.value))
        )
        assert key not in rendered
        assert key.strip()[:6] not in str(info.value)  # not even a prefix of it
    assert recorder.requests == []


@pytest.mark.parametrize("key", [123, b"sk-abc", ["sk-abc"]])
def test_a_key_that_is_not_a_string_is_refused(key: object) -> None:
    with pytest.raises(ParallelValidationError) as info:
        ParallelClient(key)  # type: ignore[arg-type]
    assert info.value.field == "api_key"
    assert "sk-abc" not in str(info.value)


# --- plain http only to this machine ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com",
        "http://10.0.0.5:8080",
        "http://[2001:db8::1]",
        "http://localhost.example.com",
        "http://0.0.0.0:80",
    ],
)
def test_plain_http_to_another_host_is_refused(kind: str, url: str) -> None:
    recorder = Recorder()
    with pytest.raises(ParallelValidationError) as info:
        make(kind, recorder, api_key="k", base_url=url)
    assert info.value.field == "base_url"
    assert "allow_insecure_http" in str(info.value)
    assert "PARALLEL_ALLOW_INSECURE_HTTP" in str(info.value)
    assert recorder.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.3.4.5",
        "http://[::1]:9000",
        "http://localhost:8080",
        "https://api.example.com",
    ],
)
def test_loopback_and_https_are_allowed(url: str) -> None:
    assert ParallelClient("k", base_url=url).base_url == url
    assert AsyncParallelClient("k", base_url=url).base_url == url


def test_the_env_base_url_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_BASE_URL", "http://api.example.com")
    with pytest.raises(ParallelValidationError, match="base_url"):
        ParallelClient("k")


def test_insecure_http_is_allowed_by_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://api.internal:8080"
    recorder = Recorder()
    search(make("sync", recorder, api_key="k", base_url=url, allow_insecure_http=True))
    assert str(recorder.requests[0].url) == f"{url}/alpha/search"
    assert AsyncParallelClient("k", base_url=url, allow_insecure_http=True).base_url == url
    for value in ("1", "true", "YES", "on"):
        monkeypatch.setenv("PARALLEL_ALLOW_INSECURE_HTTP", value)
        assert ParallelClient("k", base_url=url).base_url == url
    # the argument comes first: False refuses even with the environment variable set
    with pytest.raises(ParallelValidationError, match="base_url"):
        ParallelClient("k", base_url=url, allow_insecure_http=False)
    for value in ("0", "false", "no", "off", ""):
        monkeypatch.setenv("PARALLEL_ALLOW_INSECURE_HTTP", value)
        with pytest.raises(ParallelValidationError, match="base_url"):
            AsyncParallelClient("k", base_url=url)


def test_an_unreadable_opt_out_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_ALLOW_INSECURE_HTTP", "please")
    with pytest.raises(ParallelValidationError) as info:
        ParallelClient("k")
    assert info.value.field == "PARALLEL_ALLOW_INSECURE_HTTP"


# --- redirects are never followed with the key --------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_naming_the_location_and_is_not_followed(kind: str, status: int) -> None:
    recorder = Recorder(httpx.Response(status, headers={"location": "https://elsewhere.example.net/collect"}))
    client = make(kind, recorder, follow_redirects=True, api_key="sk-secret")
    with pytest.raises(APIStatusError) as info:
        search(client)
    assert info.value.status_code == status
    assert "https://elsewhere.example.net/collect" in str(info.value)
    assert "sk-secret" not in str(info.value)
    assert [r.url.host for r in recorder.requests] == ["api.example.com"]  # once: not followed, not retried


def test_a_redirect_of_a_creation_or_a_stream_is_not_followed_either(kind: str) -> None:
    recorder = Recorder(httpx.Response(307, headers={"location": "https://elsewhere.example.net/"}))
    client = make(kind, recorder, follow_redirects=True, api_key="sk-secret")

    async def drain_async() -> None:
        async with client.task_groups.stream_events(GROUP) as events:
            async for _ in events:
                pass

    def create() -> None:
        outcome = client.task_runs.create("q", "base")
        if asyncio.iscoroutine(outcome):
            asyncio.run(outcome)

    def drain() -> None:
        if kind == "sync":
            with client.task_groups.stream_events(GROUP) as events:
                for _ in events:
                    pass
        else:
            asyncio.run(drain_async())

    with pytest.raises(APIStatusError, match="elsewhere"):
        create()
    with pytest.raises(APIStatusError, match="elsewhere"):
        drain()
    assert len(recorder.requests) == 2
    assert {r.url.host for r in recorder.requests} == {"api.example.com"}


@pytest.mark.parametrize("url", ["https://user:hunter2@api.test", "http://hunter2@127.0.0.1:9", "ftp://u:hunter2@x"])
def test_credentials_in_the_base_url_are_refused_unseen(url: str) -> None:
    with pytest.raises(ParallelValidationError) as caught:
        ParallelClient(api_key="k", base_url=url)
    assert caught.value.field == "base_url"
    assert "hunter2" not in str(caught.value)
