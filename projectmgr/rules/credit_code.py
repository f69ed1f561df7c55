"""Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, last is a check char."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
# Weight of position i is 3**i mod 31.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def credit_code_check_char(first17: str) -> str:
    """The check character for the first 17 characters; ValueError on a bad body."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not a 17-character credit code body: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(code: str) -> str:
    """Strip surrounding whitespace and uppercase, the form the code is stored in."""
    return code.strip().upper()


def is_valid_credit_code(code: str) -> bool:
    """True when ``code`` (already normalized) has the right length, alphabet and check char."""
    if not isinstance(code, str) or len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def make_credit_code(body17: str) -> str:
    """Append the check character to a 17-character body (used for demo data)."""
    return body17 + credit_code_check_char(body17)
