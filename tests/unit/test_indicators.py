from decimal import Decimal

import pytest

from projectmgr.rules.indicators import (
    IndicatorFact,
    completion_of,
    indicator_completion,
)

D = Decimal


def item(target: str, achieved: str | None, weight: str = "1") -> IndicatorFact:
    return IndicatorFact(
        target=D(target),
        weight=D(weight),
        achieved=None if achieved is None else D(achieved),
    )


@pytest.mark.parametrize(
    ("target", "achieved", "expected"),
    [
        ("100", "0", "0"),
        ("100", None, "0"),
        ("100", "50", "0.5"),
        ("100000", "79995", "0.79995"),
        ("100", "100", "1"),
        ("100", "150", "1"),  # capped: overachievement does not make up for others
        ("3", "1", D(1) / D(3)),
        ("100", "-5", "0"),
    ],
)
def test_completion_of(target, achieved, expected):
    assert completion_of(item(target, achieved)) == D(expected)


def test_no_indicators_completes_nothing():
    assert indicator_completion([]) == 0


def test_weighted_mean():
    items = [item("100", "100", weight="3"), item("10", "0", weight="1")]
    assert indicator_completion(items) == D("0.75")


def test_overachievement_is_capped_in_mean():
    items = [item("10", "100"), item("10", "5")]
    assert indicator_completion(items) == D("0.75")


def test_unreported_counts_zero():
    assert indicator_completion([item("10", "10"), item("10", None)]) == D("0.5")


def test_exact_boundary_value_is_not_rounded():
    # 0.79995 must stay under 0.80 (DESIGN §6), not round up to it.
    result = indicator_completion([item("100000", "79995")])
    assert result == D("0.79995")
    assert result < D("0.80")


def test_mean_of_thirds_keeps_precision():
    result = indicator_completion([item("3", "1"), item("3", "2"), item("1", "1")])
    assert D("0.6666") < result < D("0.6667")


def test_precision_does_not_depend_on_caller_context():
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 3
        result = indicator_completion([item("100000", "79995")])
    assert result == D("0.79995")


@pytest.mark.parametrize("target", ["0", "-1"])
def test_target_must_be_positive(target):
    with pytest.raises(ValueError, match="target"):
        completion_of(item(target, "1"))


@pytest.mark.parametrize("weight", ["0", "-1"])
def test_weight_must_be_positive(weight):
    with pytest.raises(ValueError, match="weight"):
        indicator_completion([item("1", "1", weight=weight)])
