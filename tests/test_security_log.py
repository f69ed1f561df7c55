"""Issue 13 items 7 and 8: the security log (written with what it records, refusals on their own),
its retention, the auditor's page and export, and the hash chains that `audit verify` walks."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select, text

from projectmgr.audit.cli import audit
from projectmgr.extensions import db
from projectmgr.models import Role, SecurityEvent, TransitionRecord
from projectmgr.models.base import utcnow
from projectmgr.services import settings
from projectmgr.services.transitions import transition
from tests.web.conftest import Browser


def _history(make, n: int = 3):
    staff = make.user(Role.staff)
    for _ in range(n):
        project = make.project(staff=staff)
        transition(project, "start", staff, settings(), date(2026, 1, 1))
        db.session.commit()
    return staff


def test_history_rows_and_security_events_are_chained(make):
    _history(make)
    for model in (TransitionRecord, SecurityEvent):
        rows = db.session.scalars(select(model).order_by(model.id)).all()
        assert len(rows) >= 3
        for before, row in zip(rows, rows[1:], strict=False):
            assert row.prev_hash == before.row_hash and len(row.row_hash) == 64


def test_verify_passes_then_names_the_row_altered_with_raw_sql(make, runner):
    _history(make)
    result = runner.invoke(audit, ["verify"])
    assert result.exit_code == 0, result.output
    assert "transition_record: " in result.output and "chain intact" in result.output
    rows = db.session.scalars(select(TransitionRecord.id).order_by(TransitionRecord.id)).all()
    victim = rows[1]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE transition_record SET comment = 'rewritten' WHERE id = :id"), {"id": victim})
    result = runner.invoke(audit, ["verify"])
    assert result.exit_code == 1
    assert f"transition_record: chain broken at row id {victim}" in result.output
    last = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.event == "audit.verify").order_by(SecurityEvent.id.desc())
    ).first()
    assert last.outcome == "failure" and last.details["chains"]["transition_record"]["broken_id"] == victim


def test_verify_names_a_deleted_security_event(make, runner):
    _history(make, 2)
    ids = db.session.scalars(select(SecurityEvent.id).order_by(SecurityEvent.id)).all()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM security_event WHERE id = :id"), {"id": ids[1]})
    result = runner.invoke(audit, ["verify"])
    assert result.exit_code == 1 and f"security_event: chain broken at row id {ids[2]}" in result.output


def test_the_app_cannot_change_or_delete_a_security_event(make):
    make.user(Role.staff)
    event = db.session.scalars(select(SecurityEvent)).first()
    event.outcome = "failure"
    try:
        db.session.flush()
        raise AssertionError("the update went through")
    except RuntimeError:
        db.session.rollback()


def test_prune_refuses_to_go_below_the_retention(make, runner):
    make.user(Role.staff)
    old_id = db.session.scalars(select(SecurityEvent.id)).first()
    db.session.execute(
        text("UPDATE security_event SET at = :at WHERE id = :id"), {"at": utcnow() - timedelta(days=200), "id": old_id}
    )
    db.session.commit()
    result = runner.invoke(audit, ["prune", "--days", "90"])
    assert result.exit_code != 0 and "at least 180 days" in result.output
    result = runner.invoke(audit, ["prune"])
    assert result.exit_code == 0 and "deleted 1 security events" in result.output
    assert db.session.scalar(select(func.count()).where(SecurityEvent.id == old_id)) == 0  # never reused
    # The chain still verifies from the first remaining row.
    assert runner.invoke(audit, ["verify"]).exit_code == 0


def test_a_refused_sign_in_is_recorded_with_the_username_address_and_agent(client, make):
    make.user(Role.owner, username="sun.qi")
    client.post(
        "/login",
        data={"username": "sun.qi", "password": "nope"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
        headers={"User-Agent": "probe/1.0"},
    )
    client.post("/login", data={"username": "ghost", "password": "nope"})
    rows = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "signin")).all()
    assert [(r.actor_name, r.outcome) for r in rows] == [("sun.qi", "failure"), ("ghost", "failure")]
    assert (rows[0].address, rows[0].user_agent) == ("10.1.2.3", "probe/1.0")


def test_a_403_page_and_an_export_are_recorded(app, make):
    owner = make.user(Role.owner)
    staff = make.user(Role.staff)
    Browser(app.test_client()).login(owner).get("/dashboard")
    refusal = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "forbidden")).one()
    assert (refusal.actor_id, refusal.target) == (owner.id, "GET /dashboard")
    r = Browser(app.test_client()).login(staff).get("/overdue/export.xlsx?level=municipal")
    assert r.status_code == 200
    export = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "export")).one()
    assert export.actor_id == staff.id and export.details["filters"] == {"level": ["municipal"]}


def test_the_auditor_filters_and_exports_the_log_and_sees_the_last_verification(app, make, runner):
    staff = _history(make, 1)
    auditor = make.user(Role.auditor)
    runner.invoke(audit, ["verify"])
    b = Browser(app.test_client()).login(auditor)
    assert staff.id
    page = b.get(f"/audit?user={auditor.username}&event=signin").get_data(as_text=True)
    assert 'data-event="signin"' in page and 'data-event="account.create"' not in page
    assert 'id="last-verification"' in page and "badge ok" in page
    today = utcnow().date().isoformat()
    r = b.get(f"/audit/events.xlsx?from={today}&to={today}&event=account.create")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 + db.session.scalar(
        select(func.count()).select_from(SecurityEvent).where(SecurityEvent.event == "account.create")
    )
    assert b.get("/audit/history").status_code == 200
    # The administrator keeps accounts but never reads the log.
    admin = make.user(Role.admin)
    assert Browser(app.test_client()).login(admin).get("/audit").status_code == 403


def test_the_audit_api_filters(make, api):
    auditor = make.user(Role.auditor)
    make.user(Role.owner, username="zhou.ba")
    r = api.as_(auditor).get("/audit/events?event=account.create&per_page=1")
    assert r.status_code == 200 and r.json["total"] >= 2 and len(r.json["items"]) == 1
    assert r.json["items"][0]["event"] == "account.create"
    assert api.as_(auditor).get("/audit/events?from=2026-13-01").status_code == 422
