"""Webhook verification end to end: deliveries signed the way Parallel signs them are posted over HTTP to a real
receiver on loopback that verifies each with ``verify_webhook`` and one ``WebhookReplayGuard``. Bad signatures,
tampered bodies, stale or future timestamps and missing headers are refused; a delivery id already seen is
processed once only, also when the copies arrive at the same moment."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from parallel_integrations import (
    WebhookReplayError,
    WebhookReplayGuard,
    WebhookVerificationError,
    sign_webhook,
    verify_webhook,
)

SECRET = "whsec_" + base64.b64encode(b"reliability-webhook-secret-32byt").decode()
EVENT = {
    "type": "task_run.status",
    "timestamp": "2026-01-01T00:00:00Z",
    "data": {
        "run_id": "trun_0123456789abcdef0123456789abcdef",
        "status": "completed",
        "is_active": False,
        "processor": "lite",
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": "2026-01-01T00:00:00Z",
    },
}
BODY = json.dumps(EVENT).encode()


class Receiver:
    """What a user's endpoint does: verify, then process once; 400 for a bad delivery, 200 for a replay."""

    def __init__(self) -> None:
        self.guard = WebhookReplayGuard()
        self.processed: list[str] = []
        self.replays = 0
        self.refusals: list[str] = []
        self.lock = threading.Lock()

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            event = verify_webhook(body, headers, SECRET, replay_guard=self.guard)
        except WebhookReplayError:
            with self.lock:
                self.replays += 1
            return 200
        except WebhookVerificationError as error:
            with self.lock:
                self.refusals.append(str(error))
            return 400
        with self.lock:
            self.processed.append(event.data.run_id)
        return 200


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = state.handle(body, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/webhook"
    server.shutdown()
    server.server_close()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers={**headers, "content-type": "application/json"}).status_code


def test_a_genuine_delivery_is_processed_once_and_its_replays_are_recognised(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    headers = sign_webhook(BODY, SECRET)
    assert _post(url, BODY, headers) == 200
    assert _post(url, BODY, headers) == 200  # Parallel's own retry of the same delivery: acknowledged, not redone
    assert _post(url, BODY, sign_webhook(BODY, SECRET, webhook_id=headers["webhook-id"])) == 200  # re-signed copy
    assert state.processed == [EVENT["data"]["run_id"]]
    assert state.replays == 2
    assert _post(url, BODY, sign_webhook(BODY, SECRET)) == 200  # a new delivery id is a new delivery
    assert len(state.processed) == 2


def test_copies_of_one_delivery_arriving_together_are_processed_once(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    headers = sign_webhook(BODY, SECRET)
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda _: _post(url, BODY, headers), range(32)))
    assert statuses == [200] * 32
    assert len(state.processed) == 1
    assert state.replays == 31


def test_forged_tampered_stale_and_incomplete_deliveries_are_refused(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    now = time.time()
    good = sign_webhook(BODY, SECRET)
    tampered = BODY.replace(b"completed", b"failed___")
    bad = {
        "wrong secret": (BODY, sign_webhook(BODY, "whsec_" + base64.b64encode(b"another-secret").decode())),
        "tampered body": (tampered, good),
        "stale timestamp": (BODY, sign_webhook(BODY, SECRET, timestamp=now - 3600)),
        "future timestamp": (BODY, sign_webhook(BODY, SECRET, timestamp=now + 3600)),
        "no signature": (BODY, {k: v for k, v in good.items() if k != "webhook-signature"}),
        "no id": (BODY, {k: v for k, v in good.items() if k != "webhook-id"}),
        "not a v1 signature": (BODY, {**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")}),
        "signature of another id": (BODY, {**good, "webhook-id": "whevent_someone_else"}),
        "timestamp not numeric": (BODY, {**good, "webhook-timestamp": "yesterday"}),
    }
    for name, (body, headers) in bad.items():
        assert _post(url, body, headers) == 400, name
    assert state.processed == []
    assert len(state.refusals) == len(bad)
    assert not [text for text in state.refusals if SECRET in text or SECRET[6:] in text]  # the secret stays out
    assert _post(url, BODY, good) == 200  # refusals did not poison the guard for the genuine delivery
    assert len(state.processed) == 1


def test_a_rotated_secret_passes_while_any_one_signature_matches(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    old = sign_webhook(BODY, "whsec_" + base64.b64encode(b"the-old-secret").decode(), webhook_id="whevent_rot")
    new = sign_webhook(BODY, SECRET, webhook_id="whevent_rot", timestamp=int(old["webhook-timestamp"]))
    both = {**new, "webhook-signature": f"{old['webhook-signature']} {new['webhook-signature']}"}
    assert _post(url, BODY, both) == 200
    assert len(state.processed) == 1
