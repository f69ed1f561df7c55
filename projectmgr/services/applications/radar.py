"""The overdue radar's application side: formal checks waiting more than five working days and
approval-review scores past their due date. Bounded queries, whatever the number of applications."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select

from ...extensions import db
from ...models import Application, ApplicationState, Organization, Panel, PanelMember, Score
from ...rules.applications import FORMAL_CHECK_WORKING_DAYS, working_days_before

LIMIT = 20


@dataclass(frozen=True)
class RadarItem:
    application_id: int
    title: str
    organization: str
    since: date  # submitted on, or scoring due
    count: int = 0  # members who have not scored


def waiting_checks(as_of: date) -> tuple[int, list[RadarItem]]:
    cutoff = working_days_before(as_of, FORMAL_CHECK_WORKING_DAYS)
    where = (Application.state == ApplicationState.submitted, Application.submitted_on < cutoff)
    total = db.session.scalar(select(func.count(Application.id)).where(*where))
    rows = db.session.execute(
        select(Application.id, Application.title, Organization.name, Application.submitted_on)
        .join(Organization, Organization.id == Application.organization_id)
        .where(*where)
        .order_by(Application.submitted_on, Application.id)
        .limit(LIMIT)
    )
    return total, [RadarItem(*row) for row in rows]


def late_scores(as_of: date) -> tuple[int, list[RadarItem]]:
    unscored = (
        select(Panel.application_id, Panel.scoring_due, func.count(PanelMember.id).label("missing"))
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .outerjoin(Score, Score.member_id == PanelMember.id)
        .where(
            Panel.application_id.is_not(None),
            Panel.concluded.is_(False),
            Panel.scoring_due < as_of,
            PanelMember.conflict_declared_at.is_(None),
            Score.member_id.is_(None),
        )
        .group_by(Panel.application_id, Panel.scoring_due)
        .subquery()
    )
    total = db.session.scalar(select(func.count()).select_from(unscored))
    rows = db.session.execute(
        select(Application.id, Application.title, Organization.name, unscored.c.scoring_due, unscored.c.missing)
        .join(unscored, and_(unscored.c.application_id == Application.id))
        .join(Organization, Organization.id == Application.organization_id)
        .order_by(unscored.c.scoring_due, Application.id)
        .limit(LIMIT)
    )
    return total, [RadarItem(*row) for row in rows]
