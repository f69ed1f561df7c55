from dataclasses import replace
from decimal import Decimal

import pytest

from projectmgr.rules.binding import (
    CATEGORIES,
    BindingCheck,
    FundsFacts,
    binding_checks,
    failed,
)
from projectmgr.rules.settings import RuleSettings

D = Decimal
S = RuleSettings()
KEYS = [
    "special_within_budget",
    "special_only_budgeted",
    "self_raised_in_place",
    "separate_account",
    "integrity",
]


def facts(**changes) -> FundsFacts:
    """A project that passes every check: grant 3000 over three categories."""
    base = FundsFacts(
        special_grant=D("3000.00"),
        self_raised_committed=D("2000.00"),
        approved_special={
            "equipment": D("1000.00"),
            "materials": D("1000.00"),
            "labor": D("1000.00"),
        },
        special_spent={"equipment": D("900.00"), "materials": D("1000.00")},
        self_raised_arrived=D("2000.00"),
        separate_account=True,
        panel_size=5,
        integrity_flags=0,
    )
    return replace(base, **changes)


def check(f: FundsFacts, key: str, settings: RuleSettings = S) -> BindingCheck:
    return {c.key: c for c in binding_checks(f, settings)}[key]


def test_all_pass_in_design_order_with_severities():
    checks = binding_checks(facts(), S)
    assert [c.key for c in checks] == KEYS
    assert [c.severity for c in checks] == [
        "hard",
        "hard",
        "remediable",
        "remediable",
        "hard",
    ]
    assert all(c.passed for c in checks)
    assert failed(checks, "hard") == [] and failed(checks, "remediable") == []


def test_categories_are_the_design_keys():
    keys = "equipment materials testing fuel_power travel_meeting publication_ip labor"
    assert CATEGORIES == (*keys.split(), "expert_consulting", "other", "indirect")


@pytest.mark.parametrize(
    ("spent", "passed"),
    [
        ("1099.99", True),
        ("1100.00", True),  # exactly approved + 10%
        ("1100.01", False),  # one cent over
        ("1200.00", False),
    ],
)
def test_special_within_budget_category_threshold(spent, passed):
    # Grant large enough that only the per-category limit is in play.
    f = facts(special_grant=D("5000.00"), special_spent={"equipment": D(spent)})
    c = check(f, "special_within_budget")
    assert c.passed is passed
    assert c.severity == "hard"
    assert c.figures["categories"]["equipment"] == {
        "approved": "1000.00",
        "allowed": "1100.00",
        "spent": spent,
    }
    if not passed:
        assert c.figures["categories_over"] == ["equipment"]
        assert c.detail == (f"equipment: special spent {spent} > 1100.00 allowed (approved 1000.00 + 10%)")


def test_special_within_budget_allowance_is_not_rounded():
    # 0.05 × 1.1 = 0.055: spending 0.06 exceeds it even though both "round" to 0.06.
    f = facts(approved_special={"testing": D("0.05")}, special_spent={"testing": D("0.06")})
    c = check(f, "special_within_budget")
    assert not c.passed
    assert c.figures["categories"]["testing"]["allowed"] == "0.055"
    exact = facts(approved_special={"testing": D("0.05")}, special_spent={"testing": D("0.05")})
    assert check(exact, "special_within_budget").passed


@pytest.mark.parametrize(
    ("total", "passed"),
    [("2999.99", True), ("3000.00", True), ("3000.01", False)],
)
def test_special_within_budget_total_against_grant(total, passed):
    # Each category stays within its +10%, but the total can still exceed the grant.
    rest = D(total) - D("2200.00")
    f = facts(
        special_spent={
            "equipment": D("1100.00"),
            "materials": D("1100.00"),
            "labor": rest,
        }
    )
    c = check(f, "special_within_budget")
    assert c.passed is passed
    assert c.figures["total_spent"] == total
    assert c.figures["total_over_grant"] is (not passed)
    assert c.figures["categories_over"] == []
    if not passed:
        assert c.detail == f"total special spent {total} > special grant 3000.00"


def test_special_within_budget_uses_tolerance_setting():
    f = facts(special_grant=D("5000.00"), special_spent={"equipment": D("1050.01")})
    strict = RuleSettings(special_overrun_tolerance=D("0.05"))
    assert check(f, "special_within_budget").passed
    c = check(f, "special_within_budget", strict)
    assert not c.passed
    assert "1050.01 > 1050.00 allowed (approved 1000.00 + 5%)" in c.detail


def test_spending_in_unknown_category_is_not_ignored():
    f = facts(special_spent={"equipment": D("100.00"), "mystery": D("1.00")})
    assert not check(f, "special_within_budget").passed
    c = check(f, "special_only_budgeted")
    assert not c.passed
    assert c.figures["unbudgeted"] == {"mystery": "1.00"}


@pytest.mark.parametrize(
    ("approved", "spent", "passed"),
    [
        ({}, {"testing": "0.01"}, False),  # missing category counts as 0 approved
        ({"testing": "0.00"}, {"testing": "0.01"}, False),
        ({"testing": "0.00"}, {"testing": "0.00"}, True),
        ({"testing": "0.01"}, {"testing": "0.01"}, True),
        ({}, {}, True),
    ],
)
def test_special_only_budgeted(approved, spent, passed):
    approved_special = {"equipment": D("1000.00")} | {k: D(v) for k, v in approved.items()}
    f = facts(
        approved_special=approved_special,
        special_spent={k: D(v) for k, v in spent.items()},
    )
    c = check(f, "special_only_budgeted")
    assert c.passed is passed
    assert c.severity == "hard"
    if not passed:
        assert c.detail == "testing: special spent 0.01 with no approved special budget"


@pytest.mark.parametrize(
    ("committed", "arrived", "passed"),
    [
        ("2000.00", "1999.99", False),  # one cent short
        ("2000.00", "2000.00", True),
        ("2000.00", "2500.00", True),
        ("0.00", "0.00", True),  # nothing committed
        ("0.01", "0.00", False),
    ],
)
def test_self_raised_in_place(committed, arrived, passed):
    c = check(
        facts(self_raised_committed=D(committed), self_raised_arrived=D(arrived)),
        "self_raised_in_place",
    )
    assert c.passed is passed
    assert c.severity == "remediable"
    assert c.figures["required"] == committed
    assert c.figures["arrived"] == arrived


def test_self_raised_detail_and_shortfall():
    c = check(facts(self_raised_arrived=D("1999.99")), "self_raised_in_place")
    assert c.detail == ("self-raised arrived 1999.99 < 2000.00 required (100% of committed 2000.00)")
    assert c.figures["shortfall"] == "0.01"


@pytest.mark.parametrize(("arrived", "passed"), [("1599.99", False), ("1600.00", True)])
def test_self_raised_ratio_setting(arrived, passed):
    s = RuleSettings(self_raised_required_ratio=D("0.8"))
    c = check(facts(self_raised_arrived=D(arrived)), "self_raised_in_place", s)
    assert c.passed is passed


@pytest.mark.parametrize(("declared", "passed"), [(True, True), (False, False), (None, False)])
def test_separate_account(declared, passed):
    c = check(facts(separate_account=declared), "separate_account")
    assert c.passed is passed
    assert c.severity == "remediable"
    assert c.figures == {"separate_account": declared}


@pytest.mark.parametrize(
    ("size", "flags", "passed"),
    [
        (0, 0, True),  # no panel yet
        (5, 0, True),
        (5, 2, True),
        (5, 3, False),
        (6, 2, True),
        (6, 3, False),  # exactly half fails
        (4, 2, False),
        (7, 3, True),
        (7, 4, False),
    ],
)
def test_integrity(size, flags, passed):
    c = check(facts(panel_size=size, integrity_flags=flags), "integrity")
    assert c.passed is passed
    assert c.severity == "hard"
    assert c.figures == {"panel_size": size, "integrity_flags": flags}


def test_failed_filters_by_severity():
    f = facts(
        special_spent={"indirect": D("1.00")},
        separate_account=False,
        self_raised_arrived=D("0.00"),
    )
    checks = binding_checks(f, S)
    assert [c.key for c in failed(checks, "hard")] == [
        "special_within_budget",
        "special_only_budgeted",
    ]
    assert [c.key for c in failed(checks, "remediable")] == [
        "self_raised_in_place",
        "separate_account",
    ]
