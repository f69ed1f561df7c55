from decimal import Decimal

import pytest

from projectmgr.rules.settings import RuleSettings


def test_defaults_match_design():
    s = RuleSettings()
    assert s.special_overrun_tolerance == Decimal("0.10")
    assert s.self_raised_required_ratio == 1
    assert (s.panel_min_size, s.panel_min_finance, s.expert_max_panels_per_year) == (
        5,
        2,
        10,
    )
    assert (s.scoring_days, s.acceptance_grace_months, s.rectification_months) == (
        14,
        3,
        3,
    )
    assert (s.very_late_days, s.extension_max_months, s.credit_ban_years) == (14, 12, 3)
    assert s.pass_score == 60
    assert (s.completion_fail_below, s.completion_rectify_below) == (
        Decimal("0.8"),
        Decimal("0.9"),
    )


def test_empty_mapping_keeps_defaults():
    assert RuleSettings.from_mapping({}) == RuleSettings()


def test_from_mapping_reads_strings_and_typed_values():
    s = RuleSettings.from_mapping(
        {
            "RULE_PANEL_MIN_SIZE": " 7 ",
            "RULE_SCORING_DAYS": 10,
            "RULE_SPECIAL_OVERRUN_TOLERANCE": "0.05",
            "RULE_PASS_SCORE": Decimal(65),
            "RULE_COMPLETION_FAIL_BELOW": 0.75,
            "UNRELATED": "x",
            "rule_panel_min_finance": "9",  # keys are upper case
        }
    )
    assert s.panel_min_size == 7
    assert s.scoring_days == 10
    assert s.special_overrun_tolerance == Decimal("0.05")
    assert s.pass_score == Decimal(65)
    assert s.completion_fail_below == Decimal("0.75")
    assert s.panel_min_finance == 2
    assert isinstance(s.panel_min_size, int)
    assert isinstance(s.special_overrun_tolerance, Decimal)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("RULE_PANEL_MIN_SIZE", "five"),
        ("RULE_PANEL_MIN_SIZE", "5.5"),
        ("RULE_PANEL_MIN_SIZE", 5.0),
        ("RULE_PANEL_MIN_SIZE", "-1"),
        ("RULE_PANEL_MIN_SIZE", -1),
        ("RULE_PANEL_MIN_SIZE", True),
        ("RULE_PANEL_MIN_SIZE", ""),
        ("RULE_PANEL_MIN_SIZE", None),
        ("RULE_SPECIAL_OVERRUN_TOLERANCE", "ten percent"),
        ("RULE_SPECIAL_OVERRUN_TOLERANCE", "NaN"),
        ("RULE_SPECIAL_OVERRUN_TOLERANCE", "inf"),
        ("RULE_SPECIAL_OVERRUN_TOLERANCE", "-0.1"),
        ("RULE_PASS_SCORE", False),
        ("RULE_PASS_SCORE", None),
    ],
)
def test_bad_value_names_the_key(key, value):
    with pytest.raises(ValueError, match=key):
        RuleSettings.from_mapping({key: value})
