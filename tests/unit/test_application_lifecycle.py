"""The application transition table (lifecycle.applications): each guard refuses and admits on the
facts it reads, the table is whole, and one history row is written per transition."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from projectmgr.errors import GuardFailed, InvalidTransition
from projectmgr.lifecycle import applications as lc
from projectmgr.models import Application, ApplicationState, ApplicationTransition, Call
from projectmgr.rules.applications import add_working_days, notice_end, scale_budget, working_days_between
from projectmgr.rules.settings import RuleSettings

A = ApplicationState
TODAY = date(2026, 12, 2)  # a Wednesday


@dataclass
class FakeReads:
    credit: list = field(default_factory=list)
    panel: list = field(default_factory=list)
    missing_scores: list = field(default_factory=list)
    unresolved: int = 0
    upheld: int = 0

    def credit_problems(self):
        return self.credit

    def panel_problems(self):
        return self.panel

    def unscored(self):
        return self.missing_scores

    def unresolved_objections(self):
        return self.unresolved

    def upheld_objections(self):
        return self.upheld


def ctx(state: A, reads: FakeReads | None = None, opens=-5, closes=5, notice_until=None) -> lc.Context:
    call = Call(opens_on=TODAY + timedelta(days=opens), closes_on=TODAY + timedelta(days=closes))
    application = Application(state=state, call=call, notice_until=notice_until)
    return lc.Context(application, None, TODAY, RuleSettings(), reads or FakeReads())


def checks(trigger: str, c: lc.Context) -> list[str]:
    return [f["check"] for f in lc.failed_checks(lc.BY_TRIGGER[trigger], c)]


def test_window_guard():
    assert checks("submit", ctx(A.draft)) == []
    assert checks("submit", ctx(A.draft, opens=1, closes=5)) == ["window"]
    assert checks("submit", ctx(A.draft, opens=-9, closes=-1)) == ["window"]
    assert checks("submit", ctx(A.draft, opens=0, closes=0)) == []  # both ends count


def test_credit_guard_at_submission_resubmission_and_approval():
    refused = FakeReads(credit=[{"check": "credit", "message": "failed before"}])
    assert checks("submit", ctx(A.draft, refused)) == ["credit"]
    assert checks("resubmit", ctx(A.returned, refused)) == ["credit"]
    failures = lc.failed_checks(lc.BY_TRIGGER["approve"], ctx(A.publicized, refused, notice_until=TODAY - timedelta(1)))
    assert [f["check"] for f in failures] == ["credit"]
    assert failures[0]["problems"] == refused.credit


def test_panel_and_scores_guards():
    assert checks("form_panel", ctx(A.checked, FakeReads(panel=[{"check": "panel_size"}]))) == ["panel"]
    assert checks("form_panel", ctx(A.checked)) == []
    assert checks("conclude_review", ctx(A.under_review, FakeReads(missing_scores=["m"]))) == ["scores"]
    assert checks("conclude_review", ctx(A.under_review)) == []


@pytest.mark.parametrize(
    ("notice_until", "reads", "refused"),
    [
        (TODAY, FakeReads(), ["notice"]),  # the last day of the notice
        (None, FakeReads(), ["notice"]),
        (TODAY - timedelta(days=1), FakeReads(unresolved=1), ["objections"]),
        (TODAY - timedelta(days=1), FakeReads(upheld=1), ["objection_upheld"]),
        (TODAY - timedelta(days=1), FakeReads(), []),
    ],
)
def test_approve_guards(notice_until, reads, refused):
    assert checks("approve", ctx(A.publicized, reads, notice_until=notice_until)) == refused


def test_reject_and_withdraw_have_no_guards():
    assert lc.BY_TRIGGER["reject"].guards == ()
    assert set(lc.BY_TRIGGER["withdraw"].sources) == {A.draft, A.submitted, A.returned}
    assert set(lc.BY_TRIGGER["reject"].sources) == {A.checked, A.reviewed, A.publicized}


def test_every_state_is_reachable_and_finals_have_no_exit():
    reached = {A.draft} | {t.dest for t in lc.TRANSITIONS}
    assert reached == set(A)
    assert not [t for t in lc.TRANSITIONS if set(t.sources) & set(lc.FINAL)]


def test_fire_writes_one_history_row_and_refuses_naming_checks(app):
    from projectmgr.extensions import db

    c = ctx(A.draft)
    lc.fire("submit", c)
    assert c.application.state == A.submitted
    rows = [o for o in db.session.new if isinstance(o, ApplicationTransition)]
    assert [(r.trigger, r.from_state, r.to_state) for r in rows] == [("submit", A.draft, A.submitted)]
    with pytest.raises(InvalidTransition):
        lc.fire("submit", c)
    with pytest.raises(GuardFailed) as exc:
        lc.fire("form_panel", ctx(A.checked, FakeReads(panel=[{"check": "panel_size"}])))
    assert exc.value.details[0]["check"] == "panel"
    db.session.rollback()


def test_possible_triggers_and_diagram():
    assert lc.possible_triggers(ctx(A.draft), ["submit", "withdraw", "pass_check"]) == ["submit", "withdraw"]
    assert "publicized --> approved: approve" in lc.mermaid()


def test_notice_skips_weekends():
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday -> Monday
    assert notice_end(TODAY) == date(2026, 12, 9)
    assert working_days_between(date(2026, 12, 4), date(2026, 12, 7)) == 1


def test_budget_scaling_sums_to_the_grant():
    lines = [("equipment", Decimal("100.00")), ("labor", Decimal("100.00")), ("travel", Decimal("100.00"))]
    scaled = scale_budget(lines, Decimal("300.00"), Decimal("100.00"))
    assert sum(scaled.values()) == Decimal("100.00")
    assert scaled == {"equipment": Decimal("33.34"), "labor": Decimal("33.33"), "travel": Decimal("33.33")}
    assert scale_budget(lines, Decimal("300.00"), Decimal("300.00")) == dict(lines)
