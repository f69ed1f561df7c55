"""The demo data (DESIGN §10): every role, every state, valid organisations, real rules, loaded once."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from projectmgr.demo import ACCOUNTS, ACCOUNTS_TEXT, PASSWORD, load
from projectmgr.extensions import db
from projectmgr.facts.due import open_at
from projectmgr.facts.figures import project_facts
from projectmgr.models import (
    CreditRecord,
    DueItem,
    DueKind,
    ExtensionRequest,
    ExtensionStatus,
    Level,
    Organization,
    OrgKind,
    Panel,
    Plan,
    Project,
    Role,
    State,
    TransitionRecord,
    User,
)
from projectmgr.rules.credit_code import is_valid_credit_code
from projectmgr.services import settings, signin
from projectmgr.services.account_settings import account_settings
from projectmgr.services.credit import credit_problems
from projectmgr.services.sweep import run_sweep

ENTERPRISES = {"中原特钢", "清水源", "贝迪公司", "矿用公司", "联创化工", "石晶光电"}
PARTNERS = {
    "太原理工大学",
    "西安电子科技大学",
    "北京科技大学",
    "洛阳有色院",
    "中科院动物所",
    "同济大学",
    "北京化工大学",
}
INDUSTRIES = {"矿用机电", "装备制造", "生物科技", "PVC深加工", "铅锌延伸加工", "畜禽养殖加工", "硅伏材料"}


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.id)))


def overdue(kind: DueKind, as_of: date) -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .join(DueItem, DueItem.project_id == Project.id)
            .where(DueItem.kind == kind, DueItem.due_date < as_of, open_at(as_of))
            .order_by(Project.id)
        )
    )


def check_people_and_organisations() -> None:
    orgs = list(db.session.scalars(select(Organization)))
    assert all(is_valid_credit_code(o.credit_code) for o in orgs)
    by_kind = {k: {o.name for o in orgs if o.kind == k} for k in OrgKind}
    assert by_kind[OrgKind.enterprise] == ENTERPRISES
    assert by_kind[OrgKind.university] | by_kind[OrgKind.institute] == PARTNERS
    assert by_kind[OrgKind.government] == {"济源市科学技术局"}

    users = list(db.session.scalars(select(User)))
    assert {u.role for u in users} == set(Role)
    assert {"admin", "staff", "staff2", "leader", "owner"} <= {u.username for u in users}
    owners = [u for u in users if u.role == Role.owner]
    assert {u.organization.name for u in owners} == ENTERPRISES
    assert next(u for u in owners if u.username == "owner").organization.name == "清水源"
    experts = [u for u in users if u.role == Role.expert]
    assert len(experts) >= 9
    assert sum(e.expert.finance for e in experts) >= 3
    assert any(e.organization is not None and e.organization.name in PARTNERS for e in experts)
    assert INDUSTRIES <= {f for e in experts for f in e.expert.fields}
    # Every account signs in with the password the table shows, and the table lists each one.
    # ... and needs no second factor: the demo's accounts are policy-exempt (README).
    assert all(u.check_password(PASSWORD) and u.password_policy_exempt for u in users)
    assert not any(signin.must_enrol(u, account_settings()) for u in users)
    assert PASSWORD in ACCOUNTS_TEXT
    assert all(a.username in ACCOUNTS_TEXT for a in ACCOUNTS)
    assert {a.username for a in ACCOUNTS} == {u.username for u in users}


def check_plans_and_task_books(today: date) -> None:
    plans = list(db.session.scalars(select(Plan).where(Plan.year == today.year)))
    assert {p.level for p in plans} == set(Level)
    ratios = {p.level: p.min_self_raised_ratio for p in plans}
    assert ratios[Level.municipal] == Decimal("1.00") and ratios[Level.provincial] == Decimal("3.00")
    all_projects = projects()
    assert 20 <= len(all_projects) <= 30
    assert {p.industry for p in all_projects} == INDUSTRIES
    for p in all_projects:
        assert sum(b.special for b in p.budget_lines) == p.special_funds, p.code
        assert sum(b.self_raised for b in p.budget_lines) == p.self_raised_committed, p.code
        assert p.self_raised_committed >= p.plan.min_self_raised_ratio * p.special_funds, p.code
        assert len([b for b in p.budget_lines if b.special > 0]) >= 3, p.code
        assert len(p.indicators) >= 3, p.code
        assert p.responsible_staff.role == Role.staff
    assert {f for p in all_projects for f in p.flags} == {"major", "problematic", "seasonal"}


def check_lifecycle(today: date) -> None:
    all_projects = projects()
    assert {p.state for p in all_projects} == set(State)
    history = {
        p.id: list(
            db.session.scalars(
                select(TransitionRecord).where(TransitionRecord.project_id == p.id).order_by(TransitionRecord.id)
            )
        )
        for p in all_projects
    }
    for p in all_projects:
        rows = history[p.id]
        if p.state == State.approved:
            assert rows == [], p.code
            continue
        # The states were reached through the lifecycle: an unbroken chain of history rows.
        assert rows[0].from_state == State.approved and rows[-1].to_state == p.state, p.code
        assert all(a.to_state == b.from_state for a, b in zip(rows, rows[1:], strict=False)), p.code
    failed = [p for p in all_projects if p.state == State.failed]
    triggers = {history[p.id][-1].trigger: history[p.id][-1] for p in failed}
    assert set(triggers) == {"expire", "conclude"}
    assert triggers["expire"].actor_id is None and triggers["conclude"].actor_id is not None
    assert {r.project_id for r in db.session.scalars(select(CreditRecord))} == {p.id for p in failed}
    higher = [p for p in all_projects if any(r.trigger == "record_conclusion" for r in history[p.id])]
    assert {p.plan.level for p in higher} == {Level.national, Level.provincial}
    waiting = [p for p in all_projects if p.state == State.acceptance_applied]
    assert {p.plan.level for p in waiting} == set(Level)


def check_deadlines_and_funds(today: date) -> None:
    rules = settings()
    late = overdue(DueKind.acceptance_application, today)
    assert len(late) >= 2 and all(p.state == State.in_progress and p.end_date < today for p in late)
    assert overdue(DueKind.survey_report, today)
    assert [p.state for p in overdue(DueKind.expert_scores, today)] == [State.under_review]
    for p in (p for p in projects() if p.state == State.under_review):
        panel = db.session.scalar(select(Panel).where(Panel.project_id == p.id))
        scored = [m.score is not None for m in panel.members]
        assert any(scored) and not all(scored), p.code
    # The research-integrity rule is live: the organisations of failed or late projects are blocked.
    blocked = {p.organization_id for p in projects() if p.state == State.failed} | {p.organization_id for p in late}
    for p in projects():
        refused = bool(credit_problems(p.organization_id, p.owner_id, today, rules))
        assert refused == (p.organization_id in blocked), p.code
    failing = {}
    for p in projects():
        for check in project_facts(p, rules, today).binding_checks:
            if not check.passed:
                failing.setdefault(check.key, set()).add(p.state)
    assert State.in_progress in failing["special_within_budget"]
    assert State.in_progress in failing["self_raised_in_place"]
    assert State.rectifying in failing["self_raised_in_place"]
    extensions = {e.status for e in db.session.scalars(select(ExtensionRequest))}
    assert extensions == {ExtensionStatus.approved, ExtensionStatus.pending}
    # The daily sweep would deem exactly the late applications failed, and nothing else.
    changed = run_sweep(today, rules).changed
    assert sorted(c["project_id"] for c in changed) == [p.id for p in late]
    assert {c["to_state"] for c in changed} == {"failed"}


@pytest.mark.parametrize(
    "today",
    [date.today(), date(2027, 1, 4), date(2028, 2, 29)],
    ids=["today", "early-january", "leap-day"],
)
def test_demo_covers_every_role_and_state_through_the_real_rules(today):
    assert load(today) is True
    db.session.commit()
    check_people_and_organisations()
    check_plans_and_task_books(today)
    check_lifecycle(today)

    before = row_counts()
    assert load(today) is False
    db.session.commit()
    assert row_counts() == before

    check_deadlines_and_funds(today)


def test_load_does_not_commit():
    assert load(date(2026, 6, 15)) is True
    db.session.rollback()
    assert all(n == 0 for n in row_counts().values())


def test_evaluated_projects_keep_the_grade_their_history_gives(app):
    """Grading the demo's earlier years must not overwrite an evaluated project's final grade."""
    from datetime import date

    from sqlalchemy import select

    from projectmgr.demo import load
    from projectmgr.extensions import db
    from projectmgr.models import Project, State, TransitionRecord

    load(date.today())
    db.session.commit()
    evaluated = db.session.scalars(select(Project).where(Project.state == State.evaluated)).all()
    assert evaluated
    for project in evaluated:
        record = db.session.scalar(
            select(TransitionRecord)
            .where(TransitionRecord.project_id == project.id, TransitionRecord.trigger == "evaluate")
            .order_by(TransitionRecord.id.desc())
        )
        assert project.evaluation_grade.value == record.details["grade"], project.code


def test_the_sign_in_page_of_a_demo_database_says_so_and_staff_sign_in_without_a_second_factor(client):
    assert "demo12345" not in client.get("/login").get_data(as_text=True)
    assert load(date.today()) is True
    db.session.commit()
    assert "demo12345" in client.get("/login").get_data(as_text=True)
    r = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert r.status_code == 302 and "/login/" not in r.location
    assert client.get("/dashboard").status_code == 200
