"""The daily sweep (DESIGN §7): `expire` fails every running or rectifying project whose acceptance
application (end date + 3 months) or rectification (start + 3 months) is still open after its due
date, as the system, with a credit record; running it again changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import CreditRecord, DueItem, DueKind, ReportKind, Role, State
from projectmgr.rules.deadlines import add_months
from projectmgr.services import funds, settings
from projectmgr.services.transitions import transition
from tests.test_rectification import acceptance_report, ok, to_rectifying

END = date(2026, 12, 31)
DUE = date(2027, 3, 31)  # END + 3 months


def fire(project, trigger: str, user, on: date, **params) -> None:
    """A transition on a chosen day, committed like a finished request."""
    transition(project, trigger, user, settings(), on, params)
    db.session.commit()


@pytest.fixture
def people(make):
    return make.user(Role.staff), make.user(Role.owner)


def running_project(make, staff, owner, state: State = State.in_progress, end: date = END, **kwargs):
    """A project started on its start date and brought to `state` (in_progress, mid_year_survey or
    survey_submitted)."""
    project = make.project(owner=owner, staff=staff, end=end, **kwargs)
    fire(project, "start", staff, date(2026, 1, 5))
    if state in (State.mid_year_survey, State.survey_submitted):
        fire(project, "open_survey", staff, date(2026, 6, 1), due_date=date(2026, 6, 30))
    if state == State.survey_submitted:
        funds.submit_report(owner, project, ReportKind.survey, "进展", [], None)
        fire(project, "submit_survey", owner, date(2026, 6, 20))
    assert project.state == state
    return project


def sweep(api, staff, on: date) -> dict:
    return ok(api.as_(staff).post(f"/sweep?as_of={on.isoformat()}"))


def credit_records(project_id: int) -> list[CreditRecord]:
    return list(db.session.scalars(select(CreditRecord).where(CreditRecord.project_id == project_id)))


@pytest.mark.parametrize("state", [State.in_progress, State.mid_year_survey, State.survey_submitted])
@pytest.mark.parametrize(
    "on, expires", [(DUE - timedelta(days=1), False), (DUE, False), (DUE + timedelta(days=1), True)]
)
def test_a_late_acceptance_application_fails_the_day_after_its_due_date(api, make, people, state, on, expires):
    staff, owner = people
    project = running_project(make, staff, owner, state)

    result = sweep(api, staff, on)

    db.session.refresh(project)
    if not expires:
        assert result == {"as_of": on.isoformat(), "changed": [], "count": 0}
        assert project.state == state
        assert credit_records(project.id) == []
        return
    assert result["as_of"] == on.isoformat() and result["count"] == 1
    [change] = result["changed"]
    assert change["project_id"] == project.id and change["code"] == project.code
    assert (change["from_state"], change["to_state"]) == (state.value, "failed")
    assert "acceptance application due 2027-03-31" in change["reason"]
    assert project.state == State.failed and project.concluded_on == on
    last = ok(api.as_(staff).get(f"/projects/{project.id}/history"))["items"][-1]
    assert (last["trigger"], last["from_state"], last["to_state"], last["actor"]) == (
        "expire",
        state.value,
        "failed",
        "system",
    )
    assert last["details"] == {"expired": [{"kind": "acceptance_application", "due_date": "2027-03-31"}]}
    [record] = credit_records(project.id)
    assert (record.organization_id, record.person_id, record.recorded_on) == (project.organization_id, owner.id, on)
    # The expired obligations are closed: the failed project owes no application any more.
    item = db.session.scalar(
        select(DueItem).where(DueItem.project_id == project.id, DueItem.kind == DueKind.acceptance_application)
    )
    assert item.closed_on == on


def test_a_second_run_changes_nothing(api, make, people):
    staff, owner = people
    late = [running_project(make, staff, owner) for _ in range(2)]
    on = DUE + timedelta(days=1)

    assert sweep(api, staff, on)["count"] == 2
    assert sweep(api, staff, on) == {"as_of": on.isoformat(), "changed": [], "count": 0}
    assert sweep(api, staff, on + timedelta(days=30))["count"] == 0
    for project in late:
        history = ok(api.as_(staff).get(f"/projects/{project.id}/history"))["items"]
        assert [h["trigger"] for h in history] == ["start", "expire"]
        assert len(credit_records(project.id)) == 1


def test_projects_that_applied_in_time_or_never_started_are_untouched(api, make, people):
    staff, owner = people
    applied = running_project(make, staff, owner)
    funds.submit_report(owner, applied, ReportKind.acceptance, "完成", [("sales", Decimal(100))], True)
    fire(applied, "apply_acceptance", owner, DUE)  # on the last day
    late = running_project(make, staff, owner)
    # Not started: not a state the sweep expires.
    approved = make.project(owner=owner, staff=staff, end=END)

    result = sweep(api, staff, DUE + timedelta(days=1))

    assert [c["project_id"] for c in result["changed"]] == [late.id]
    for project, state in ((applied, State.acceptance_applied), (approved, State.approved), (late, State.failed)):
        db.session.refresh(project)
        assert project.state == state


def test_an_approved_extension_moves_the_deadline_the_sweep_keeps(api, make, people):
    staff, owner = people
    extended = running_project(make, staff, owner)
    funds.request_extension(owner, extended, date(2027, 6, 30), "设备延迟", settings(), date(2026, 11, 1))
    funds.decide_extension(staff, extended, True, settings(), date(2026, 11, 1))
    db.session.commit()
    refused = running_project(make, staff, owner)
    funds.request_extension(owner, refused, date(2027, 6, 30), "设备延迟", settings(), date(2026, 11, 1))
    funds.decide_extension(staff, refused, False, settings(), date(2026, 11, 1))
    db.session.commit()

    assert [c["project_id"] for c in sweep(api, staff, DUE + timedelta(days=1))["changed"]] == [refused.id]
    db.session.refresh(extended)
    assert extended.state == State.in_progress
    assert sweep(api, staff, date(2027, 9, 30))["count"] == 0
    assert [c["project_id"] for c in sweep(api, staff, date(2027, 10, 1))["changed"]] == [extended.id]


@pytest.mark.parametrize("on, expires", [(date(2027, 2, 28), False), (date(2027, 3, 1), True)])
def test_the_deadline_is_clamped_to_the_end_of_a_short_month(api, make, people, on, expires):
    staff, owner = people
    project = running_project(make, staff, owner, end=date(2026, 11, 30))
    due = ok(api.as_(staff).get(f"/projects/{project.id}?as_of=2026-12-01"))["due_items"]
    assert {"kind": "acceptance_application", "due_date": "2027-02-28"}.items() <= next(
        d for d in due if d["kind"] == "acceptance_application"
    ).items()

    assert sweep(api, staff, on)["count"] == (1 if expires else 0)


@pytest.mark.parametrize("late", [False, True], ids=["on_the_due_date", "the_day_after"])
def test_a_late_rectification_fails(api, make, late):
    project, staff, owner, _ = to_rectifying(api, make)
    due = add_months(date.today(), 3)
    on = due + timedelta(days=1) if late else due

    result = sweep(api, staff, on)

    db.session.refresh(project)
    if not late:
        assert result["count"] == 0 and project.state == State.rectifying
        return
    assert [(c["project_id"], c["from_state"], c["to_state"]) for c in result["changed"]] == [
        (project.id, "rectifying", "failed")
    ]
    assert "rectification due" in result["changed"][0]["reason"]
    last = ok(api.as_(staff).get(f"/projects/{project.id}/history"))["items"][-1]
    assert (last["trigger"], last["actor"]) == ("expire", "system")
    assert [r.recorded_on for r in credit_records(project.id)] == [on]


def test_a_rectification_reapplied_in_time_is_untouched(api, make):
    project, staff, owner, _ = to_rectifying(api, make)
    o = api.as_(owner)
    acceptance_report(o, project.id)
    ok(o.post(f"/projects/{project.id}/transitions", json={"trigger": "reapply"}))

    assert sweep(api, staff, add_months(date.today(), 3) + timedelta(days=1))["count"] == 0
    db.session.refresh(project)
    assert project.state == State.acceptance_applied


def test_the_command_line_sweep(runner, make, people):
    staff, owner = people
    project = running_project(make, staff, owner)

    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2027-03-31"])
    assert result.exit_code == 0, result.output
    assert "0 project(s) changed" in result.output

    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2027-04-01"])
    assert result.exit_code == 0, result.output
    assert "sweep as of 2027-04-01: 1 project(s) changed" in result.output
    assert f"{project.code}: in_progress -> failed" in result.output
    db.session.expire_all()
    assert db.session.get(type(project), project.id).state == State.failed
    assert db.session.scalar(select(func.count(CreditRecord.id))) == 1

    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2027-04-01"])
    assert result.exit_code == 0 and "0 project(s) changed" in result.output
    assert db.session.scalar(select(func.count(CreditRecord.id))) == 1


def test_the_command_line_rejects_a_bad_date(runner):
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", "2027-02-30"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_only_staff_run_the_sweep(api, make, people):
    staff, owner = people
    project = running_project(make, staff, owner)
    for user in (owner, make.user(Role.expert), make.user(Role.leader)):
        r = api.as_(user).post("/sweep?as_of=2027-04-01")
        assert r.status_code == 403, r.json
    r = api.as_(staff).post("/sweep?as_of=2027-13-01")
    assert r.status_code == 422 and r.json["error"]["details"][0]["field"] == "as_of"
    db.session.refresh(project)
    assert project.state == State.in_progress


def test_an_expiry_is_announced_once_to_the_owner_and_the_responsible_officer(api, make, people, app, monkeypatch):
    from projectmgr.models import Notification
    from projectmgr.services import reminders

    staff, owner = people
    owner.email, owner.email_reminders = "owner@example.com", False  # reminders off: the notice still goes
    project = running_project(make, staff, owner, responsible_staff_id=staff.id)
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    sweep(api, staff, DUE + timedelta(days=1))
    notices = db.session.scalars(
        select(Notification).where(Notification.project_id == project.id, Notification.rule == "expired")
    ).all()
    assert sorted(n.user_id for n in notices) == sorted([owner.id, staff.id])
    to_owner = next(n for n in notices if n.user_id == owner.id)
    assert to_owner.email_to == "owner@example.com"
    subject, body = reminders.render(to_owner, "zh")
    assert subject == f"【科技计划项目】{project.code}：验收申请逾期，视为验收不通过"
    assert "credit record" in reminders.render(to_owner, "en")[1]
    sweep(api, staff, DUE + timedelta(days=2))  # nothing new: the project failed already
    assert db.session.scalar(select(func.count()).where(Notification.rule == "expired")) == 2


# --- one project that cannot be expired does not undo or stop the others ---------------------


def test_a_project_the_database_refuses_is_rolled_back_alone_reported_and_retried(
    api, make, people, monkeypatch, caplog
):
    from projectmgr.services import transitions

    staff, owner = people
    first, broken, last = (running_project(make, staff, owner) for _ in range(3))
    record_failure = transitions.record_failure

    def refused_for_one(project, on, reason):
        if project.id == broken.id:  # a credit record without a reason: NOT NULL refuses it at the flush
            return record_failure(project, on, None)
        return record_failure(project, on, reason)

    monkeypatch.setattr(transitions, "record_failure", refused_for_one)
    on = DUE + timedelta(days=1)
    with caplog.at_level("ERROR", logger="projectmgr.services.sweep"):
        result = sweep(api, staff, on)

    assert [c["project_id"] for c in result["changed"]] == [first.id, last.id] and result["count"] == 2
    [failure] = result["failed"]
    assert (failure["project_id"], failure["code"]) == (broken.id, broken.code)
    assert "IntegrityError" in failure["error"]
    assert any(broken.code in r.getMessage() and "retried" in r.getMessage() for r in caplog.records)
    db.session.expire_all()
    for project in (first, last):
        assert project.state == State.failed and len(credit_records(project.id)) == 1
    # Nothing of the broken project's expiry was kept: its state, history, due item and credit.
    assert broken.state == State.in_progress and broken.concluded_on is None
    assert [h["trigger"] for h in ok(api.as_(staff).get(f"/projects/{broken.id}/history"))["items"]] == ["start"]
    assert credit_records(broken.id) == []
    item = db.session.scalar(
        select(DueItem).where(DueItem.project_id == broken.id, DueItem.kind == DueKind.acceptance_application)
    )
    assert item.closed_on is None

    monkeypatch.undo()  # fixed by the next day: the next sweep expires it, and only it
    again = sweep(api, staff, on + timedelta(days=1))
    assert [c["project_id"] for c in again["changed"]] == [broken.id] and "failed" not in again
    db.session.expire_all()
    assert broken.state == State.failed and len(credit_records(broken.id)) == 1


def test_the_command_line_sweep_reports_a_failed_project(runner, make, people, monkeypatch):
    from projectmgr.services import transitions

    staff, owner = people
    ok_project, broken = running_project(make, staff, owner), running_project(make, staff, owner)
    record_failure = transitions.record_failure
    monkeypatch.setattr(
        transitions,
        "record_failure",
        lambda project, on, reason: record_failure(project, on, None if project.id == broken.id else reason),
    )
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", (DUE + timedelta(days=1)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 project(s) changed" in result.output and f"  {ok_project.code}: in_progress -> failed" in result.output
    assert "1 project(s) failed (retried next run)" in result.output and f"failed: {broken.code}" in result.output


def test_the_sweep_reads_each_projects_expired_items_once(make, people, app):
    """The guard, the history's details and the notices share one read of the expired items."""
    from sqlalchemy import event

    from projectmgr.services.sweep import run_sweep

    staff, owner = people
    late = [running_project(make, staff, owner) for _ in range(3)]
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = run_sweep(DUE + timedelta(days=1), settings())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    db.session.commit()
    assert [c["project_id"] for c in result.changed] == [p.id for p in late]
    expired_reads = [s for s in seen if s.lstrip().startswith("SELECT due_item.") and "due_item.due_date <" in s]
    assert len(expired_reads) == len(late), expired_reads
