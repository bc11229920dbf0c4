"""Webhook signatures: signing, verification, and what is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from parallel_integrations._errors import ParallelValidationError, WebhookReplayError, WebhookVerificationError
from parallel_integrations._webhooks import WebhookReplayGuard, sign_webhook, verify_webhook

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NOW = 1_751_498_975
BODY = json.dumps(
    {
        "timestamp": "2025-07-02T23:29:35Z",
        "type": "task_run.status",
        "data": {"run_id": "trun_" + "a" * 32, "status": "completed", "is_active": False, "processor": "core"},
    }
).encode()


def _headers(**overrides: str) -> dict[str, str]:
    headers = sign_webhook(BODY, SECRET, webhook_id="whevent_abc123def456", timestamp=NOW)
    headers.update(overrides)
    return headers


def test_published_standard_webhooks_vector():
    # The Standard Webhooks specification's example, checked against openssl as well.
    headers = sign_webhook(
        '{"test": 2432232314}',
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        webhook_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_good_signature_returns_the_event():
    event = verify_webhook(BODY, _headers(), SECRET, now=NOW + 10)
    assert event.type == "task_run.status"
    assert event.data.run_id == "trun_" + "a" * 32
    assert event.data.status == "completed"
    assert verify_webhook(BODY.decode(), _headers(), SECRET, now=NOW).data.is_active is False


def test_key_derivations():
    raw_key = b"k" * 32
    plain = "a plain shared secret"
    # whsec_ secret: the decoded bytes are the key, so passing those bytes verifies the same delivery.
    verify_webhook(BODY, _headers(), raw_key, now=NOW)
    # A plain string is its own UTF-8 key.
    headers = sign_webhook(BODY, plain, webhook_id="whevent_1", timestamp=NOW)
    expected = hmac.new(plain.encode(), b"whevent_1." + str(NOW).encode() + b"." + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    verify_webhook(BODY, headers, plain, now=NOW)
    # The older scheme (the whole whsec_ string as the key) verifies only when asked for with bytes.
    legacy = sign_webhook(BODY, SECRET.encode(), webhook_id="whevent_2", timestamp=NOW)
    verify_webhook(BODY, legacy, SECRET.encode(), now=NOW)
    with pytest.raises(WebhookVerificationError, match="whsec_ secret, base64-decoded"):
        verify_webhook(BODY, legacy, SECRET, now=NOW)


def test_bad_signature_is_refused():
    with pytest.raises(WebhookVerificationError, match="no webhook signature matches"):
        verify_webhook(BODY, _headers(**{"webhook-signature": "v1,AAAA" + "A" * 40}), SECRET, now=NOW)


def test_tampered_body_id_or_timestamp_is_refused():
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY.replace(b"completed", b"failed"), _headers(), SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, _headers(**{"webhook-id": "whevent_other"}), SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, _headers(**{"webhook-timestamp": str(NOW + 1)}), SECRET, now=NOW)


def test_wrong_secret_is_refused():
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, _headers(), other, now=NOW)


@pytest.mark.parametrize("offset", [301, 10_000])
def test_stale_timestamp_is_refused(offset):
    with pytest.raises(WebhookVerificationError, match="old"):
        verify_webhook(BODY, _headers(), SECRET, now=NOW + offset)


def test_future_timestamp_is_refused():
    with pytest.raises(WebhookVerificationError, match="future"):
        verify_webhook(BODY, _headers(), SECRET, now=NOW - 301)


def test_tolerance_edges_and_setting():
    verify_webhook(BODY, _headers(), SECRET, now=NOW + 300)
    verify_webhook(BODY, _headers(), SECRET, now=NOW - 300)
    verify_webhook(BODY, _headers(), SECRET, now=NOW + 3_000, tolerance=3_600)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, _headers(), SECRET, now=NOW + 11, tolerance=10)


def test_timestamp_must_be_unix_seconds():
    for bad in ("2025-07-02T23:29:35Z", "1_751_498_975", "-5", "1.5e9"):
        with pytest.raises(WebhookVerificationError, match="not Unix seconds"):
            verify_webhook(BODY, _headers(**{"webhook-timestamp": bad}), SECRET, now=NOW)


def test_one_valid_signature_among_several_is_enough():
    good = _headers()["webhook-signature"]
    rotated = f"v1,bm90IHRoZSBvbmU= {good} v2,ignored"
    verify_webhook(BODY, _headers(**{"webhook-signature": rotated}), SECRET, now=NOW)
    only_others = "v1,bm90IHRoZSBvbmU= v1a,c29tZXRoaW5n " + good.replace("v1,", "v2,")
    with pytest.raises(WebhookVerificationError, match="1 v1 signature"):
        verify_webhook(BODY, _headers(**{"webhook-signature": only_others}), SECRET, now=NOW)


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_refused_by_name(name):
    headers = _headers()
    del headers[name]
    with pytest.raises(WebhookVerificationError, match=name):
        verify_webhook(BODY, headers, SECRET, now=NOW)
    with pytest.raises(WebhookVerificationError, match=name):
        verify_webhook(BODY, {**headers, name: ""}, SECRET, now=NOW)


def test_header_names_are_case_insensitive():
    headers = {name.upper() if i % 2 else name.title(): value for i, (name, value) in enumerate(_headers().items())}
    assert verify_webhook(BODY, headers, SECRET, now=NOW).type == "task_run.status"


def test_secret_never_appears_in_errors():
    wrong = "whsec_" + base64.b64encode(b"wrong-secret-bytes-0123456789abc").decode()
    cases = [
        (BODY, _headers(), wrong),
        (BODY, _headers(), "plain-secret-value"),
        (BODY, {}, wrong),
        (BODY, _headers(), wrong.encode()),
    ]
    for body, headers, secret in cases:
        with pytest.raises(WebhookVerificationError) as info:
            verify_webhook(body, headers, secret, now=NOW)
        text = str(info.value) + repr(info.value)
        shown = secret.decode() if isinstance(secret, bytes) else secret
        assert shown not in text
        assert shown.removeprefix("whsec_") not in text
    with pytest.raises(ParallelValidationError) as bad:
        verify_webhook(BODY, _headers(), "whsec_not base64!!")
    assert "not base64!!" not in str(bad.value)


def test_valid_signature_on_a_non_event_body_is_refused():
    body = b'{"hello": "world"}'
    headers = sign_webhook(body, SECRET, timestamp=NOW)
    assert headers["webhook-id"].startswith("whevent_")
    with pytest.raises(WebhookVerificationError, match="not a webhook event"):
        verify_webhook(body, headers, SECRET, now=NOW)


def test_sign_webhook_defaults_to_now():
    headers = sign_webhook(BODY, SECRET)
    assert verify_webhook(BODY, headers, SECRET).type == "task_run.status"
    with pytest.raises(ParallelValidationError, match="empty"):
        sign_webhook(BODY, b"")


def test_replay_guard_refuses_a_delivery_id_seen_before():
    guard = WebhookReplayGuard()
    assert verify_webhook(BODY, _headers(), SECRET, now=NOW, replay_guard=guard).type == "task_run.status"
    assert guard.seen("whevent_abc123def456")
    with pytest.raises(WebhookReplayError) as caught:
        verify_webhook(BODY, _headers(), SECRET, now=NOW + 1, replay_guard=guard)
    assert caught.value.webhook_id == "whevent_abc123def456"
    assert isinstance(caught.value, WebhookVerificationError)
    # A different delivery still passes.
    other = sign_webhook(BODY, SECRET, webhook_id="whevent_other", timestamp=NOW)
    verify_webhook(BODY, other, SECRET, now=NOW + 1, replay_guard=guard)
    assert len(guard) == 2


def test_replay_guard_records_only_verified_deliveries():
    guard = WebhookReplayGuard()
    with pytest.raises(WebhookVerificationError):
        verify_webhook(BODY, _headers(**{"webhook-signature": "v1,AAAA"}), SECRET, now=NOW, replay_guard=guard)
    assert not guard.seen("whevent_abc123def456")
    verify_webhook(BODY, _headers(), SECRET, now=NOW, replay_guard=guard)  # the genuine one is not taken for a replay


def test_replay_guard_forget_lets_a_retry_through():
    guard = WebhookReplayGuard()
    verify_webhook(BODY, _headers(), SECRET, now=NOW, replay_guard=guard)
    guard.forget("whevent_abc123def456")
    verify_webhook(BODY, _headers(), SECRET, now=NOW + 5, replay_guard=guard)


def test_replay_guard_forgets_ids_once_the_timestamp_check_covers_them():
    guard = WebhookReplayGuard()
    for n in range(50):
        headers = sign_webhook(BODY, SECRET, webhook_id=f"whevent_{n}", timestamp=NOW + n)
        verify_webhook(BODY, headers, SECRET, now=NOW + n, tolerance=10, replay_guard=guard)
    # Ids whose timestamps left the 10 s window are gone; a replay of one of them fails on its timestamp instead.
    assert len(guard) <= 12
    assert not guard.seen("whevent_0")
    old = sign_webhook(BODY, SECRET, webhook_id="whevent_0", timestamp=NOW)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(BODY, old, SECRET, now=NOW + 49, tolerance=10, replay_guard=guard)
    assert "remembered=" in repr(guard)
