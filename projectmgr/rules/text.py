"""Plain text as the app stores it (issue 13 item 13): no C0 control characters (nor DEL) — one NUL
in a title broke every Excel export — except tab and line breaks in multi-line text, and never
text made only of zero-width characters. One check for the API's schemas, the Excel import and
the page forms; `printable` strips the same characters again at export, defensively."""

from __future__ import annotations

import re

from .money import Message

N_ = Message

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # keeps \t \n \r
# Zero-width and invisible formatting characters that make a text look empty.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\s]")


def text_problem(value: str, multiline: bool = False) -> Message | None:
    """Why this text cannot be stored, or None."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if found:
        return N_("must not contain control characters (found U+%(code)s)", code=f"{ord(found.group()):04X}")
    if value and not _INVISIBLE.sub("", value):
        if value.strip():
            return N_("must not be made only of invisible characters")
    return None


def printable(value: str) -> str:
    """The text without control characters other than tab and line breaks (for exports)."""
    return _CONTROL_MULTILINE.sub("", value)
