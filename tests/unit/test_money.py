from decimal import Decimal

import pytest

from projectmgr.rules.money import (
    CENT,
    FieldError,
    format_money,
    parse_decimal,
    parse_money,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1200000, "1200000.00"),
        (0, "0.00"),
        ("1200000", "1200000.00"),
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        ("  7.05\n", "7.05"),
        (".5", "0.50"),
        ("5.", "5.00"),
        ("+3", "3.00"),
        ("-0", "0.00"),
        ("1.230", "1.23"),  # trailing zeros past the cents are exact
        (Decimal("99.90"), "99.90"),
        (0.1, "0.10"),  # via str(): not the binary expansion of 0.1
        (19.99, "19.99"),
        (1e3, "1000.00"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_parse_money_accepts(value, expected):
    result = parse_money(value, field="amount")
    assert isinstance(result, Decimal)
    assert str(result) == expected
    assert result.as_tuple().exponent == CENT.as_tuple().exponent


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "is required"),
        ("", "is required"),
        ("   ", "is required"),
        (True, "boolean"),
        (False, "boolean"),
        ([1], "must be a number"),
        (object(), "must be a number"),
        ("abc", "must be a decimal number"),
        ("1,000", "must be a decimal number"),
        ("1_000", "must be a decimal number"),
        ("１２", "must be a decimal number"),  # full-width digits
        ("12 5", "must be a decimal number"),
        ("0x10", "must be a decimal number"),
        ("NaN", "finite"),
        ("nan", "finite"),
        ("sNaN", "finite"),
        ("Infinity", "finite"),
        ("-inf", "finite"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (Decimal("NaN"), "finite"),
        (Decimal("-Infinity"), "finite"),
        ("1.234", "at most 2 decimal places"),
        ("1.235", "at most 2 decimal places"),
        ("1.001", "at most 2 decimal places"),
        (1.005, "at most 2 decimal places"),
        (Decimal("0.001"), "at most 2 decimal places"),
        ("1e-3", "without an exponent"),
        ("1E+2", "without an exponent"),  # issue 13 item 21: exponents are refused in text
        ("1e3", "without an exponent"),
        ("1.5E-1", "without an exponent"),
        ("-0.01", "must not be negative"),
        (-1, "must not be negative"),
        ("1000000000000", "must be less than"),
        ("999999999999.995", "at most 2 decimal places"),
        (10**12, "must be less than"),
        ("1e12", "without an exponent"),
        ("1e999999", "without an exponent"),
        (1e20, "must be less than"),
    ],
)
def test_parse_money_rejects(value, message):
    with pytest.raises(FieldError) as info:
        parse_money(value, field="amount")
    assert info.value.field == "amount"
    assert message in info.value.message
    assert str(info.value) == f"amount: {info.value.message}"


def test_tiny_exponent_is_not_silently_zero():
    with pytest.raises(FieldError, match="exponent"):
        parse_money("1e-999999", field="amount")


@pytest.mark.parametrize("value", [0, "0", "0.00", Decimal(0)])
def test_positive_rejects_zero(value):
    with pytest.raises(FieldError, match="greater than zero"):
        parse_money(value, field="amount", positive=True)


def test_positive_accepts_one_cent():
    assert parse_money("0.01", field="amount", positive=True) == CENT


def test_field_error_is_value_error():
    err = FieldError("budget.equipment", "must not be negative")
    assert isinstance(err, ValueError)
    assert (err.field, err.message) == ("budget.equipment", "must not be negative")
    assert str(err) == "budget.equipment: must not be negative"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(1200000), "1200000.00"),
        (Decimal(0), "0.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("999999999999.99"), "999999999999.99"),
    ],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("0.1234", {}, "0.1234"),
        ("1.5", {}, "1.5000"),
        (3, {}, "3.0000"),
        ("-2.5", {"minimum_zero": False}, "-2.5000"),
        ("12.345", {"places": 3}, "12.345"),
        ("99999999999999.9999", {}, "99999999999999.9999"),
        ("0.0001", {"positive": True}, "0.0001"),
    ],
)
def test_parse_decimal_accepts(value, kwargs, expected):
    assert str(parse_decimal(value, field="target", **kwargs)) == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        ("0.12345", {}, "at most 4 decimal places"),
        ("1.2345", {"places": 3}, "at most 3 decimal places"),
        ("-0.0001", {}, "must not be negative"),
        ("0", {"positive": True}, "greater than zero"),
        ("-1", {"positive": True, "minimum_zero": False}, "greater than zero"),
        ("100000000000000", {}, "must be less than"),
        ("-100000000000000", {"minimum_zero": False}, "must be less than"),
        (True, {}, "boolean"),
        (None, {}, "is required"),
        ("Infinity", {}, "finite"),
        ("x", {}, "must be a decimal number"),
    ],
)
def test_parse_decimal_rejects(value, kwargs, message):
    with pytest.raises(FieldError) as info:
        parse_decimal(value, field="target", **kwargs)
    assert info.value.field == "target"
    assert message in info.value.message
