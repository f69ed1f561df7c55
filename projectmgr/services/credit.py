"""Research-integrity records (DESIGN §8): a failed conclusion is recorded, and blocks new projects."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..facts.due import EXPIRING_KINDS, open_at
from ..models import CreditRecord, DueItem, DueKind, Organization, Project, User
from ..rules.deadlines import add_months
from ..rules.settings import RuleSettings


def record_failure(project: Project, on: date, reason: str) -> CreditRecord:
    record = CreditRecord(
        organization_id=project.organization_id,
        person_id=project.owner_id,
        project_id=project.id,
        recorded_on=on,
        reason=reason,
    )
    db.session.add(record)
    return record


def credit_problems(organization_id: int, person_id: int, as_of: date, settings: RuleSettings) -> list[dict]:
    """Why a new project for this organization or person is refused: each failed conclusion within
    the ban period, and each acceptance application or rectification overdue now."""
    problems: list[dict] = []
    since = add_months(as_of, -12 * settings.credit_ban_years)
    records = db.session.execute(
        select(CreditRecord, Project.code)
        .join(Project, Project.id == CreditRecord.project_id)
        .where(
            or_(CreditRecord.organization_id == organization_id, CreditRecord.person_id == person_id),
            CreditRecord.recorded_on > since,
            CreditRecord.recorded_on <= as_of,
        )
        .order_by(CreditRecord.recorded_on)
    )
    org_name = db.session.scalar(select(Organization.name).where(Organization.id == organization_id))
    person = db.session.scalar(select(User.display_name).where(User.id == person_id))
    for record, code in records:
        who = org_name if record.organization_id == organization_id else person
        problems.append(
            {
                "check": "credit",
                "message": _(
                    "%(who)s: failed conclusion of project %(code)s recorded on %(on)s (credit record %(id)s); "
                    "new projects are refused for %(years)s years.",
                    who=who,
                    code=code,
                    on=record.recorded_on,
                    id=record.id,
                    years=settings.credit_ban_years,
                ),
                "credit_record_id": record.id,
            }
        )
    overdue = db.session.execute(
        select(DueItem.kind, DueItem.due_date, Project.code)
        .join(Project, Project.id == DueItem.project_id)
        .where(
            or_(Project.organization_id == organization_id, Project.owner_id == person_id),
            DueItem.kind.in_(EXPIRING_KINDS),
            DueItem.due_date < as_of,
            open_at(as_of),
        )
        .order_by(DueItem.due_date)
    )
    for kind, due_date, code in overdue:
        problems.append(
            {
                "check": "credit",
                "message": (
                    _("Project %(code)s has an overdue acceptance application (due %(due)s).", code=code, due=due_date)
                    if kind == DueKind.acceptance_application
                    else _("Project %(code)s has an overdue rectification (due %(due)s).", code=code, due=due_date)
                ),
            }
        )
    return problems
