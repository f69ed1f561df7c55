"""Reminders, escalations and the staff digest (issue 6): the system chases due items for the staff.

The daily sweep queues notifications (``queue_reminders``, ``queue_digests``) in its own
transaction, then, after its commit, emails them (``deliver_pending``). Each notification is a row
whose (due item, rule, user) is unique in the database: a second run, or a second app server
running the same sweep at the same time, inserts the same row, hits the constraint inside a
SAVEPOINT and moves on, so every message exists, and is sent, once.

Who is chased (README, "Rules we chose"):
- survey report, acceptance application, rectification → the project's owner;
- expert scores → each panel member of the current round who has neither scored nor declared a conflict;
- annual evaluation (the bureau's own job) → the responsible staff member;
- very late items (escalation) → the responsible staff member, and every active leader when the
  project is key-tracking. Where a project has no responsible staff member, every active staff
  member stands in for them.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_mail import Message
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db, mail
from ..models import DueItem, DueKind, Project, Role, User
from ..models.base import utcnow
from ..models.notification import EmailStatus, Notification
from ..rules import reminders as rules
from ..rules.deadlines import days_overdue
from ..rules.settings import RuleSettings
from .due_items import open_at

OWNER_KINDS = (DueKind.survey_report, DueKind.acceptance_application, DueKind.rectification)
# A sweep that died after claiming a message leaves it "sending"; a later sweep takes it over.
CLAIM_EXPIRES = timedelta(minutes=15)

# The email subject in each language, by rule kind. The body goes through gettext like the
# pages; the subject is kept here so a message reads right even before the catalogs are compiled.
SUBJECTS = {
    "zh": {
        "before": "【科技计划项目】{code}：{kind}将于{due}到期",
        "on_day": "【科技计划项目】{code}：{kind}今天到期",
        "after": "【科技计划项目】{code}：{kind}已逾期{days}天",
        "escalation": "【科技计划项目】严重逾期：{code} {kind}已逾期{days}天",
        "expired": "【科技计划项目】{code}：{kind}逾期，视为验收不通过",
        "digest": "【科技计划项目】逾期汇总：新增{count}项逾期",
    },
    "en": {
        "before": "[S&T Plan Projects] {code}: {kind} due on {due}",
        "on_day": "[S&T Plan Projects] {code}: {kind} due today",
        "after": "[S&T Plan Projects] {code}: {kind} {days} days overdue",
        "escalation": "[S&T Plan Projects] Very late: {code} {kind} {days} days overdue",
        "expired": "[S&T Plan Projects] {code}: {kind} expired, acceptance failed",
        "digest": "[S&T Plan Projects] Overdue digest: {count} newly overdue",
    },
}
KIND_NAMES = {
    "zh": {
        "survey_report": "调研报告",
        "acceptance_application": "验收申请",
        "rectification": "整改",
        "expert_scores": "专家评分",
        "annual_evaluation": "年终考评",
    },
    "en": {
        "survey_report": "survey report",
        "acceptance_application": "acceptance application",
        "rectification": "rectification",
        "expert_scores": "expert scores",
        "annual_evaluation": "annual evaluation",
    },
}


def language_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


# --- queueing ---------------------------------------------------------------------------------


class _People:
    """The active staff and leaders, read once per sweep and only if needed."""

    def __init__(self):
        self._by_role: dict[Role, list[User]] = {}

    def of(self, role: Role) -> list[User]:
        if role not in self._by_role:
            self._by_role[role] = list(
                db.session.scalars(select(User).where(User.role == role, User.active.is_(True)).order_by(User.id))
            )
        return self._by_role[role]

    def responsible(self, project: Project) -> list[User]:
        staff = project.responsible_staff
        if staff is not None and staff.active:
            return [staff]
        return self.of(Role.staff)


def _chased(item: DueItem, people: _People) -> list[User]:
    project = item.project
    if item.kind in OWNER_KINDS:
        return [project.owner] if project.owner.active else []
    if item.kind == DueKind.expert_scores:
        from .panels import active_members, panel_for_round

        panel = panel_for_round(project)
        if panel is None or panel.concluded:
            return []
        return [m.expert for m in active_members(panel) if m.score is None and m.expert.active]
    return people.responsible(project)  # annual_evaluation: the bureau's own job


def _escalated_to(item: DueItem, people: _People) -> list[User]:
    users = people.responsible(item.project)
    if item.key_tracking:
        users = users + [u for u in people.of(Role.leader) if u not in users]
    return users


def _item_details(item: DueItem, as_of: date) -> dict:
    return {
        "code": item.project.code,
        "title": item.project.title,
        "kind": item.kind.value,
        "due_date": item.due_date.isoformat(),
        "days_overdue": days_overdue(item.due_date, as_of),
        "days_left": max(0, (item.due_date - as_of).days),
    }


def _email_wanted(user: User, rule: str) -> bool:
    if not current_app.config.get("MAIL_ENABLED") or not user.email:
        return False
    # Escalations and the notice of a failed acceptance are not reminders: never switched off.
    return rule in (rules.ESCALATION, rules.EXPIRED) or user.email_reminders


def _insert(user: User, rule: str, as_of: date, details: dict, item: DueItem | None = None) -> Notification | None:
    """Insert one notification; None when the database already has it (the unique constraint
    decides, inside a SAVEPOINT, so a concurrent sweep's row wins without failing this one)."""
    wanted = _email_wanted(user, rule)
    notification = Notification(
        user_id=user.id,
        project_id=item.project_id if item is not None else None,
        due_item_id=item.id if item is not None else None,
        rule=rule,
        as_of=as_of,
        details=details,
        email_status=EmailStatus.pending if wanted else EmailStatus.none,
        email_to=user.email if wanted else None,
        email_attempts=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None
    return notification


def _sent_keys(item_ids: list[int]) -> set[tuple[int, str, int]]:
    """What earlier runs already inserted: read only to spare the database a failing insert per
    item and day. Exactly-once does not rest on it — two sweeps at once both read nothing here,
    and the unique constraint keeps one of their rows."""
    if not item_ids:
        return set()
    rows = db.session.execute(
        select(Notification.due_item_id, Notification.rule, Notification.user_id).where(
            Notification.due_item_id.in_(item_ids)
        )
    )
    return {tuple(r) for r in rows}


def queue_reminders(as_of: date, settings: RuleSettings) -> list[Notification]:
    """Queue the reminders and escalations due on as_of; returns the ones this run created."""
    horizon = as_of + timedelta(days=max(settings.reminder_days_before, default=0))
    items = db.session.scalars(
        select(DueItem)
        .options(
            joinedload(DueItem.project).joinedload(Project.owner),
            joinedload(DueItem.project).joinedload(Project.responsible_staff),
        )
        .where(open_at(as_of), DueItem.due_date <= horizon)
        .order_by(DueItem.id)
    ).all()
    people = _People()
    planned: list[tuple[DueItem, str, User]] = []
    for item in items:
        rule = rules.reminder_due(item.due_date, as_of, settings)
        if rule is not None:
            planned += [(item, rule, user) for user in _chased(item, people)]
        if rules.escalation_due(item.due_date, as_of, settings):
            planned += [(item, rules.ESCALATION, user) for user in _escalated_to(item, people)]
    sent = _sent_keys([item.id for item in items])
    created = []
    for item, rule, user in planned:
        if (item.id, rule, user.id) in sent:
            continue
        notification = _insert(user, rule, as_of, _item_details(item, as_of), item)
        if notification is not None:
            created.append(notification)
    return created


def queue_expiry_notice(item: DueItem, as_of: date) -> list[Notification]:
    """The sweep deemed the project failed because `item` (an acceptance application or a
    rectification) expired: tell its owner and the responsible staff member, once (the unique
    constraint on due item, rule and recipient)."""
    project = item.project
    people = _People()
    recipients = [project.owner] if project.owner.active else []
    recipients += [u for u in people.responsible(project) if u not in recipients]
    details = _item_details(item, as_of)
    created = []
    for user in recipients:
        notification = _insert(user, rules.EXPIRED, as_of, details, item)
        if notification is not None:
            created.append(notification)
    return created


def queue_digests(as_of: date) -> list[Notification]:
    """One digest per staff member of the items that became overdue since their last digest
    (an item becomes overdue the day after its due date): those of the projects they are
    responsible for, and of projects nobody is responsible for. No news, no digest."""
    staff = db.session.scalars(
        select(User).where(User.role == Role.staff, User.active.is_(True)).order_by(User.id)
    ).all()
    if not staff:
        return []
    last = dict(
        db.session.execute(
            select(Notification.user_id, func.max(Notification.as_of))
            .where(
                Notification.due_item_id.is_(None),
                Notification.rule.like("digest:%"),
                Notification.user_id.in_([u.id for u in staff]),
            )
            .group_by(Notification.user_id)
        ).all()
    )
    query = (
        select(DueItem)
        .options(joinedload(DueItem.project))
        .where(open_at(as_of), DueItem.due_date < as_of)
        .order_by(DueItem.key_tracking.desc(), DueItem.due_date, DueItem.id)
    )
    if all(u.id in last for u in staff):
        query = query.where(DueItem.due_date >= min(last.values()))
    items = db.session.scalars(query).all()
    created = []
    for user in staff:
        since = last.get(user.id)
        if since is not None and since >= as_of:
            continue
        mine = [
            i
            for i in items
            if i.project.responsible_staff_id in (user.id, None) and (since is None or i.due_date >= since)
        ]
        if not mine:
            continue
        details = {
            "since": since.isoformat() if since else None,
            "items": [{"project_id": i.project_id, **_item_details(i, as_of)} for i in mine],
        }
        notification = _insert(user, rules.digest(as_of), as_of, details)
        if notification is not None:
            created.append(notification)
    return created


# --- the words of a message -------------------------------------------------------------------


def _kind_name(kind: str, language: str) -> str:
    return KIND_NAMES[language].get(kind, kind)


def _wording(notification: Notification) -> str:
    """Which text a reminder reads as: by the figures of the day it was queued, not by the rule that
    queued it. A sweep that missed days sends only the latest rule whose day has come, so an
    `on_day` reminder can go out after the due date: it must then say overdue, not due today."""
    kind = rules.rule_kind(notification.rule)
    if kind not in ("before", "on_day", "after"):
        return kind
    d = notification.details
    if d["days_overdue"] > 0:
        return "after"
    return "on_day" if d["days_left"] == 0 else "before"


def subject(notification: Notification, language: str) -> str:
    d = notification.details
    kind = _wording(notification)
    if kind == "digest":
        return SUBJECTS[language]["digest"].format(count=len(d["items"]))
    return SUBJECTS[language][kind].format(
        code=d["code"],
        kind=_kind_name(d["kind"], language),
        due=format_date(date.fromisoformat(d["due_date"])),
        days=d["days_overdue"],
    )


def _item_line(d: dict, language: str) -> str:
    return _(
        "%(code)s %(title)s — %(kind)s, due %(due)s, %(days)s days overdue",
        code=d["code"],
        title=d["title"],
        kind=_kind_name(d["kind"], language),
        due=format_date(date.fromisoformat(d["due_date"])),
        days=d["days_overdue"],
    )


def body(notification: Notification, language: str) -> str:
    """The text of a notification, in the current (forced) locale."""
    d = notification.details
    kind = _wording(notification)
    if kind == "digest":
        lines = [_("These items became overdue since your last digest:")]
        lines += ["- " + _item_line(i, language) for i in d["items"]]
        return "\n".join(lines)
    due = format_date(date.fromisoformat(d["due_date"]))
    what = _kind_name(d["kind"], language)
    if kind == "before":
        text = _("The %(kind)s of %(code)s %(title)s is due on %(due)s (in %(days)s days).")
        days = d["days_left"]
    elif kind == "on_day":
        text = _("The %(kind)s of %(code)s %(title)s is due today (%(due)s).")
        days = 0
    elif kind == "after":
        text = _("The %(kind)s of %(code)s %(title)s was due on %(due)s and is %(days)s days overdue.")
        days = d["days_overdue"]
    elif kind == "expired":
        text = _(
            "The %(kind)s of %(code)s %(title)s was due on %(due)s and was not made: the project is deemed "
            "to have failed acceptance, and a credit record is kept for the organization and the principal "
            "investigator."
        )
        days = d["days_overdue"]
    else:
        text = _(
            "Very late: the %(kind)s of %(code)s %(title)s was due on %(due)s and is %(days)s days overdue. "
            "You receive this as the responsible staff member or a bureau leader."
        )
        days = d["days_overdue"]
    return text % {"kind": what, "code": d["code"], "title": d["title"], "due": due, "days": days}


def render(notification: Notification, language: str) -> tuple[str, str]:
    with force_locale(language):
        return subject(notification, language), body(notification, language)


# --- delivery ---------------------------------------------------------------------------------


@dataclass
class Delivery:
    sent: list[Notification] = field(default_factory=list)
    failed: list[Notification] = field(default_factory=list)


def _claimable(max_attempts: int):
    return and_(
        Notification.email_attempts < max_attempts,
        or_(
            Notification.email_status.in_([EmailStatus.pending, EmailStatus.failed]),
            and_(
                Notification.email_status == EmailStatus.sending,
                Notification.email_last_attempt_at < utcnow() - CLAIM_EXPIRES,
            ),
        ),
    )


_SOCKET_TIMEOUT_LOCK = threading.Lock()


def deliver_pending(limit: int = 1000) -> Delivery:
    """Email what is queued or failed before. Run after the sweep's commit: this one commits
    per message (an outbox), so a message is claimed by exactly one sweep before it is sent,
    and a failed send is recorded, never raised, and retried by the next run."""
    report = Delivery()
    if not current_app.config.get("MAIL_ENABLED"):
        return report
    max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 5)
    ids = db.session.scalars(
        select(Notification.id).where(_claimable(max_attempts)).order_by(Notification.id).limit(limit)
    ).all()
    db.session.commit()
    # Flask-Mail opens its SMTP connection without a timeout: bound it, so that a mail server that
    # accepts and then hangs fails this message (to be retried) instead of stalling the sweep.
    # The default timeout is process-wide: one delivery loop at a time per process sets and restores it.
    with _SOCKET_TIMEOUT_LOCK:
        previous_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(current_app.config.get("MAIL_TIMEOUT", 30))
        try:
            for notification_id in ids:
                _deliver_one(notification_id, max_attempts, report)
        finally:
            socket.setdefaulttimeout(previous_timeout)
    return report


def _deliver_one(notification_id: int, max_attempts: int, report: Delivery) -> None:
    """Claim one message (so that no other sweep sends it), send it, record the outcome."""
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, _claimable(max_attempts))
        .values(
            email_status=EmailStatus.sending,
            email_attempts=Notification.email_attempts + 1,
            email_last_attempt_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return  # another sweep has it
    notification = db.session.get(Notification, notification_id)
    try:
        subject_line, text = render(notification, language_of(notification.user))
        mail.send(Message(subject=subject_line, recipients=[notification.email_to], body=text))
    except Exception as exc:  # any failure of the mail server is recorded and retried, never raised
        notification.email_status = EmailStatus.failed
        notification.email_last_error = f"{type(exc).__name__}: {exc}"[:1000]
        report.failed.append(notification)
    else:
        notification.email_status = EmailStatus.sent
        notification.email_sent_at = utcnow()
        notification.email_last_error = None
        report.sent.append(notification)
    db.session.commit()


# --- reading ----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_of(user: User, unread_only: bool = False):
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def mark_read(user: User, notification_id: int) -> Notification:
    from ..errors import NotFound

    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def set_email_reminders(user: User, enabled: bool) -> None:
    user.email_reminders = enabled
    db.session.flush()


def project_messages(project: Project, limit: int = 200) -> list[Notification]:
    """The log of what was sent about a project, newest first (for staff on the project page)."""
    return list(
        db.session.scalars(
            select(Notification)
            .options(joinedload(Notification.user))
            .where(Notification.project_id == project.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )
