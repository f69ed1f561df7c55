from decimal import Decimal

import pytest

from projectmgr.rules.binding import BindingCheck
from projectmgr.rules.conclusion import Decision, decide
from projectmgr.rules.settings import RuleSettings

D = Decimal
S = RuleSettings()


def chk(key: str, passed: bool, severity: str) -> BindingCheck:
    return BindingCheck(key=key, passed=passed, severity=severity, detail="", figures={})


def checks(hard_fail: bool = False, remediable_fail: bool = False) -> list[BindingCheck]:
    return [
        chk("special_within_budget", not hard_fail, "hard"),
        chk("special_only_budgeted", True, "hard"),
        chk("self_raised_in_place", not remediable_fail, "remediable"),
        chk("separate_account", True, "remediable"),
        chk("integrity", True, "hard"),
    ]


def run(score="85", completion="0.95", *, hard=False, remediable=False, rectified=False):
    return decide(checks(hard, remediable), D(score), D(completion), rectified, S)


def test_accepted():
    d = run()
    assert d == Decision("accepted", 5, d.reason)
    assert "score 85" in d.reason


@pytest.mark.parametrize(
    ("score", "outcome", "rule"),
    [
        ("60", "accepted", 5),
        ("59.99", "failed", 2),
        ("59.8", "failed", 2),
        ("0", "failed", 2),
    ],
)
def test_rule2_pass_score_boundary(score, outcome, rule):
    d = run(score=score)
    assert (d.outcome, d.rule) == (outcome, rule)
    if rule == 2:
        assert d.reason == f"score {score} is below the pass mark 60"


@pytest.mark.parametrize(
    ("completion", "outcome", "rule"),
    [
        ("0.79995", "failed", 3),
        ("0.7999999", "failed", 3),
        ("0.80", "rectifying", 4),  # passes rule 3, still < 90%
        ("0.8999", "rectifying", 4),
        ("0.89999999", "rectifying", 4),
        ("0.90", "accepted", 5),
        ("1", "accepted", 5),
    ],
)
def test_completion_boundaries(completion, outcome, rule):
    d = run(completion=completion)
    assert (d.outcome, d.rule) == (outcome, rule)


def test_rule3_reason_names_figures():
    assert run(completion="0.79995").reason == "indicator completion 79.995% is below 80%"


def test_rule4_remediable_failure_rectifies():
    d = run(remediable=True)
    assert (d.outcome, d.rule) == ("rectifying", 4)
    assert "self_raised_in_place" in d.reason


@pytest.mark.parametrize(("kwargs"), [{"remediable": True}, {"completion": "0.85"}, {"completion": "0.8"}])
def test_rule4_after_rectification_fails(kwargs):
    d = run(rectified=True, **kwargs)
    assert (d.outcome, d.rule) == ("failed", 4)


def test_rectified_before_does_not_block_acceptance():
    assert run(rectified=True).outcome == "accepted"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"score": "10"},
        {"completion": "0.1"},
        {"remediable": True},
        {"score": "10", "completion": "0", "remediable": True, "rectified": True},
    ],
)
def test_rule1_hard_failure_beats_everything(kwargs):
    d = run(hard=True, **{"score": "100", "completion": "1"} | kwargs)
    assert (d.outcome, d.rule) == ("failed", 1)
    assert "special_within_budget" in d.reason


def test_rule2_before_rule3_and_4():
    d = run(score="59.99", completion="0.1", remediable=True)
    assert d.rule == 2


def test_rule3_before_rule4():
    d = run(completion="0.5", remediable=True)
    assert (d.outcome, d.rule) == ("failed", 3)


def test_thresholds_come_from_settings():
    s = RuleSettings(
        pass_score=D(70),
        completion_fail_below=D("0.5"),
        completion_rectify_below=D("0.6"),
    )
    assert decide(checks(), D("69.99"), D(1), False, s).rule == 2
    assert decide(checks(), D(70), D("0.49"), False, s).rule == 3
    assert decide(checks(), D(70), D("0.59"), False, s).outcome == "rectifying"
    assert decide(checks(), D(70), D("0.6"), False, s).outcome == "accepted"


def test_no_checks_means_no_binding_failure():
    assert decide([], D(90), D(1), False, S).outcome == "accepted"
