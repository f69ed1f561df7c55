"""Acceptance panels, blind scoring and the computed conclusion (DESIGN §6)."""

import random
import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import Conflict, Forbidden, GuardFailed, NotFound, ValidationFailed
from ..extensions import db
from ..facts.figures import current_panel
from ..facts.panels import (
    active_members,
    candidate,
    load_profiles,
    panel_for_round,
    panel_rules,
    problems_of,
    round_of,
    workload,
)
from ..i18n import translate
from ..lifecycle import MUNICIPAL, PANEL_OPEN, SCORING
from ..models import (
    DueKind,
    ExpertConflict,
    ExpertProfile,
    Level,
    Panel,
    PanelMember,
    Project,
    Recommendation,
    Role,
    Score,
    User,
)
from ..models.base import utcnow
from ..permissions import can_form_panel, can_review, can_score, can_see_all_scores, require
from ..rules import scoring
from ..rules.deadlines import scoring_due
from ..rules.panels import conflicted, has_room
from ..rules.settings import RuleSettings
from .due_items import open_item
from .locking import lock_project
from .states import require_state


def scoresheet(project: Project) -> tuple[scoring.Criterion, ...]:
    if project.plan.scoresheet:
        return scoring.scoresheet_from_data(project.plan.scoresheet)
    return scoring.DEFAULT_SCORESHEET


def is_conflicted(expert: User, organization_id: int) -> bool:
    """The expert may not sit on this organization's panels."""
    c = candidate(expert)
    return conflicted(c.organization_id, c.conflict_organization_ids, organization_id)


# An expert with their profile and declared conflicts: three queries whatever the number of experts.
_WITH_PROFILE = selectinload(User.expert).selectinload(ExpertProfile.conflicts)


def load_experts(expert_ids: list[int]) -> list[User]:
    """The experts by id, in the order given, with their profiles; each id named if unknown."""
    experts = list(
        db.session.scalars(select(User).where(User.id.in_(expert_ids), User.role == Role.expert).options(_WITH_PROFILE))
    )
    found = {e.id for e in experts}
    missing = [i for i in expert_ids if i not in found]
    if missing:
        raise ValidationFailed.one(
            "expert_ids", _("No expert reviewer with id %(ids)s.", ids=", ".join(map(str, missing)))
        )
    if len(set(expert_ids)) != len(expert_ids):
        raise ValidationFailed.one("expert_ids", _("An expert is listed twice."))
    by_id = {e.id: e for e in experts}
    return [by_id[i] for i in expert_ids]


def draw(
    project: Project,
    size: int,
    fields: list[str] | None,
    seed: str,
    year: int,
    settings: RuleSettings,
    keep: list[User] | None = None,
) -> list[User]:
    """Draw experts at random from the eligible pool: finance experts first up to the plan's
    minimum, then anyone. The pool is ordered by id, so the same seed over the same pool draws
    the same panel (recorded for audit). A fixed number of queries, whatever the pool's size."""
    keep = keep or []
    load_profiles(keep)
    kept_ids = {e.id for e in keep}
    query = (
        select(User)
        .join(ExpertProfile, ExpertProfile.user_id == User.id)
        # Staff take experts out of the pool (services.experts): they are not drawn.
        .where(User.role == Role.expert, User.active.is_(True), ExpertProfile.in_pool.is_(True))
        .options(_WITH_PROFILE)
        .order_by(User.id)
    )
    users = {e.id: e for e in db.session.scalars(query) if e.id not in kept_ids}
    pool = [candidate(e) for e in users.values()]
    if fields:
        wanted = set(fields)
        pool = [c for c in pool if wanted & set(users[c.id].expert.fields or [])]
    pool = [c for c in pool if not conflicted(c.organization_id, c.conflict_organization_ids, project.organization_id)]
    load = workload([c.id for c in pool], year, None)
    rules = panel_rules(project, settings)
    pool = [c for c in pool if has_room(load.get(c.id, 0), rules)]
    rng = random.Random(seed)
    chosen = list(keep)
    finance_needed = max(0, rules.min_finance - sum(1 for e in keep if candidate(e).finance))
    finance_pool = [c for c in pool if c.finance]
    picks = rng.sample(finance_pool, min(finance_needed, len(finance_pool), max(0, size - len(chosen))))
    chosen += [users[c.id] for c in picks]
    rest = [c for c in pool if c not in picks]
    chosen += [users[c.id] for c in rng.sample(rest, min(len(rest), max(0, size - len(chosen))))]
    return chosen


@dataclass
class PanelResult:
    panel: Panel
    seed: str | None


def set_panel(
    actor: User, project: Project, settings: RuleSettings, as_of: date,
    expert_ids: list[int] | None = None, draw_spec: dict | None = None,
) -> PanelResult:
    """Choose or draw the panel for this acceptance round. Before form_panel it replaces the draft;
    during the review it replaces members who declared a conflict, keeping those who did not."""
    require(can_form_panel(actor, project), _("Only bureau staff form panels."))
    lock_project(project)
    require_state(
        project, PANEL_OPEN, _("A panel is formed while the project is applying for acceptance, not in '%(state)s'.")
    )
    if project.plan.level != Level.municipal:
        # National and provincial projects are concluded by a higher authority (record_conclusion).
        raise GuardFailed([{"check": MUNICIPAL.check, "message": str(MUNICIPAL.message)}])
    panel = panel_for_round(project)
    reviewing = project.state in SCORING  # members are replaced, not the panel
    experts, seed, year = choose(project, panel, reviewing, settings, as_of, expert_ids, draw_spec)
    if panel is None:
        panel = Panel(project_id=project.id, round=round_of(project), year=year)
        db.session.add(panel)
    fill(panel, experts, seed, draw_spec)
    return PanelResult(panel, seed)


def choose(
    subject,
    panel: Panel | None,
    reviewing: bool,
    settings: RuleSettings,
    as_of: date,
    expert_ids: list[int] | None,
    draw_spec: dict | None,
    default_fields: list[str] | None = None,
) -> tuple[list[User], str | None, int]:
    """The members chosen by hand or drawn for the subject's panel (a project or an application),
    checked against the panel rules: (experts, the draw's seed, the panel's year). During the
    review only members who declared a conflict may be replaced."""
    if (expert_ids is None) == (draw_spec is None):
        raise ValidationFailed.one("expert_ids", _("Give either expert_ids or draw."))
    kept = [m.expert for m in active_members(panel)] if (reviewing and panel) else []
    year = panel.year if panel is not None else as_of.year
    seed = None
    if expert_ids is not None:
        experts = load_experts(expert_ids)
        if reviewing and [e for e in kept if e.id not in set(expert_ids)]:
            raise Conflict(_("During the review only members who declared a conflict can be replaced."))
    else:
        size = draw_spec.get("size") or subject.plan.panel_min_size
        seed = draw_spec.get("seed") or secrets.token_hex(8)
        fields = draw_spec.get("fields") or default_fields
        experts = draw(subject, size, fields, seed, year, settings, keep=kept)
    problems = problems_of(subject, experts, year, settings, panel.id if panel else None)
    if problems:
        raise GuardFailed(problems, _("The panel breaks the panel rules."))
    return experts, seed, year


def fill(panel: Panel, experts: list[User], seed: str | None, draw_spec: dict | None) -> None:
    """Make the panel's members the experts, keeping those who declared a conflict (the record of
    it), and note how they were chosen. Flushes."""
    current = {m.expert_id for m in panel.members}
    wanted = {e.id for e in experts}
    for member in list(panel.members):
        if member.expert_id not in wanted and member.conflict_declared_at is None:
            panel.members.remove(member)
    for e in experts:
        if e.id not in current:
            panel.members.append(PanelMember(expert_id=e.id, finance=e.expert.finance))
    # The audit record describes how the current members were chosen: a later choice by hand
    # clears an earlier draw's seed.
    panel.seed = seed
    panel.draw_fields = draw_spec.get("fields") if draw_spec is not None else None
    db.session.flush()


def mark_formed(project: Project, on: date, settings: RuleSettings) -> None:
    panel = panel_for_round(project)
    panel.formed_on = on
    panel.scoring_due = scoring_due(on, settings)
    open_item(project, DueKind.expert_scores, panel.scoring_due)


def mark_concluded(project: Project) -> None:
    panel = panel_for_round(project)
    if panel is not None:
        panel.concluded = True


def member_of(expert: User, project: Project) -> PanelMember:
    panel = panel_for_round(project)
    member = None
    if panel is not None:
        member = next((m for m in panel.members if m.expert_id == expert.id), None)
    if member is None:
        raise Forbidden(_("You are not on this project's current panel."))
    return member


def declare_conflict(expert: User, project: Project, reason: str) -> PanelMember:
    """An expert steps aside (回避); the conflict is remembered for later panels too."""
    lock_project(project)
    member = member_of(expert, project)
    if member.panel.concluded:
        raise Conflict(_("The acceptance is concluded."))
    return step_aside(expert, member, project.organization_id, reason)


def step_aside(expert: User, member: PanelMember, organization_id: int, reason: str) -> PanelMember:
    """The member declares a conflict: their score goes, and the organization is remembered among
    the expert's conflicts for later panels. The caller holds the lock and checked the panel."""
    if member.conflict_declared_at is not None:
        raise Conflict(_("You have declared a conflict already."))
    if member.score is not None:
        db.session.delete(member.score)
        member.score = None
    member.conflict_declared_at = utcnow()
    member.conflict_reason = reason
    if organization_id not in expert.expert.conflict_organization_ids:
        expert.expert.conflicts.append(ExpertConflict(organization_id=organization_id))
    db.session.flush()
    return member


def submit_score(
    expert: User,
    project: Project,
    scores: dict,
    recommendation: str,
    integrity_concern: bool,
    comment: str,
) -> Score:
    lock_project(project)
    member = member_of(expert, project)
    require(can_score(expert, member), _("You declared a conflict on this panel."))
    if member.panel.concluded or project.state not in SCORING:
        raise Conflict(_("Scores are frozen: the panel is not scoring (concluded or not yet formed)."))
    return record_score(
        member,
        scoresheet(project),
        {
            "scores": scores,
            "recommendation": recommendation,
            "integrity_concern": integrity_concern,
            "comment": comment,
        },
        [r.value for r in Recommendation],
        _("One of pass, rectify, fail."),
    )


def record_score(
    member: PanelMember, sheet: tuple[scoring.Criterion, ...], sent: dict, recommendations: list[str], refusal: str
) -> Score:
    """Check the member's sheet (scores against the criteria, the recommendation among those
    allowed, else the refusal; every bad field named) and store it. The caller holds the lock and
    checked the panel is scoring."""
    parsed, errors = scoring.validate_scores(sheet, sent["scores"])
    details = [{"field": f, "message": translate(m)} for f, m in errors]
    recommendation = sent["recommendation"]
    if recommendation not in recommendations:
        details.append({"field": "recommendation", "message": refusal})
    if details:
        raise ValidationFailed(details)
    integrity_concern, comment = sent["integrity_concern"], sent["comment"]
    score = member.score or Score(member=member)
    score.scores = {k: f"{v:f}" for k, v in parsed.items()}
    score.total = scoring.total(parsed)
    score.recommendation = Recommendation(recommendation)
    score.integrity_concern = integrity_concern
    score.comment = comment
    db.session.add(score)
    db.session.flush()
    return score


def scores_view(user: User, project: Project) -> dict:
    """Blind scoring: staff see every member's sheet; a member sees their own until the
    conclusion; the owner sees the aggregate and anonymised comments after it."""
    panel = panel_for_round(project) or current_panel(project.id)
    if panel is None:
        raise NotFound(_("This project has no panel."))
    return blind_view(user, panel, project.plan.aggregation.value, lambda: member_of(user, project))


def blind_view(user: User, panel: Panel, aggregation: str, own_member) -> dict:
    """The panel's scores as the user may read them (blind scoring): staff every sheet; a member
    their own (own_member()); the scored-on side the aggregate and comments after the conclusion."""
    members = active_members(panel)
    concluded = panel.concluded

    def sheet(m: PanelMember) -> dict:
        s = m.score
        return {
            "expert_id": m.expert_id,
            "expert": m.expert.display_name,
            "finance": m.finance,
            "scored": s is not None,
            "scores": s.scores if s else None,
            "total": f"{s.total:.2f}" if s else None,
            "recommendation": s.recommendation.value if s else None,
            "integrity_concern": s.integrity_concern if s else None,
            "comment": s.comment if s else None,
        }

    result: dict = {"concluded": concluded, "aggregation": aggregation}
    scored = [m for m in members if m.score is not None]
    if concluded and scored:
        score = scoring.aggregate([m.score.total for m in scored], aggregation)
        result.update(aggregate=f"{score:.2f}", grade=scoring.grade_for(score))
    # Leaders read the bureau's records, but not who scored what while the panel still scores.
    if can_see_all_scores(user, concluded):
        result["members"] = [sheet(m) for m in members]
        return result
    if can_review(user):
        member = own_member()
        result["members"] = [sheet(member)]
        if concluded:
            result["comments"] = sorted(m.score.comment for m in scored if m.score.comment)
        return result
    # The owner (and a leader before the conclusion): nothing before the conclusion; afterwards the aggregate and comments, without names
    # and sorted, so that their order does not tell which member wrote which.
    if not concluded:
        result.update(aggregate=None, grade=None, comments=[])
        return result
    result["comments"] = sorted(m.score.comment for m in scored if m.score.comment)
    return result


def review_query(expert: User):
    """(project, panel, member) of every panel the expert sits on, the open ones first; the plan
    and the member's score come with them (no query per row)."""
    return (
        select(Project, Panel, PanelMember)
        .join(Panel, Panel.project_id == Project.id)
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .where(PanelMember.expert_id == expert.id)
        .options(joinedload(Project.plan), selectinload(PanelMember.score))
        .order_by(Panel.concluded, Panel.scoring_due, Project.id, Panel.id)
    )


def review_projects(expert: User) -> list[tuple[Project, Panel, PanelMember]]:
    return list(db.session.execute(review_query(expert)).tuples())
