"""Parsing of exact decimal amounts (money is Numeric(14,2), never a float)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 12
DECIMAL_LIMIT = Decimal(10) ** 14

# ASCII digits only: Decimal() would also take "1_000" and full-width digits. No exponent: "1E+2"
# is not how anyone writes an amount, and a typo there changes it by powers of ten.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")


class Message(str):
    """A rule's message: English text that keeps its template and values, so the web and API layers
    can show it in the reader's language (rules know no Flask; see projectmgr.i18n.translate).
    Templates are found by pybabel through the N_ keyword."""

    template: str
    params: dict

    def __new__(cls, template: str, **params: Any) -> Message:
        obj = super().__new__(cls, template % params if params else template)
        obj.template, obj.params = template, params
        return obj


N_ = Message


class FieldError(ValueError):
    """A bad value for one input field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_decimal(
    value: Any,
    *,
    field: str,
    places: int = 4,
    positive: bool = False,
    minimum_zero: bool = True,
    limit: Decimal = DECIMAL_LIMIT,
) -> Decimal:
    """Parse an exact decimal with at most ``places`` decimals; |value| must stay below ``limit``."""
    d = _to_decimal(value, field)
    if not d.is_finite():
        raise FieldError(field, N_("must be a finite number"))
    if minimum_zero and d < 0:
        raise FieldError(field, N_("must not be negative"))
    if positive and d <= 0:
        raise FieldError(field, N_("must be greater than zero"))
    # Checked before quantize, which fails on huge exponents.
    if abs(d) >= limit:
        raise FieldError(field, N_("must be less than %(limit)s", limit=f"{limit:f}"))
    step = Decimal(1).scaleb(-places)
    quantized = d.quantize(step)
    # Trailing zeros are fine ("1.230"); any other extra digit is not.
    if quantized != d:
        raise FieldError(field, N_("must have at most %(places)s decimal places", places=places))
    if quantized == 0:
        quantized = abs(quantized)  # no "-0.00"
    return quantized


def parse_money(value: Any, *, field: str, positive: bool = False) -> Decimal:
    """Parse an amount of yuan: non-negative, exact to the cent, below 10**12."""
    return parse_decimal(value, field=field, places=2, positive=positive, limit=MONEY_LIMIT)


def format_money(d: Decimal) -> str:
    """Format an amount with exactly two decimals, no grouping: ``1200000.00``."""
    return f"{d.quantize(CENT):f}"


def _to_decimal(value: Any, field: str) -> Decimal:
    if value is None:
        raise FieldError(field, N_("is required"))
    if isinstance(value, bool):
        raise FieldError(field, N_("must be a number, not a boolean"))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # str() gives the shortest repr, so 0.1 becomes Decimal("0.1"), not its binary expansion.
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise FieldError(field, N_("is required"))
        if text.lower().lstrip("+-") in {"nan", "snan", "inf", "infinity"}:
            raise FieldError(field, N_("must be a finite number"))
        if _EXPONENT.fullmatch(text):
            raise FieldError(field, N_("must be written without an exponent, got %(value)s", value=repr(value)))
        if not _NUMBER.fullmatch(text):
            raise FieldError(field, N_("must be a decimal number, got %(value)s", value=repr(value)))
        return Decimal(text)  # the pattern admits only what Decimal parses
    raise FieldError(field, N_("must be a number, got %(type)s", type=type(value).__name__))
