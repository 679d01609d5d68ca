"""What free text from a client (a transfer description, a card holder's name, a key) may hold."""

import re

from kernel.errors import InvalidRequest

# Control characters (Unicode category Cc: C0, DEL, C1). PostgreSQL refuses NUL in text and in JSONB,
# so one would fail the insert; the others have no place in a one-line label and could forge log lines
# or drive a terminal (ESC, CSI). Tab and newline are refused too: a description is one line.
CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
# Also the OpenAPI `pattern` of every free-text field, so clients can check before sending.
FREE_TEXT_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*$"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def check_text(text: str | None, what: str, max_length: int) -> None:
    """Text the store can keep: not too long, and no control characters (PostgreSQL refuses NUL); else InvalidRequest
    naming the field (`what`)."""
    if not text:
        return
    if len(text) > max_length:
        raise InvalidRequest(f"{what} is longer than {max_length} characters")
    if has_control_characters(text):
        raise InvalidRequest(f"{what} must not contain control characters (such as NUL or a line break)")
