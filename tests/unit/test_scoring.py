from decimal import Decimal

import pytest

from projectmgr.rules.scoring import (
    DEFAULT_SCORESHEET,
    Criterion,
    aggregate,
    grade_for,
    scoresheet_from_data,
    total,
    validate_scores,
)

D = Decimal
FULL = {c.key: c.max for c in DEFAULT_SCORESHEET}


def test_default_scoresheet():
    assert [(c.key, c.max) for c in DEFAULT_SCORESHEET] == [
        ("task_content", 20),
        ("technical_indicators", 20),
        ("economic_indicators", 10),
        ("deliverables", 20),
        ("funds_in_place", 10),
        ("fund_usage", 10),
        ("management", 10),
    ]
    assert sum(c.max for c in DEFAULT_SCORESHEET) == 100
    assert DEFAULT_SCORESHEET[0].name_zh == "任务内容完成情况"
    assert DEFAULT_SCORESHEET[5].name_zh == "经费使用与单独核算"
    assert DEFAULT_SCORESHEET[5].name_en == "Fund usage and separate accounting"


def _data(*maxes):
    return [{"key": f"c{i}", "name_zh": f"项{i}", "name_en": f"Item {i}", "max": m} for i, m in enumerate(maxes)]


def test_scoresheet_from_data():
    sheet = scoresheet_from_data(_data(60, "40"))
    assert sheet == (
        Criterion("c0", "项0", "Item 0", D(60)),
        Criterion("c1", "项1", "Item 1", D(40)),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "non-empty"),
        ("nope", "non-empty"),
        (_data(50, 50)[:1] * 2, "duplicate"),
        (_data(0, 100), r"\.max: must be greater than zero"),
        (_data(-10, 110), r"\.max: must not be negative"),
        (_data("x", 100), r"\.max: must be a decimal number"),
        (_data(True, 99), r"\.max: must be a number, not a boolean"),
        (_data(None, 100), r"\.max: is required"),
        (_data(50, 49), "total 100 points, got 99"),
        (
            [{"key": "a", "name_zh": "甲", "max": 100}],
            r"name_en: must be a non-empty string",
        ),
        (
            [{"key": "", "name_zh": "甲", "name_en": "A", "max": 100}],
            r"key: must be a non-empty",
        ),
        (
            [{"key": "a b", "name_zh": "甲", "name_en": "A", "max": 100}],
            "ASCII identifier",
        ),
        (["not a dict"], r"scoresheet\[0\]\.key"),
    ],
)
def test_scoresheet_from_data_rejects(data, message):
    with pytest.raises(ValueError, match=message):
        scoresheet_from_data(data)


def test_validate_scores_full_marks():
    parsed, errors = validate_scores(DEFAULT_SCORESHEET, {k: int(v) for k, v in FULL.items()})
    assert errors == []
    assert parsed == FULL
    assert total(parsed) == 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, D(0)),
        ("20", D(20)),
        (19.5, D("19.5")),
        ("19.25", D("19.25")),
        (D("20.00"), D(20)),
    ],
)
def test_validate_scores_accepts_within_range(value, expected):
    parsed, errors = validate_scores(DEFAULT_SCORESHEET, FULL | {"task_content": value})
    assert errors == []
    assert parsed["task_content"] == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("20.01", "must be between 0 and 20"),
        (21, "must be between 0 and 20"),
        (-0.01, "must not be negative"),
        ("19.255", "at most 2 decimal places"),
        (True, "boolean"),
        (None, "is required"),
        ("abc", "must be a decimal number"),
        ("nan", "finite"),
    ],
)
def test_validate_scores_rejects_value(value, message):
    parsed, errors = validate_scores(DEFAULT_SCORESHEET, FULL | {"task_content": value})
    assert len(errors) == 1
    field, text = errors[0]
    assert field == "scores.task_content"
    assert message in text
    assert "task_content" not in parsed


def test_validate_scores_missing_and_unknown():
    scores = dict(FULL)
    del scores["management"]
    scores["bonus"] = 5
    _, errors = validate_scores(DEFAULT_SCORESHEET, scores)
    assert errors == [
        ("scores.management", "is required"),
        ("scores.bonus", "is not a criterion of this scoresheet"),
    ]


def test_validate_scores_reports_every_error():
    _, errors = validate_scores(DEFAULT_SCORESHEET, {})
    assert [f for f, _ in errors] == [f"scores.{c.key}" for c in DEFAULT_SCORESHEET]


def test_validate_scores_not_a_mapping():
    parsed, errors = validate_scores(DEFAULT_SCORESHEET, [1, 2])
    assert parsed == {}
    assert [f for f, _ in errors] == ["scores"]


def test_total_is_exact():
    assert total({"a": D("19.75"), "b": D("40.05")}) == D("59.80")
    assert total({}) == 0


@pytest.mark.parametrize(
    ("totals", "method", "expected"),
    [
        (["80"], "mean", "80"),
        (["60", "59.4"], "mean", "59.7"),
        (["59", "60", "60.4"], "mean", "59.8"),  # 59.8 stays under 60
        (["50", "70", "80", "90"], "trimmed_mean", "72.5"),  # < 5 experts: plain mean
        (["50", "70", "80", "90", "100"], "trimmed_mean", "80"),  # drops 50 and 100
        (["50", "70", "80", "90", "100"], "mean", "78"),
        (
            ["100", "50", "70", "70", "90", "60"],
            "trimmed_mean",
            "72.5",
        ),  # unsorted input
        (["70", "70", "70", "70", "10"], "trimmed_mean", "70"),  # drops only one lowest
    ],
)
def test_aggregate(totals, method, expected):
    assert aggregate([D(t) for t in totals], method) == D(expected)


def test_aggregate_is_not_rounded():
    result = aggregate([D(60), D(60), D(59)], "mean")
    assert D("59.66") < result < D("59.67")


@pytest.mark.parametrize(("totals", "method"), [([], "mean"), ([D(1)], "median")])
def test_aggregate_rejects(totals, method):
    with pytest.raises(ValueError):
        aggregate(totals, method)


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "excellent"),
        ("90", "excellent"),
        ("89.999", "good"),
        ("80", "good"),
        ("79.99", "pass"),
        ("60", "pass"),
        ("59.999", "fail"),
        ("59.8", "fail"),
        ("0", "fail"),
    ],
)
def test_grade_for(score, grade):
    assert grade_for(D(score)) == grade
