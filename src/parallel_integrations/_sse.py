"""Server-Sent Events without I/O: an incremental decoder and the two encoders the emulator needs.

The decoder follows the WHATWG HTML "event stream interpretation" rules. Feed it the response body as it
arrives, in chunks of any size (``decoder.feed(chunk)``), and it returns the events each chunk completes::

    decoder = SSEDecoder()
    for chunk in response.iter_bytes():
        for event in decoder.feed(chunk):
            handle(EVENT_ADAPTER.validate_json(event.data))
    decoder.flush()  # end of stream: an event without its closing blank line is discarded

The encoders write what the decoder reads: :func:`encode_event` never writes an ``id:`` line (the API's cursor
travels inside the JSON as ``event_id``, and a stored SSE id makes some clients turn keep-alives into empty
events), and :func:`encode_comment` writes the keep-alive comments that every reader ignores.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._errors import ParallelValidationError

__all__ = ["SSEDecoder", "ServerSentEvent", "encode_comment", "encode_event"]

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True, frozen=True)
class ServerSentEvent:
    """One dispatched event.

    ``data`` is the event's ``data:`` lines joined by ``"\\n"`` (for the Parallel API, one JSON document).
    ``event`` is the ``event:`` field, ``"message"`` when the server sent none. ``id`` is the ``id:`` field
    sent with *this* event (``None`` when it had none; the id that persists across events is
    :attr:`SSEDecoder.last_event_id`). ``retry`` is this event's ``retry:`` field in milliseconds, when
    present and made only of ASCII digits.
    """

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Incremental decoder: feed it bytes as they arrive, in chunks of any size.

    Lines may end with CRLF, LF or CR, even when a CRLF pair is split between two chunks. A UTF-8 byte order
    mark at the start of the stream is skipped. Text is decoded as UTF-8 one complete line at a time, so a
    character split across chunks is never damaged; invalid bytes become U+FFFD.

    One decoder reads one connection. After :meth:`flush` it is ready for the next connection of the same
    stream and keeps :attr:`last_event_id` and :attr:`retry`, which is what resuming needs.
    """

    __slots__ = (
        "_at_start",
        "_data",
        "_event",
        "_head",
        "_id",
        "_last_event_id",
        "_partial",
        "_retry",
        "_retry_default",
        "_skip_lf",
    )

    def __init__(self) -> None:
        self._last_event_id: str | None = None
        self._retry_default: int | None = None
        self._reset_connection()

    def _reset_connection(self) -> None:
        self._at_start = True  # the BOM may only appear here
        self._head = b""  # the first bytes, held until we know whether they are a BOM
        self._skip_lf = False  # the previous chunk ended with CR: an LF starting this one ends no new line
        self._partial: list[bytes] = []  # pieces of the current, still unterminated line
        self._reset_event()

    def _reset_event(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str | None:
        """The last ``id:`` value the server sent (the spec's "last event ID buffer").

        ``None`` until the server sends an id, and again after it sends an empty ``id:`` (which clears it, as
        in the spec). An ``id:`` value containing NUL is ignored. Send a non-``None`` value back when
        reconnecting.
        """
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The last valid ``retry:`` value (reconnection delay in milliseconds) the server sent, or ``None``.

        Unlike :attr:`ServerSentEvent.retry` this includes a ``retry:`` sent in a block without data, which is
        how servers usually send it.
        """
        return self._retry_default

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add the next bytes of the stream; return the events they complete, in order (often ``[]``)."""
        if not chunk:
            return []
        if self._at_start:
            head = self._head + chunk
            if len(head) < len(_BOM) and _BOM.startswith(head):
                self._head = head
                return []
            self._at_start = False
            self._head = b""
            chunk = head[len(_BOM) :] if head.startswith(_BOM) else head
            if not chunk:
                return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[0] == 0x0A:
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\r" in chunk:
            # A CR at the very end already ended its line; remember to swallow an LF that may follow it.
            self._skip_lf = chunk[-1] == 0x0D
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._partial.append(chunk)  # a list, not concatenation, so a long line costs linear time
            return []
        if self._partial:
            self._partial.append(chunk[: end + 1])
            block = b"".join(self._partial)
            self._partial.clear()
        else:
            block = chunk[: end + 1]
        if end + 1 < len(chunk):
            self._partial.append(chunk[end + 1 :])
        # The block ends on a line boundary, and LF is never part of a multi-byte character, so decoding the
        # whole block at once equals decoding each line on its own.
        lines = block.decode("utf-8", "replace").split("\n")
        lines.pop()  # the empty string after the final LF
        return self._process(lines)

    def flush(self) -> list[ServerSentEvent]:
        """Signal the end of the stream. Always returns ``[]``.

        Per the spec, an event whose closing blank line never arrived is discarded, and so is an unterminated
        last line. Call it when a connection ends (normally or not) so the next connection starts clean; the
        method returns a list so callers can treat it like :meth:`feed`.
        """
        self._reset_connection()
        return []

    def _process(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(
                        ServerSentEvent(
                            data[0] if len(data) == 1 else "\n".join(data),
                            self._event or "message",
                            self._id,
                            self._retry,
                        )
                    )
                    data = self._data = []
                self._event = ""
                self._id = None
                self._retry = None
            elif line.startswith("data:"):
                data.append(line[6:] if line.startswith(" ", 5) else line[5:])
            elif line[0] != ":":  # a leading colon marks a comment
                name, colon, value = line.partition(":")
                if colon and value.startswith(" "):
                    value = value[1:]
                self._field(name, value)
        return events

    def _field(self, name: str, value: str) -> None:
        if name == "data":  # only reached for a bare "data" line, whose value is empty
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
                self._last_event_id = value or None
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = self._retry_default = int(value)
        # Any other field name is ignored, as the spec requires.


def encode_event(data: str, *, event: str | None = None) -> bytes:
    """One SSE event as UTF-8 bytes: an optional ``event:`` line, one ``data:`` line per line of ``data``, and
    the blank line that dispatches it. Never an ``id:`` line.

    CR and CRLF inside ``data`` come back as LF after decoding (SSE has one line separator in data). Raises
    :class:`ParallelValidationError` when ``event`` contains a line break, since it must fit on one line.
    """
    if event and ("\n" in event or "\r" in event):
        raise ParallelValidationError("event", "must not contain line breaks (an SSE field is one line)")
    head = f"event: {event}\n" if event else ""
    if "\n" not in data and "\r" not in data:
        return f"{head}data: {data}\n\n".encode()
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body = "".join(f"data: {line}\n" for line in lines)
    return f"{head}{body}\n".encode()


def encode_comment(text: str = "keepalive") -> bytes:
    """A comment block (``b": keepalive\\n\\n"`` by default): readers ignore it, so it keeps an idle
    connection alive without producing an event. A multi-line ``text`` becomes one comment line per line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return ("".join(f": {line}\n" for line in lines) + "\n").encode()
