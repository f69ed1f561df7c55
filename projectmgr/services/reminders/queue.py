"""Which reminders, escalations and digests are due, and queueing them as notifications.

Who is chased (README, "Rules we chose"):
- survey report, acceptance application, rectification → the project's owner;
- expert scores → each panel member of the current round who has neither scored nor declared a conflict;
- annual evaluation (the bureau's own job) → the responsible staff member;
- very late items (escalation) → the responsible staff member, and every active leader when the
  project is key-tracking. Where a project has no responsible staff member, every active staff
  member stands in for them.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...facts.due import open_at
from ...facts.panels import active_members, round_of
from ...models import DueItem, DueKind, Panel, Project, Role, User
from ...models.notification import EmailStatus, Notification
from ...rules import reminders as rules
from ...rules.deadlines import days_overdue
from ...rules.settings import RuleSettings

OWNER_KINDS = (DueKind.survey_report, DueKind.acceptance_application, DueKind.rectification)


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


def _panels_of_round(items: list[DueItem]) -> dict[int, Panel]:
    """The current round's panel of each project whose expert scores are due, by project id, with
    its members, their experts and scores: a few queries for all of them, not a few per item."""
    projects = {item.project_id: item.project for item in items if item.kind == DueKind.expert_scores}
    if not projects:
        return {}
    panels = db.session.scalars(
        select(Panel).options(selectinload(Panel.members)).where(Panel.project_id.in_(projects)).order_by(Panel.round)
    )
    latest = {panel.project_id: panel for panel in panels}  # by round: each project's last one stays
    return {pid: panel for pid, panel in latest.items() if panel.round == round_of(projects[pid])}


def _chased(item: DueItem, people: _People, panels: dict[int, Panel]) -> list[User]:
    project = item.project
    if item.kind in OWNER_KINDS:
        return [project.owner] if project.owner.active else []
    if item.kind == DueKind.expert_scores:
        panel = panels.get(item.project_id)
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
    panels = _panels_of_round(items)
    planned: list[tuple[DueItem, str, User]] = []
    for item in items:
        rule = rules.reminder_due(item.due_date, as_of, settings)
        if rule is not None:
            planned += [(item, rule, user) for user in _chased(item, people, panels)]
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
