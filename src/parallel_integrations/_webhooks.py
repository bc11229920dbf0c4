"""Webhook deliveries: check that one really comes from Parallel, and sign test deliveries the same way.

Parallel signs webhooks the Standard Webhooks way. Each delivery carries three headers:

* ``webhook-id``: the delivery's id (``whevent_...``); the same id comes again when a delivery is retried;
* ``webhook-timestamp``: when it was sent, in Unix seconds;
* ``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` entries (more than one while a secret is
  being rotated), each over the bytes ``f"{webhook_id}.{webhook_timestamp}."`` followed by the raw body.

How the secret becomes the HMAC key (one key per call, chosen from the secret's form; never "any of several"):

* a ``str`` starting with ``whsec_`` (what Settings -> Webhooks shows): the rest, base64-decoded. This is the
  Standard Webhooks derivation, which Parallel documents for current integrations;
* any other ``str``: its UTF-8 bytes, as they are (a plain shared secret, as in tests);
* ``bytes``: the key itself. Accounts still on Parallel's older scheme, which used the whole ``whsec_...``
  string as the key, pass ``secret.encode()``.

Trying several derivations on every delivery would let a signature made under any of them pass. The
forgery odds stay negligible, but a misconfigured endpoint would then pass checks it should fail, and the
reason would be hidden. A wrong derivation fails loudly instead, and the error says which one was used.

Replays: the timestamp check refuses a delivery older than the tolerance. Within it, a
:class:`WebhookReplayGuard` passed to :func:`verify_webhook` refuses a ``webhook-id`` it has already seen, and
forgets each id once its timestamp has left the tolerance window (the timestamp check covers it from then on), so
its memory holds one window of deliveries, not all of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping

from pydantic import ValidationError

from ._errors import ParallelValidationError, WebhookReplayError, WebhookVerificationError
from ._models import WebhookEvent

__all__ = ["DEFAULT_TOLERANCE", "WebhookReplayGuard", "sign_webhook", "verify_webhook"]

DEFAULT_TOLERANCE = 300.0
"""Seconds a delivery's timestamp may differ from the receiver's clock, either way (replay protection)."""

_PREFIX = "whsec_"


class WebhookReplayGuard:
    """Remembers the ids of verified deliveries so that a repeated one is refused with
    :class:`WebhookReplayError`. Pass one guard, kept for the life of your receiver, to every
    :func:`verify_webhook` call: ``verify_webhook(body, headers, secret, replay_guard=guard)``.

    Parallel retries a delivery under the same id when your endpoint did not answer 2xx. If your handler failed
    after verification and you want the retry processed, call :meth:`forget` with the id before answering.
    Safe to share between threads. A guard lives in one process: receivers behind a load balancer need a shared
    store (keyed on ``webhook-id``) instead.
    """

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def __repr__(self) -> str:
        return f"WebhookReplayGuard(remembered={len(self)})"

    def seen(self, webhook_id: str) -> bool:
        """Whether a delivery with this id was verified and is still remembered."""
        with self._lock:
            return webhook_id in self._expiry

    def forget(self, webhook_id: str) -> None:
        """Accept this id again (after your handler failed on it, so that Parallel's retry is processed)."""
        with self._lock:
            self._expiry.pop(webhook_id, None)

    def admit(self, webhook_id: str, expires: float, now: float) -> None:
        """Record ``webhook_id`` until ``expires`` (Unix seconds), or raise :class:`WebhookReplayError` when it is
        already recorded. :func:`verify_webhook` calls this once the signature has matched."""
        with self._lock:
            while self._order and self._order[0][0] < now:
                expiry, old = self._order.popleft()
                if self._expiry.get(old) == expiry:
                    del self._expiry[old]
            if webhook_id in self._expiry:
                raise WebhookReplayError(webhook_id)
            self._expiry[webhook_id] = expires
            self._order.append((expires, webhook_id))


def _signing_key(secret: str | bytes) -> tuple[bytes, str]:
    """The HMAC key for ``secret`` and a name for how it was derived (for messages; never the key)."""
    if isinstance(secret, bytes):
        key, how = secret, "the bytes given, used as the key"
    elif secret.startswith(_PREFIX):
        try:
            key = base64.b64decode(secret[len(_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise ParallelValidationError(
                "secret", "a whsec_ secret must be base64 after the prefix; copy it whole from Settings -> Webhooks"
            ) from None
        how = "a whsec_ secret, base64-decoded after the prefix"
    else:
        key, how = secret.encode(), "a plain secret, its UTF-8 bytes used as the key"
    if not key:
        raise ParallelValidationError("secret", "the webhook secret is empty")
    return key, how


def _signature(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def sign_webhook(
    body: bytes | str,
    secret: str | bytes,
    *,
    webhook_id: str | None = None,
    timestamp: int | float | None = None,
) -> dict[str, str]:
    """The three headers Parallel would send with ``body``: ``webhook-id``, ``webhook-timestamp`` and
    ``webhook-signature``. For tests, the emulator, and checking your own endpoint.

    ``secret`` is read as :func:`verify_webhook` reads it. ``webhook_id`` defaults to a fresh ``whevent_`` id,
    ``timestamp`` (Unix seconds) to now. Send ``body`` exactly as signed: a re-encoded body no longer matches.
    """
    key, _ = _signing_key(secret)
    webhook_id = webhook_id if webhook_id is not None else f"whevent_{secrets.token_hex(16)}"
    stamp = str(int(time.time() if timestamp is None else timestamp))
    raw = body.encode() if isinstance(body, str) else body
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{_signature(key, webhook_id, stamp, raw)}",
    }


def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str | bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
    replay_guard: WebhookReplayGuard | None = None,
) -> WebhookEvent:
    """Check a webhook delivery and return its event.

    ``body`` is the raw request body, exactly as received (parse nothing first: whitespace counts).
    ``headers`` is any mapping of the request's headers; names are matched case-insensitively. ``secret`` is
    your account's webhook secret (see the module docstring for how it is read). A delivery passes when its
    timestamp is within ``tolerance`` seconds of ``now`` (default: the current time) either way and one of its
    ``v1`` signatures matches, compared in constant time.

    Raises :class:`WebhookVerificationError` for a missing header, a malformed or out-of-tolerance timestamp,
    no matching signature, or a verified body that is not a webhook event; messages never contain the secret.
    Answer such requests with 400/401. Deliveries can repeat: with a ``replay_guard`` (a
    :class:`WebhookReplayGuard` you keep), a ``webhook-id`` already verified raises :class:`WebhookReplayError`
    (answer it 2xx and do nothing); without one, deduplicate on the ``webhook-id`` header yourself.
    """
    key, how = _signing_key(secret)  # a misconfigured secret fails on every call, whatever arrives
    found = {name.lower(): value for name, value in headers.items()}
    missing = [name for name in ("webhook-id", "webhook-timestamp", "webhook-signature") if not found.get(name)]
    if missing:
        raise WebhookVerificationError(f"missing webhook header(s): {', '.join(missing)}; not a Parallel delivery")
    webhook_id, stamp, signatures = found["webhook-id"], found["webhook-timestamp"], found["webhook-signature"]
    if not (stamp.isascii() and stamp.isdigit()):
        raise WebhookVerificationError(f"webhook-timestamp is not Unix seconds: {stamp[:40]!r}")
    now = time.time() if now is None else now
    skew = now - int(stamp)
    if abs(skew) > tolerance:
        when = "old" if skew > 0 else "in the future"
        raise WebhookVerificationError(
            f"webhook-timestamp is {abs(skew):.0f} s {when}, beyond the {tolerance:.0f} s tolerance "
            "(a replayed delivery, or a clock out of sync)"
        )
    raw = body.encode() if isinstance(body, str) else body
    expected = _signature(key, webhook_id, stamp, raw).encode("ascii")
    offered = [entry.partition(",")[2] for entry in signatures.split() if entry.startswith("v1,")]
    # Every entry is compared, so the time taken does not tell which one matched.
    matched = [hmac.compare_digest(expected, candidate.encode("ascii", "replace")) for candidate in offered]
    if not any(matched):
        raise WebhookVerificationError(
            f"no webhook signature matches ({len(offered)} v1 signature(s) checked; key from {how}). "
            "Check the secret and that the body is the raw bytes received"
        )
    try:
        event = WebhookEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise WebhookVerificationError(f"the signature is valid but the body is not a webhook event: {exc}") from exc
    if replay_guard is not None:
        replay_guard.admit(webhook_id, int(stamp) + tolerance, now)
    return event
