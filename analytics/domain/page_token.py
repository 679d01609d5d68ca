"""Opaque page tokens: a keyset position, bound to the filter it was issued for and signed with HMAC."""

import base64
import hashlib
import hmac
import re
import struct
import uuid

from analytics.domain.errors import InvalidPageToken
from analytics.domain.history import HistoryFilter, Position

VERSION = 1
_BODY = struct.Struct(">BQ16s")  # version, occurred_at_us, event_id
_MAC_BYTES = 16
_LENGTH = len(base64.urlsafe_b64encode(bytes(_BODY.size + _MAC_BYTES)).rstrip(b"="))
_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")


class PageTokens:
    """Issues and reads page tokens. The MAC covers the filter too, so a token used with another account,
    other types or another time range fails like a forged one: clients cannot mix pages of two queries."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(self, position: Position, history_filter: HistoryFilter) -> str:
        body = _BODY.pack(VERSION, position.occurred_at_us, position.event_id.bytes)
        token = body + self._mac(body, history_filter)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def read(self, token: str, history_filter: HistoryFilter) -> Position:
        # Strict shape first: the base64 decoder would silently skip stray characters.
        if len(token) != _LENGTH or not _ALPHABET.match(token):
            raise _invalid()
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body, mac = raw[: _BODY.size], raw[_BODY.size :]
        if not hmac.compare_digest(mac, self._mac(body, history_filter)):
            raise _invalid()
        version, occurred_at_us, event_id = _BODY.unpack(body)
        if version != VERSION:
            raise _invalid()
        return Position(occurred_at_us, uuid.UUID(bytes=event_id))

    def _mac(self, body: bytes, history_filter: HistoryFilter) -> bytes:
        digest = hmac.new(self._secret, body + b"|" + history_filter.canonical(), hashlib.sha256).digest()
        return digest[:_MAC_BYTES]


def _invalid() -> InvalidPageToken:
    return InvalidPageToken(
        "the page token (cursor) is not valid for this query: pass it back unchanged, with the same filters"
    )
