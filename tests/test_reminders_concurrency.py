"""Two sweeps at once (a second app server, or cron overlapping a manual run): every notification
exists once and every email is sent once. The unique constraint decides, not a read before the
insert: the variant that blinds the sweeps' read of earlier notifications forces both to insert."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import EmailStatus, Notification, Role
from projectmgr.services import reminders, settings

from .test_reminders_mail import Controller, D, Inbox, day, free_port, person, project_due, use_mail_server


def _race(app, work) -> list:
    """Run work() in two threads, each with its own app context and session, started together."""
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list = [None, None]

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcomes[i] = work()
            except BaseException as exc:  # reported by the test, not lost in the thread
                db.session.rollback()
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


def _sweep(as_of: date):
    def work() -> int:
        created = reminders.queue_reminders(as_of, settings()) + reminders.queue_digests(as_of)
        db.session.commit()
        return len(created)

    return work


@pytest.fixture
def three_projects(make):
    staff = person(make, Role.staff, None)
    leader = person(make, Role.leader, None)
    owners = [person(make, Role.owner, None) for _ in range(3)]
    for owner in owners:
        project_due(make, owner, staff, flags=["major"])
    ids = staff.id, leader.id
    db.session.close()  # the test's own session holds nothing while the threads run
    return ids


@pytest.mark.parametrize("blind", [False, True], ids=["as-is", "both-insert"])
@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_sweeps_create_each_notification_once(app, three_projects, monkeypatch, blind, round_):
    staff_id, leader_id = three_projects
    if blind:
        monkeypatch.setattr(reminders.queue, "_sent_keys", lambda item_ids: set())
    as_of = day(14)

    counts = _race(app, _sweep(as_of))

    rows = db.session.execute(select(Notification.due_item_id, Notification.rule, Notification.user_id)).all()
    assert len(rows) == len(set(rows))
    # Per project: the owner's after:14, and the escalation to the staff member and the leader;
    # plus one digest for the staff member.
    assert len(rows) == 3 * 3 + 1
    assert sum(counts) == 10, counts  # what each sweep reports having created adds up, no double
    assert {r.rule for r in rows} == {"after:14", "escalation", f"digest:{as_of.isoformat()}"}
    assert {r.user_id for r in rows if r.rule == "escalation"} == {staff_id, leader_id}


def test_two_concurrent_deliveries_send_each_email_once(app, make, monkeypatch):
    staff = person(make, Role.staff, None)
    owners = [person(make, Role.owner, f"owner{i}@example.com", "en") for i in range(4)]
    for owner in owners:
        project_due(make, owner, staff)
    addresses = sorted(o.email for o in owners)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_mail_server(app, monkeypatch, controller.port)
        reminders.queue_reminders(D, settings())
        db.session.commit()
        db.session.close()

        sent = _race(app, lambda: len(reminders.deliver_pending().sent))
    finally:
        controller.stop()

    assert sum(sent) == 4, sent
    assert sorted(rcpt[0] for rcpt, _ in inbox.messages) == addresses
    assert db.session.scalar(select(func.count()).where(Notification.email_status == EmailStatus.sent)) == 4
