"""Credit records (DESIGN §8): a failed conclusion is recorded against the organization and the
owner, and refuses new projects for either for 3 years; so does an acceptance application or
rectification overdue now. Other overdue items do not block.

POST /projects registers as of today; the service is called with `as_of` (through the factory,
which registers on the project's start date) where the date matters."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from projectmgr.errors import GuardFailed
from projectmgr.extensions import db
from projectmgr.models import CreditRecord, Level, Project, ReportKind, Role
from projectmgr.rules.deadlines import add_months
from projectmgr.services import funds, settings
from projectmgr.services.sweep import run_sweep
from projectmgr.services.transitions import transition
from tests.test_rectification import ok, to_rectifying

FAILED_ON = date(2027, 3, 15)


def fire(project, trigger: str, user, on: date, **params) -> None:
    transition(project, trigger, user, settings(), on, params)
    db.session.commit()


def payload(plan, owner, code: str) -> dict:
    return {
        "code": code,
        "title": "新项目",
        "plan_id": plan.id,
        "organization_id": owner.organization_id,
        "owner_id": owner.id,
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "special_funds": "100000.00",
        "self_raised_committed": "100000.00",
        "budget": [{"category": "equipment", "special": "100000", "self_raised": "100000"}],
        "indicators": [{"key": "sales", "name": "销售收入", "unit": "万元", "target": "100"}],
    }


def refusal(make, owner, on: date) -> list[dict] | None:
    """Register a project for `owner` on `on`: None when allowed, else the credit details."""
    try:
        make.project(owner=owner, start=on, end=on + timedelta(days=365))
    except GuardFailed as exc:
        db.session.rollback()
        assert {d["check"] for d in exc.details} == {"credit"}
        return exc.details
    return None


def failed_national(make, owner, staff, on: date) -> Project:
    """A national project whose higher authority recorded a failed conclusion on `on`."""
    project = make.project(Level.national, owner=owner, staff=staff)
    fire(project, "start", staff, date(2026, 1, 5))
    funds.submit_report(owner, project, ReportKind.acceptance, "完成", [("sales", Decimal(50))], True)
    fire(project, "apply_acceptance", owner, date(2026, 12, 1))
    fire(project, "record_conclusion", staff, on, conclusion="failed", document_no="国科发〔2027〕1号")
    return project


def test_a_failed_conclusion_refuses_new_projects_for_the_organization_and_the_owner(api, make):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    s = api.as_(staff)
    project = make.project(Level.national, owner=owner, staff=staff)
    ok(s.post(f"/projects/{project.id}/transitions", json={"trigger": "start"}))
    funds.submit_report(owner, project, ReportKind.acceptance, "完成", [("sales", Decimal(50))], True)
    db.session.commit()
    ok(api.as_(owner).post(f"/projects/{project.id}/transitions", json={"trigger": "apply_acceptance"}))
    ok(
        s.post(
            f"/projects/{project.id}/transitions",
            json={"trigger": "record_conclusion", "conclusion": "failed", "document_no": "豫科〔2026〕9号"},
        )
    )
    [record] = db.session.scalars(select(CreditRecord))
    assert (record.organization_id, record.person_id, record.project_id, record.recorded_on) == (
        owner.organization_id,
        owner.id,
        project.id,
        date.today(),
    )
    plan = make.plan()
    colleague = make.user(Role.owner, organization=owner.organization)

    for who in (owner, colleague):
        r = s.post("/projects", json=payload(plan, who, f"NEW-{who.id}"))
        assert r.status_code == 422, r.json
        assert r.json["error"]["code"] == "guard_failed"
        [detail] = r.json["error"]["details"]
        assert detail["check"] == "credit"
        assert f"credit record {record.id}" in detail["message"]
        assert project.code in detail["message"]
        assert owner.organization.name in detail["message"]
    assert db.session.scalar(select(func.count(Project.id))) == 1

    # The same request for an organization and person without a record is fine.
    ok(s.post("/projects", json=payload(plan, make.user(Role.owner), "NEW-clean")), 201)


def test_the_owner_carries_the_record_to_another_organization(api, make):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    failed_national(make, owner, staff, date(2026, 6, 1))
    [record] = db.session.scalars(select(CreditRecord))
    owner.organization_id = make.organization().id
    db.session.commit()

    r = api.as_(staff).post("/projects", json=payload(make.plan(), owner, "MOVED"))
    assert r.status_code == 422, r.json
    [detail] = r.json["error"]["details"]
    assert detail["check"] == "credit"
    assert owner.display_name in detail["message"] and f"credit record {record.id}" in detail["message"]


@pytest.mark.parametrize(
    "on, refused",
    [
        (FAILED_ON - timedelta(days=1), False),  # before the failure
        (FAILED_ON, True),
        (add_months(FAILED_ON, 36) - timedelta(days=1), True),
        (add_months(FAILED_ON, 36) + timedelta(days=1), False),
    ],
    ids=["before", "same_day", "a_day_short_of_3_years", "3_years_and_a_day"],
)
@pytest.mark.parametrize("same", ["owner", "organization"])
def test_the_ban_lasts_3_years(make, on, refused, same):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    failed_national(make, owner, staff, FAILED_ON)
    applicant = owner if same == "owner" else make.user(Role.owner, organization=owner.organization)

    details = refusal(make, applicant, on)

    if refused:
        [detail] = details
        assert "2027-03-15" in detail["message"]
    else:
        assert details is None


def test_an_expired_project_leaves_a_record_that_refuses(make):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, end=date(2026, 12, 31))
    fire(project, "start", staff, date(2026, 1, 5))
    assert [c["project_id"] for c in run_sweep(date(2027, 4, 1), settings()).changed] == [project.id]
    db.session.commit()
    [record] = db.session.scalars(select(CreditRecord))
    assert record.recorded_on == date(2027, 4, 1) and "acceptance application" in record.reason

    [detail] = refusal(make, owner, date(2027, 4, 2))
    assert f"credit record {record.id}" in detail["message"]
    assert refusal(make, owner, add_months(date(2027, 4, 1), 36) + timedelta(days=1)) is None


@pytest.mark.parametrize(
    "on, refused", [(date(2026, 9, 30), False), (date(2026, 10, 1), True)], ids=["due_today", "overdue"]
)
def test_an_acceptance_application_overdue_now_refuses(make, on, refused):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, end=date(2026, 6, 30))  # due 2026-09-30
    fire(project, "start", staff, date(2026, 1, 5))
    colleague = make.user(Role.owner, organization=owner.organization)

    for applicant in (owner, colleague):
        details = refusal(make, applicant, on)
        if refused:
            [detail] = details
            assert project.code in detail["message"]
            assert "overdue acceptance application (due 2026-09-30)" in detail["message"]
        else:
            assert details is None
    assert db.session.scalar(select(func.count(CreditRecord.id))) == 0


def test_the_api_refuses_while_an_application_is_overdue_and_allows_once_it_is_filed(api, make):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, end=date(2026, 6, 30))  # due 2026-09-30, before today
    fire(project, "start", staff, date(2026, 1, 5))
    plan = make.plan()
    s = api.as_(staff)

    r = s.post("/projects", json=payload(plan, owner, "NEXT"))
    assert r.status_code == 422 and r.json["error"]["details"][0]["check"] == "credit", r.json

    o = api.as_(owner)
    ok(
        o.post(
            f"/projects/{project.id}/reports",
            json={"kind": "acceptance", "summary": "完成", "indicators": [{"key": "sales", "achieved": "100"}]},
        ),
        201,
    )
    ok(o.post(f"/projects/{project.id}/transitions", json={"trigger": "apply_acceptance"}))
    ok(s.post("/projects", json=payload(plan, owner, "NEXT")), 201)


@pytest.mark.parametrize("late", [False, True], ids=["due_today", "overdue"])
def test_a_rectification_overdue_now_refuses(api, make, late):
    project, _, owner, _ = to_rectifying(api, make)
    due = add_months(date.today(), 3)

    details = refusal(make, owner, due + timedelta(days=1) if late else due)

    if late:
        [detail] = details
        assert f"overdue rectification (due {due})" in detail["message"]
    else:
        assert details is None


def test_overdue_surveys_and_annual_evaluations_do_not_refuse(make):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, end=date(2027, 6, 30))
    fire(project, "start", staff, date(2026, 1, 5))
    fire(project, "open_survey", staff, date(2026, 6, 1), due_date=date(2026, 6, 30))

    assert refusal(make, owner, date(2026, 7, 15)) is None  # the survey report is overdue
    assert refusal(make, owner, date(2026, 12, 15)) is None  # and the 2026 evaluation too
    # ...while the acceptance application, once overdue, does refuse.
    assert refusal(make, owner, date(2027, 10, 1)) is not None
