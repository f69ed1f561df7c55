"""Reminder emails through a real SMTP server started by the test (aiosmtpd): what arrives, in the
recipient's language, the opt-out (reminders only, never escalations), and a failed send that is
recorded, never raised, and delivered by the next run."""

import email
import socket
from datetime import date, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from projectmgr.extensions import db, mail
from projectmgr.models import EmailStatus, Notification, Role
from projectmgr.services import reminders, settings
from projectmgr.services.transitions import transition

D = date(2026, 3, 31)


def day(n: int) -> date:
    return D + timedelta(days=n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the SMTP server received: one parsed message per delivery."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]


def use_mail_server(app, monkeypatch, port: int) -> None:
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.extensions, "mail", mail.init_mail(app.config, app.debug, app.testing))


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    use_mail_server(app, monkeypatch, controller.port)
    inbox.port = controller.port
    yield inbox
    controller.stop()


def project_due(make, owner, staff, due=D, **kwargs):
    project = make.project(staff=staff, owner=owner, responsible_staff_id=staff.id, **kwargs)
    transition(project, "start", staff, settings(), date(2026, 1, 1))
    transition(project, "open_survey", staff, settings(), date(2026, 1, 1), {"due_date": due})
    db.session.commit()
    return project


def person(make, role, address, locale=None, reminders_on=True):
    user = make.user(role)
    user.email, user.locale, user.email_reminders = address, locale, reminders_on
    db.session.commit()
    return user


def sweep(runner, as_of: date):
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", as_of.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def survey_notification(user, rule) -> Notification:
    db.session.expire_all()
    return db.session.scalar(select(Notification).where(Notification.user_id == user.id, Notification.rule == rule))


def test_reminders_arrive_by_smtp_once(smtp, runner, make):
    staff = person(make, Role.staff, "staff@bureau.example", "en")
    owner = person(make, Role.owner, "owner@example.com", "en")
    project = project_due(make, owner, staff)

    output = sweep(runner, D)
    assert "1 email(s) sent, 0 failed" in output
    sweep(runner, D)  # a second run sends nothing again

    [message] = smtp.to("owner@example.com")
    assert message["Subject"] == f"[S&T Plan Projects] {project.code}: survey report due today"
    assert message["From"] == "projectmgr@localhost"
    assert project.title in message.get_content()
    assert survey_notification(owner, "on_day").email_status == EmailStatus.sent
    assert smtp.to("staff@bureau.example") == []


@pytest.mark.parametrize(
    ("locale", "subject_start", "date_text"),
    [
        ("en", "[S&T Plan Projects]", "Mar 31, 2026"),
        ("zh", "【科技计划项目】", "2026年3月31日"),
        (None, "【科技计划项目】", "2026年3月31日"),  # no choice recorded: Chinese, the default
    ],
)
def test_each_message_is_in_its_recipients_language(smtp, runner, make, locale, subject_start, date_text):
    staff = person(make, Role.staff, "staff@bureau.example", "en")
    owner = person(make, Role.owner, "owner@example.com", locale)
    project_due(make, owner, staff)

    sweep(runner, day(-3))

    [message] = smtp.to("owner@example.com")
    assert message["Subject"].startswith(subject_start)
    assert date_text in message["Subject"] and date_text in message.get_content()


def test_opting_out_stops_reminder_emails_but_not_escalations(smtp, runner, make):
    staff = person(make, Role.staff, "staff@bureau.example", "en", reminders_on=False)
    owner = person(make, Role.owner, "owner@example.com", "en", reminders_on=False)
    project_due(make, owner, staff)

    sweep(runner, day(14))

    assert smtp.to("owner@example.com") == []
    reminder = survey_notification(owner, "after:14")
    assert reminder is not None and reminder.email_status == EmailStatus.none  # still in the app
    [escalation] = smtp.to("staff@bureau.example")
    assert escalation["Subject"].startswith("[S&T Plan Projects] Very late:")
    assert survey_notification(staff, "escalation").email_status == EmailStatus.sent


def test_a_failed_send_is_recorded_and_delivered_by_the_next_run(app, runner, make, monkeypatch):
    staff = person(make, Role.staff, "staff@bureau.example", "en")
    owner = person(make, Role.owner, "owner@example.com", "en")
    project_due(make, owner, staff)
    nobody_listens = free_port()
    use_mail_server(app, monkeypatch, nobody_listens)

    output = sweep(runner, day(-3))  # the sweep finishes although the mail server is down

    assert "0 email(s) sent, 1 failed" in output
    failed = survey_notification(owner, "before:3")
    assert failed.email_status == EmailStatus.failed
    assert failed.email_attempts == 1
    assert "Connection refused" in failed.email_last_error or "ConnectionRefusedError" in failed.email_last_error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        use_mail_server(app, monkeypatch, controller.port)
        output = sweep(runner, day(-2))
        sweep(runner, day(-1))
    finally:
        controller.stop()

    assert "1 email(s) sent, 0 failed" in output
    [message] = inbox.to("owner@example.com")
    assert "due on" in message["Subject"]
    delivered = survey_notification(owner, "before:3")
    assert (delivered.email_status, delivered.email_attempts, delivered.email_last_error) == (
        EmailStatus.sent,
        2,
        None,
    )


def test_retries_stop_after_the_last_attempt(app, make, monkeypatch):
    staff = person(make, Role.staff, None)
    owner = person(make, Role.owner, "owner@example.com", "en")
    project_due(make, owner, staff)
    use_mail_server(app, monkeypatch, free_port())
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    reminders.queue_reminders(D, settings())
    db.session.commit()

    assert len(reminders.deliver_pending().failed) == 1
    assert len(reminders.deliver_pending().failed) == 1
    assert reminders.deliver_pending().failed == []  # given up after 2 attempts
    assert survey_notification(owner, "on_day").email_attempts == 2


def test_no_address_means_in_app_only(smtp, runner, make):
    staff = person(make, Role.staff, None)
    owner = person(make, Role.owner, None)
    project_due(make, owner, staff)
    sweep(runner, D)
    assert smtp.messages == []
    assert survey_notification(owner, "on_day").email_status == EmailStatus.none


def test_a_mail_server_that_hangs_fails_the_message_instead_of_stalling_the_sweep(app, runner, make, monkeypatch):
    """A server that accepts the connection and never greets: the send times out (MAIL_TIMEOUT),
    is recorded as failed, and the sweep finishes."""
    import socket
    import time

    staff = person(make, Role.staff, "staff@bureau.example", "en")
    owner = person(make, Role.owner, "owner@example.com", "en")
    project_due(make, owner, staff)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    try:
        use_mail_server(app, monkeypatch, silent.getsockname()[1])
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 1)
        started = time.monotonic()
        output = sweep(runner, day(-3))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert "0 email(s) sent, 1 failed" in output
    assert elapsed < 20
    failed = survey_notification(owner, "before:3")
    assert failed.email_status == EmailStatus.failed
    assert "timed out" in failed.email_last_error.lower() or "timeout" in failed.email_last_error.lower()
    assert socket.getdefaulttimeout() is None
