"""The expert pool as staff need to see it (issue 15): every expert reviewer with fields, finance
flag, title, organization and declared conflicts; panels this year against the yearly cap; the
panels sat on (dates and projects); scores submitted late; conflicts declared on panels; and a
leniency figure (the mean of the expert's total minus their panel's mean). Staff take an expert
out of the pool for draws, and back, with a reason."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..facts.panels import problems_of, workload
from ..models import Application, ExpertProfile, Organization, Panel, PanelMember, Project, Role, Score, User
from ..models.base import utcnow
from ..permissions import can_manage_expert_pool, require
from ..rules.settings import RuleSettings
from . import panels

CENT = Decimal("0.01")


@dataclass
class PanelSeat:
    """One panel the expert was put on."""

    panel_id: int
    kind: str  # "acceptance" (a project's panel) or "approval" (an application's review panel)
    project_id: int | None
    application_id: int | None
    code: str | None  # the project's code; an application has none
    title: str
    round: int
    year: int
    formed_on: date | None
    scoring_due: date | None
    concluded: bool
    conflict_declared: bool
    total: Decimal | None
    late: bool


@dataclass
class ExpertFigures:
    user: User
    profile: ExpertProfile
    conflict_organizations: list[str]
    panels_this_year: int
    cap: int
    seats: list[PanelSeat] = field(default_factory=list)
    late_scores: int = 0
    conflicts_declared: int = 0
    leniency: Decimal | None = None
    leniency_panels: int = 0

    @property
    def in_pool(self) -> bool:
        return self.profile.in_pool and self.user.active

    @property
    def available(self) -> bool:
        """Can be put on one more panel this year: in the pool and under the cap."""
        return self.in_pool and self.panels_this_year < self.cap


def _experts() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(ExpertProfile, ExpertProfile.user_id == User.id)
            .options(
                selectinload(User.expert).selectinload(ExpertProfile.conflicts),
                selectinload(User.organization),
            )
            .where(User.role == Role.expert)
            .order_by(User.display_name, User.id)
        )
    )


def _late(score: Score | None, panel: Panel, as_of: date) -> bool:
    """Saved after the scoring due date, or still missing after it while the panel scores."""
    if panel.scoring_due is None:
        return False
    if score is None:
        return not panel.concluded and as_of > panel.scoring_due
    return score.updated_at.date() > panel.scoring_due


def pool(year: int, as_of: date, settings: RuleSettings) -> list[ExpertFigures]:
    """Every expert reviewer with the pool's figures: a fixed handful of queries, whatever the size."""
    experts = _experts()
    org_names = dict(db.session.execute(select(Organization.id, Organization.name)).all())
    rows = db.session.execute(
        select(PanelMember, Panel, Project.id, Project.code, func.coalesce(Project.title, Application.title))
        .join(Panel, Panel.id == PanelMember.panel_id)
        # Acceptance panels sit on a project, approval-review panels on an application: both count.
        .outerjoin(Project, Project.id == Panel.project_id)
        .outerjoin(Application, Application.id == Panel.application_id)
        .options(selectinload(PanelMember.score))
        .order_by(Panel.created_at.desc(), Panel.id.desc())
    ).all()
    # Every counting member's total, per panel: the panel means the leniency compares against.
    totals: dict[int, list[Decimal]] = defaultdict(list)
    for member, panel, *_rest in rows:
        if member.conflict_declared_at is None and member.score is not None:
            totals[panel.id].append(member.score.total)
    figures = {
        e.id: ExpertFigures(
            user=e,
            profile=e.expert,
            conflict_organizations=sorted(org_names.get(c.organization_id, "?") for c in e.expert.conflicts),
            panels_this_year=0,
            cap=settings.expert_max_panels_per_year,
        )
        for e in experts
    }
    deviations: dict[int, list[Decimal]] = defaultdict(list)
    for member, panel, project_id, code, title in rows:
        f = figures.get(member.expert_id)
        if f is None:
            continue
        declared = member.conflict_declared_at is not None
        score = member.score
        late = not declared and _late(score, panel, as_of)
        f.seats.append(
            PanelSeat(
                panel.id,
                "acceptance" if panel.project_id is not None else "approval",
                project_id,
                panel.application_id,
                code,
                title,
                panel.round,
                panel.year,
                panel.formed_on,
                panel.scoring_due,
                panel.concluded,
                declared,
                score.total if score else None,
                late,
            )
        )
        if declared:
            f.conflicts_declared += 1
            continue
        if panel.year == year:
            f.panels_this_year += 1  # the workload rule's count (panels.problems_of)
        f.late_scores += late
        others = totals[panel.id]
        if score is not None and len(others) >= 2:
            mean = sum(others, Decimal(0)) / len(others)
            deviations[member.expert_id].append(score.total - mean)
    for expert_id, values in deviations.items():
        f = figures[expert_id]
        f.leniency = (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP)
        f.leniency_panels = len(values)
    return list(figures.values())


def filtered(
    items: list[ExpertFigures], field_name: str | None, finance: bool | None, available: bool | None
) -> list[ExpertFigures]:
    if field_name:
        items = [f for f in items if field_name in (f.profile.fields or [])]
    if finance is not None:
        items = [f for f in items if f.profile.finance == finance]
    if available is not None:
        items = [f for f in items if f.available == available]
    return items


def all_fields() -> list[str]:
    fields = set()
    for profile_fields in db.session.scalars(select(ExpertProfile.fields)):
        fields.update(profile_fields or [])
    return sorted(fields)


def expert_json(f: ExpertFigures) -> dict:
    u, p = f.user, f.profile
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "title": p.title,
        "organization": u.organization.name if u.organization else None,
        "fields": list(p.fields or []),
        "finance": p.finance,
        "conflict_organization_ids": p.conflict_organization_ids,
        "conflict_organizations": f.conflict_organizations,
        "in_pool": f.in_pool,
        "pool_reason": p.pool_reason,
        "available": f.available,
        "panels_this_year": f.panels_this_year,
        "yearly_cap": f.cap,
        "panels": [
            {
                "kind": s.kind,
                "project_id": s.project_id,
                "application_id": s.application_id,
                "code": s.code,
                "title": s.title,
                "round": s.round,
                "year": s.year,
                "formed_on": s.formed_on.isoformat() if s.formed_on else None,
                "scoring_due": s.scoring_due.isoformat() if s.scoring_due else None,
                "concluded": s.concluded,
                "conflict_declared": s.conflict_declared,
                "late": s.late,
            }
            for s in f.seats
        ],
        "late_scores": f.late_scores,
        "conflicts_declared": f.conflicts_declared,
        "leniency": None if f.leniency is None else f"{f.leniency:.2f}",
        "leniency_panels": f.leniency_panels,
    }


# --- taking an expert out of the pool and back -------------------------------------------------


def find_expert(expert_id: int) -> User:
    user = db.session.get(User, expert_id) if 0 < expert_id < 2**31 else None
    if user is None or user.role != Role.expert or user.expert is None:
        raise NotFound(_("No expert reviewer %(id)s.", id=expert_id))
    return user


def set_in_pool(actor: User, expert: User, in_pool: bool, reason: str) -> ExpertProfile:
    """Deactivate (out of the pool: no draws) or reactivate, each with a reason. Panels the expert
    already sits on are unchanged."""
    require(can_manage_expert_pool(actor, expert), _("Only bureau staff manage the expert pool."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.one("reason", _("A reason is required."))
    profile = expert.expert
    if profile.in_pool == in_pool:
        raise Conflict(
            _("The expert is in the pool already.") if in_pool else _("The expert is out of the pool already.")
        )
    profile.in_pool = in_pool
    profile.pool_reason = reason
    profile.pool_changed_at = utcnow()
    profile.pool_changed_by_id = actor.id
    db.session.flush()
    return profile


# --- the panel form: each candidate's workload and the rules a choice would break -------------


@dataclass
class Candidate:
    user: User
    own_org: bool
    conflicted: bool
    in_pool: bool
    panels_this_year: int
    cap: int

    @property
    def at_cap(self) -> bool:
        return self.panels_this_year + 1 > self.cap

    @property
    def breaks(self) -> list[str]:
        """The rules choosing this expert would break (panel rule check names), and 'pool'."""
        found = []
        if self.conflicted:
            found.append("conflict")
        if self.at_cap:
            found.append("workload")
        if not self.in_pool:
            found.append("pool")
        return found


def candidates(project: Project, year: int, settings: RuleSettings, panel_id: int | None = None) -> list[Candidate]:
    """Every active expert reviewer for the panel form, with their panels in `year` (this panel
    not counted) and what choosing them would break."""
    experts = [e for e in _experts() if e.active]
    load = workload([e.id for e in experts], year, panel_id)
    return [
        Candidate(
            user=e,
            own_org=e.organization_id == project.organization_id,
            conflicted=panels.is_conflicted(e, project.organization_id),
            in_pool=e.expert.in_pool,
            panels_this_year=load.get(e.id, 0),
            cap=settings.expert_max_panels_per_year,
        )
        for e in experts
    ]


def preview(project: Project, expert_ids: list[int], year: int, settings: RuleSettings, panel_id: int | None):
    """The panel rules a chosen set would break, without saving anything."""
    chosen = [e for e in _experts() if e.id in set(expert_ids)]
    return problems_of(project, chosen, year, settings, panel_id)
