"""Reminders and escalations (issue 6): the schedule rule, a year of simulated days, who is chased,
the staff digest, the notification centre (pages and API) and the sweep command."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import DueItem, DueKind, EmailStatus, Notification, Role, User
from projectmgr.rules import reminders as rules
from projectmgr.rules.settings import RuleSettings
from projectmgr.services import reminders, settings
from projectmgr.services.transitions import transition

D = date(2026, 3, 31)  # the survey report's due date in these tests
S = RuleSettings()


def day(n: int) -> date:
    return D + timedelta(days=n)


# --- the pure rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "rule"),
    [
        (-100, None),
        (-15, None),
        (-14, "before:14"),
        (-4, "before:14"),
        (-3, "before:3"),
        (-1, "before:3"),
        (0, "on_day"),
        (6, "on_day"),  # the on-day reminder, caught up by a job that missed the day
        (7, "after:7"),
        (13, "after:7"),
        (14, "after:14"),
        (20, "after:14"),
        (21, "after:21"),
        (365, "after:364"),
    ],
)
def test_the_latest_rule_whose_day_has_come(offset, rule):
    assert rules.reminder_due(D, day(offset), S) == rule


@pytest.mark.parametrize(("offset", "escalates"), [(-1, False), (0, False), (13, False), (14, True), (100, True)])
def test_escalation_once_very_late(offset, escalates):
    assert rules.escalation_due(D, day(offset), S) is escalates


def test_the_schedule_follows_the_settings():
    s = RuleSettings.from_mapping({"RULE_REMINDER_DAYS_BEFORE": "10, 1", "RULE_REMINDER_EVERY_DAYS_AFTER": "5"})
    assert s.reminder_days_before == (10, 1)
    assert [rules.reminder_due(D, day(n), s) for n in (-11, -10, -2, -1, 0, 4, 5, 10)] == [
        None,
        "before:10",
        "before:10",
        "before:1",
        "on_day",
        "on_day",
        "after:5",
        "after:10",
    ]
    never_after = RuleSettings.from_mapping({"RULE_REMINDER_EVERY_DAYS_AFTER": "0"})
    assert rules.reminder_due(D, day(30), never_after) == "on_day"


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def people(make):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    return staff, owner


def surveyed_project(make, staff, owner, due: date = D, **kwargs):
    """A running project whose survey report is due on `due` (opened on 1 January)."""
    project = make.project(staff=staff, owner=owner, responsible_staff_id=staff.id, **kwargs)
    transition(project, "start", staff, settings(), date(2026, 1, 1))
    transition(project, "open_survey", staff, settings(), date(2026, 1, 1), {"due_date": due})
    db.session.commit()
    return project


def survey_item(project) -> DueItem:
    return db.session.scalar(
        select(DueItem).where(DueItem.project_id == project.id, DueItem.kind == DueKind.survey_report)
    )


def sent(item: DueItem) -> set[tuple[str, date, int]]:
    rows = db.session.scalars(select(Notification).where(Notification.due_item_id == item.id))
    return {(n.rule, n.as_of, n.user_id) for n in rows}


def sweep_day(as_of: date) -> list[Notification]:
    created = reminders.queue_reminders(as_of, settings())
    db.session.commit()
    return created


# --- a year of simulated days -----------------------------------------------------------------


def test_a_year_of_daily_sweeps_sends_each_rule_once_on_its_day(make, people):
    staff, owner = people
    project = surveyed_project(make, staff, owner)
    survey = survey_item(project)
    evaluation = db.session.scalar(
        select(DueItem).where(DueItem.project_id == project.id, DueItem.kind == DueKind.annual_evaluation)
    )
    # The survey report is handed in late, on D + 30: no reminder after that day.
    closed = day(30)

    for n in range(365):
        as_of = date(2026, 1, 1) + timedelta(days=n)
        if as_of == closed:
            survey.closed_on = closed
            db.session.commit()
        sweep_day(as_of)
        sweep_day(as_of)  # a second run the same day changes nothing

    assert sent(survey) == {
        ("before:14", day(-14), owner.id),
        ("before:3", day(-3), owner.id),
        ("on_day", D, owner.id),
        ("after:7", day(7), owner.id),
        ("after:14", day(14), owner.id),
        ("escalation", day(14), staff.id),
        ("after:21", day(21), owner.id),
        ("after:28", day(28), owner.id),
    }
    # The annual evaluation is the bureau's job: its reminders go to the responsible staff member.
    e = date(2026, 11, 30)
    assert sent(evaluation) == {
        ("before:14", e - timedelta(days=14), staff.id),
        ("before:3", e - timedelta(days=3), staff.id),
        ("on_day", e, staff.id),
        ("after:7", e + timedelta(days=7), staff.id),
        ("after:14", e + timedelta(days=14), staff.id),
        ("escalation", e + timedelta(days=14), staff.id),
        ("after:21", e + timedelta(days=21), staff.id),
        ("after:28", e + timedelta(days=28), staff.id),
    }


def test_a_job_that_missed_days_sends_the_latest_rule_only(make, people):
    staff, owner = people
    survey = survey_item(surveyed_project(make, staff, owner))

    assert sweep_day(day(-20)) == []
    created = sweep_day(day(9))  # nothing ran from D - 19 to D + 8
    assert [(n.rule, n.user_id) for n in created if n.due_item_id == survey.id] == [("after:7", owner.id)]
    assert sweep_day(day(9)) == []
    assert sweep_day(day(12)) == []
    later = {(n.rule, n.user_id) for n in sweep_day(day(40)) if n.due_item_id == survey.id}
    assert later == {("after:35", owner.id), ("escalation", staff.id)}


def test_a_late_sent_on_day_reminder_says_overdue_not_due_today(make, people):
    """The sweep did not run on the due date: the on-day rule goes out days later and must read
    as what it is."""
    staff, owner = people
    survey = survey_item(surveyed_project(make, staff, owner))
    created = [n for n in sweep_day(day(6)) if n.due_item_id == survey.id]
    assert [n.rule for n in created] == ["on_day"]
    zh_subject, zh_body = reminders.render(created[0], "zh")
    en_subject, en_body = reminders.render(created[0], "en")
    assert zh_subject.endswith("调研报告已逾期6天") and "今天到期" not in zh_subject
    assert en_subject.endswith("survey report 6 days overdue")
    assert "is 6 days overdue" in en_body and "due today" not in en_body
    # On the day itself it does say today.
    other = survey_item(surveyed_project(make, staff, owner, due=day(10)))
    on_time = [n for n in sweep_day(day(10)) if n.due_item_id == other.id]
    assert [n.rule for n in on_time] == ["on_day"]
    assert reminders.render(on_time[0], "en")[0].endswith("due today")


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        ("survey_report", "调研报告", "survey report"),
        ("acceptance_application", "验收申请", "acceptance application"),
        ("rectification", "整改", "rectification"),
        ("expert_scores", "专家评分", "expert scores"),
        ("annual_evaluation", "年终考评", "annual evaluation"),
    ],
)
def test_every_kind_is_named_in_the_recipients_language(app, kind, zh, en):
    """The emails name each kind in running text, in the recipient's language whatever the
    language of the request that renders them."""
    details = {"code": "XM-1", "title": "风电", "kind": kind, "due_date": D.isoformat(), "days_overdue": 7}
    notification = Notification(rule="after:7", details=details | {"days_left": 0})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        zh_subject, zh_body = reminders.render(notification, "zh")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        en_subject, en_body = reminders.render(notification, "en")
    assert zh_subject == f"【科技计划项目】XM-1：{zh}已逾期7天"
    assert zh_body.startswith(f"XM-1 风电 的{zh}应于 ") and zh_body.endswith("已逾期 7 天。")
    assert en_subject == f"[S&T Plan Projects] XM-1: {en} 7 days overdue"
    assert en_body.startswith(f"The {en} of XM-1 风电 was due on ") and en_body.endswith("is 7 days overdue.")


def test_a_closed_item_is_not_chased(make, people):
    staff, owner = people
    project = surveyed_project(make, staff, owner)
    survey = survey_item(project)
    survey.closed_on = day(-1)
    db.session.commit()
    sweep_day(D)
    sweep_day(day(20))
    assert sent(survey) == set()


# --- who is chased ----------------------------------------------------------------------------


def test_very_late_key_tracking_items_escalate_to_leaders_too(make, people):
    staff, owner = people
    leaders = [make.user(Role.leader), make.user(Role.leader)]
    retired = make.user(Role.leader)
    retired.active = False
    db.session.commit()
    flagged = surveyed_project(make, staff, owner, flags=["major"])
    plain = surveyed_project(make, staff, owner)

    sweep_day(day(14))

    escalated = {
        (n.due_item_id, n.user_id)
        for n in db.session.scalars(select(Notification).where(Notification.rule == "escalation"))
        if n.due_item_id in (survey_item(flagged).id, survey_item(plain).id)
    }
    assert escalated == {
        (survey_item(flagged).id, staff.id),
        (survey_item(flagged).id, leaders[0].id),
        (survey_item(flagged).id, leaders[1].id),
        (survey_item(plain).id, staff.id),
    }


def test_without_a_responsible_staff_member_every_active_staff_member_is_escalated_to(make, people):
    staff, owner = people
    other = make.user(Role.staff)
    project = make.project(staff=staff, owner=owner)
    assert project.responsible_staff_id is None
    transition(project, "start", staff, settings(), date(2026, 1, 1))
    transition(project, "open_survey", staff, settings(), date(2026, 1, 1), {"due_date": D})
    db.session.commit()

    sweep_day(day(14))

    item = survey_item(project)
    assert {(r, u) for r, _, u in sent(item)} == {
        ("after:14", owner.id),
        ("escalation", staff.id),
        ("escalation", other.id),
    }


# --- the staff digest -------------------------------------------------------------------------


def test_the_digest_lists_what_became_overdue_since_the_last_one(make, people):
    staff, owner = people
    make.user(Role.staff)  # not responsible for these projects: no digest
    first = surveyed_project(make, staff, owner, due=D)
    second = surveyed_project(make, staff, owner, due=day(5))

    def digests(as_of):
        created = reminders.queue_digests(as_of)
        db.session.commit()
        return {n.user_id: [i["code"] for i in n.details["items"] if i["kind"] == "survey_report"] for n in created}

    assert digests(D) == {}  # due today is not overdue yet
    assert digests(day(1)) == {staff.id: [first.code]}  # the other staff member is not responsible
    assert digests(day(1)) == {}  # once per day
    assert digests(day(3)) == {}  # nothing new
    assert digests(day(5)) == {}  # the second is due today, not overdue yet
    assert digests(day(7)) == {staff.id: [second.code]}  # overdue since day 6
    assert digests(day(20)) == {}
    digest = db.session.scalar(select(Notification).where(Notification.rule == f"digest:{day(7).isoformat()}"))
    assert digest.due_item_id is None and digest.user_id == staff.id


# --- the notification centre ------------------------------------------------------------------


def _login(client, user):
    r = client.post("/login", data={"username": user.username, "password": "password123"})
    assert r.status_code in (302, 303), r.get_data(as_text=True)


def test_header_count_list_and_mark_read(client, make, people):
    staff, owner = people
    surveyed_project(make, staff, owner)
    sweep_day(day(-14))
    sweep_day(day(-3))
    _login(client, owner)

    page = client.get("/notifications").get_data(as_text=True)
    assert 'id="unread-count">2<' in page
    assert "is due on" in page or "到期" in page

    first = db.session.scalar(
        select(Notification).where(Notification.user_id == owner.id, Notification.rule == "before:14")
    )
    assert client.post(f"/notifications/{first.id}/read").status_code == 302
    assert 'id="unread-count">1<' in client.get("/projects").get_data(as_text=True)

    assert client.post("/notifications/read-all").status_code == 302
    assert "unread-count" not in client.get("/notifications").get_data(as_text=True)


def test_a_digest_shows_one_line_per_item(client, make, people):
    staff, owner = people
    first = surveyed_project(make, staff, owner, due=D)
    second = surveyed_project(make, staff, owner, due=D)
    reminders.queue_digests(day(1))
    db.session.commit()
    _login(client, staff)
    html = client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    body = re.search(r'<div class="body">(These items became overdue.*?)</div>', html, re.S).group(1)
    lines = body.split("<br>")
    assert lines[0] == "These items became overdue since your last digest:"
    assert sorted(line.split(" ")[1] for line in lines[1:]) == sorted([first.code, second.code])


def test_one_cannot_mark_anothers_notification(client, make, people):
    staff, owner = people
    surveyed_project(make, staff, owner)
    sweep_day(day(-3))
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    _login(client, staff)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_email_reminders_switch(client, make, people):
    _, owner = people
    _login(client, owner)
    assert client.post("/settings/email-reminders", data={"enabled": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, owner.id).email_reminders is False
    client.post("/settings/email-reminders", data={"enabled": "1"})
    db.session.expire_all()
    assert db.session.get(User, owner.id).email_reminders is True


def test_the_project_page_shows_the_sent_messages_to_staff_only(client, make, people):
    staff, owner = people
    project = surveyed_project(make, staff, owner)
    sweep_day(day(14))
    _login(client, staff)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="messages"' in page and "escalation" in page and "after:14" in page
    client.post("/logout")
    _login(client, owner)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="messages"' not in page


def test_the_api_lists_and_marks_the_callers_notifications(api, make, people):
    staff, owner = people
    surveyed_project(make, staff, owner)
    owner.locale = "en"
    db.session.commit()
    sweep_day(day(-3))
    sweep_day(D)

    r = api.as_(owner).get("/notifications")
    assert r.status_code == 200, r.json
    assert r.json["total"] == 2 and r.json["unread"] == 2
    newest = r.json["items"][0]
    assert newest["rule"] == "on_day" and newest["read"] is False and newest["language"] == "en"
    assert newest["subject"].startswith("[S&T Plan Projects]") and "due today" in newest["subject"]

    r = api.as_(owner).post(f"/notifications/{newest['id']}/read")
    assert r.status_code == 200 and r.json["read"] is True
    assert api.as_(owner).get("/notifications?unread=1").json["total"] == 1
    assert api.as_(staff).post(f"/notifications/{newest['id']}/read").status_code == 404

    r = api.as_(owner).put("/me/email-reminders", json={"enabled": False})
    assert r.status_code == 200 and r.json == {"email_reminders": False}
    assert api.as_(owner).put("/me/email-reminders", json={"enabled": "no"}).status_code == 422


def test_the_sweep_command_reports_the_notifications(runner, make, people):
    staff, owner = people
    project = surveyed_project(make, staff, owner)
    result = runner.invoke(args=["lifecycle", "sweep", "--as-of", day(14).isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{owner.username}: after:14 {project.code}" in result.output
    assert f"{staff.username}: escalation {project.code}" in result.output
    assert "0 email(s) sent" in result.output  # mail is off in the tests that do not start a server
    again = runner.invoke(args=["lifecycle", "sweep", "--as-of", day(14).isoformat()])
    assert "0 notification(s) queued" in again.output
    assert all(n.email_status == EmailStatus.none for n in db.session.scalars(select(Notification)))


@pytest.mark.parametrize("value", ["", "14,x", "14,,3", "-3", [], True, None])
def test_a_bad_reminder_setting_names_the_key(value):
    with pytest.raises(ValueError, match="RULE_REMINDER_DAYS_BEFORE"):
        RuleSettings.from_mapping({"RULE_REMINDER_DAYS_BEFORE": value})


def test_an_extension_restarts_the_reminders_of_the_acceptance_deadline(make, app):
    """The moved deadline is a new due item: its 'before' reminders go out although the old
    deadline's already did."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from projectmgr.extensions import db
    from projectmgr.models import DueItem, DueKind, Role
    from projectmgr.models.notification import Notification
    from projectmgr.services import funds, settings
    from projectmgr.services.reminders import queue_reminders

    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    today = date.today()
    project = make.project(owner=owner, staff=staff, start=today - timedelta(days=400), end=today + timedelta(days=20))
    old_due = db.session.scalar(
        select(DueItem.due_date).where(DueItem.project_id == project.id, DueItem.kind == DueKind.acceptance_application)
    )
    queue_reminders(old_due - timedelta(days=14), settings())
    db.session.commit()
    funds.request_extension(owner, project, project.end_date + timedelta(days=90), "设备到货延迟", settings(), today)
    funds.decide_extension(staff, project, True, settings(), today)
    db.session.commit()
    new_due = db.session.scalar(
        select(DueItem.due_date).where(
            DueItem.project_id == project.id,
            DueItem.kind == DueKind.acceptance_application,
            DueItem.closed_on.is_(None),
        )
    )
    assert new_due > old_due
    queue_reminders(new_due - timedelta(days=14), settings())
    db.session.commit()
    sent = db.session.scalars(
        select(Notification.rule)
        .join(DueItem, DueItem.id == Notification.due_item_id)
        .where(
            DueItem.project_id == project.id,
            DueItem.kind == DueKind.acceptance_application,
            Notification.user_id == owner.id,
        )
    ).all()
    assert sorted(sent) == ["before:14", "before:14"]
