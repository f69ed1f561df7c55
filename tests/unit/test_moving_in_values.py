"""Values as bureaus write them (services/moving_in/values.py) and the header words they map from
(fields.py): each form read, each wrong one refused with a reason."""

from datetime import date
from decimal import Decimal

import pytest

from projectmgr.models import Level, State
from projectmgr.services.moving_in import values
from projectmgr.services.moving_in.fields import match_field, unit_of


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2024-01-05", date(2024, 1, 5), date(2024, 1, 5)),
        ("2024/1/5", date(2024, 1, 5), date(2024, 1, 5)),
        ("2024.01", date(2024, 1, 1), date(2024, 1, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024年1月", date(2024, 1, 1), date(2024, 1, 31)),
        ("2024年1月5日", date(2024, 1, 5), date(2024, 1, 5)),
        ("２０２４年１月５日", date(2024, 1, 5), date(2024, 1, 5)),
        ("20240105", date(2024, 1, 5), date(2024, 1, 5)),
        (45000, date(2023, 3, 15), date(2023, 3, 15)),  # an Excel serial
        (2024.01, date(2024, 1, 1), date(2024, 1, 31)),  # typed as a number
        (2024, date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_dates(raw, start, end):
    assert values.day(raw) == start
    assert values.day(raw, end=True) == end


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024.01-2025.12", (date(2024, 1, 1), date(2025, 12, 31))),
        ("2024年1月至2025年12月", (date(2024, 1, 1), date(2025, 12, 31))),
        ("2024/1/5～2025/12/31", (date(2024, 1, 5), date(2025, 12, 31))),
        ("2024-01-05-2025-12-31", (date(2024, 1, 5), date(2025, 12, 31))),
        ("2024.1—2025.6", (date(2024, 1, 1), date(2025, 6, 30))),
        ("2024年3月 到 2026年2月", (date(2024, 3, 1), date(2026, 2, 28))),
    ],
)
def test_periods(raw, expected):
    assert values.period(raw) == expected


@pytest.mark.parametrize("raw", ["2024-13-01", "2024年2月30日", "明年", "1.5.2024"])
def test_bad_dates(raw):
    with pytest.raises(values.BadValue):
        values.day(raw)


@pytest.mark.parametrize("raw", ["2024.01", "2024.01-", "2024.01 2025.12", "2024.01-2025.12-2026.01"])
def test_bad_periods(raw):
    with pytest.raises(values.BadValue):
        values.period(raw)


@pytest.mark.parametrize(
    ("raw", "unit", "yuan"),
    [
        ("1,200.50", "yuan", "1200.50"),
        ("１２，０００", "yuan", "12000.00"),
        ("50", "wan", "500000.00"),
        (12.5, "wan", "125000.00"),
        ("50万元", "yuan", "500000.00"),  # the cell's own unit wins
        ("8000元", "wan", "8000.00"),
        ("¥3,000", "yuan", "3000.00"),
        (48.6, "wan", "486000.00"),  # a float cell, read as Excel shows it
    ],
)
def test_amounts(raw, unit, yuan):
    assert values.amount(raw, unit) == Decimal(yuan)


@pytest.mark.parametrize("raw", ["约50万", "50万左右", "-3", "1.234", "五十万", "12%"])
def test_bad_amounts(raw):
    with pytest.raises(values.BadValue):
        values.amount(raw, "yuan")


def test_states_and_levels():
    assert values.state("实施中") == State.in_progress
    assert values.state("已验收") == State.accepted
    assert values.state("已结题") == State.closed_out
    assert values.state("终止") == State.terminated
    assert values.state("in_progress") == State.in_progress
    with pytest.raises(values.BadValue):
        values.state("专家评审中")  # a panel the sheet does not hold
    with pytest.raises(values.BadValue):
        values.state("还行")
    assert values.level("国家级") == Level.national
    assert values.level_in("河南省重大科技专项") == Level.provincial
    assert values.level_in("安阳市科技攻关计划") == Level.municipal
    assert values.level_in("科技攻关") is None


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("项目编号", "code"),
        ("Project Code", "code"),
        ("财政资金（万元）", "special_funds"),
        ("市拨经费(元)", "special_funds"),
        ("自筹资金已支出（万元）", "self_raised_spent"),
        ("财政资金（万元）/已拨付", "special_disbursed"),
        ("经费（万元）/自筹资金", "self_raised_committed"),
        ("起止时间", "period"),
        ("项目负责人", "owner"),
        ("序号", None),
    ],
)
def test_header_words(header, field):
    assert match_field(header) == field


def test_units_from_headers():
    assert unit_of("财政资金（万元）") == "wan"
    assert unit_of("财政资金(元)") == "yuan"
    assert unit_of("财政资金") is None
