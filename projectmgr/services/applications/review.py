"""Approval-review panels (立项评审) and their blind scores: the acceptance panel rules of
services.panels (size, finance experts, conflicts, the yearly workload that counts both kinds of
panel, the seeded draw) and the aggregation of rules.scoring, over an application."""

import secrets
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...errors import Conflict, Forbidden, GuardFailed, NotFound, ValidationFailed
from ...extensions import db
from ...i18n import translate
from ...lifecycle.applications import REVIEW_PANEL_OPEN
from ...models import (
    Application,
    ApplicationState,
    Call,
    ExpertConflict,
    ExpertProfile,
    Panel,
    PanelMember,
    Recommendation,
    Role,
    Score,
    User,
)
from ...models.base import utcnow
from ...permissions import can_check_applications, can_review, can_score, can_see_all_scores, require
from ...rules.applications import DEFAULT_APPROVAL_SCORESHEET
from ...rules.deadlines import scoring_due
from ...rules.scoring import Criterion, aggregate, grade_for, scoresheet_from_data, total, validate_scores
from ...rules.settings import RuleSettings
from ..panels import active_members, draw, problems_of
from .forms import lock

SCORE_UNIT = Decimal("0.0001")  # the stored aggregate's places (application.score)
# An approval review recommends funding or not: "rectify" has no meaning before a project exists.
REVIEW_RECOMMENDATIONS = (Recommendation.pass_.value, Recommendation.fail.value)


def scoresheet() -> tuple[Criterion, ...]:
    """The approval-review sheet: the APPROVAL_SCORESHEET setting, else the default (100 points)."""
    data = current_app.config.get("APPROVAL_SCORESHEET")
    return scoresheet_from_data(data) if data else DEFAULT_APPROVAL_SCORESHEET


def panel_of(application: Application) -> Panel | None:
    return db.session.scalar(
        select(Panel).options(selectinload(Panel.members)).where(Panel.application_id == application.id)
    )


def _load_profiles(experts: list[User]) -> None:
    if experts:
        db.session.scalars(
            select(User)
            .where(User.id.in_([e.id for e in experts]))
            .options(selectinload(User.expert).selectinload(ExpertProfile.conflicts))
        ).all()


def review_problems(application: Application, settings: RuleSettings) -> list[dict]:
    panel = panel_of(application)
    if panel is None:
        return [{"check": "panel", "message": _("No panel has been put together yet.")}]
    experts = [m.expert for m in active_members(panel)]
    _load_profiles(experts)
    return problems_of(application, experts, panel.year, settings, panel.id)


def unscored(application: Application) -> list:
    panel = panel_of(application)
    if panel is None or panel.formed_on is None:
        return ["no panel"]
    return [m for m in active_members(panel) if m.score is None]


def _experts(expert_ids: list[int]) -> list[User]:
    if len(set(expert_ids)) != len(expert_ids):
        raise ValidationFailed.one("expert_ids", _("An expert is listed twice."))
    experts = list(db.session.scalars(select(User).where(User.id.in_(expert_ids), User.role == Role.expert)))
    by_id = {e.id: e for e in experts}
    missing = [i for i in expert_ids if i not in by_id]
    if missing:
        raise ValidationFailed.one(
            "expert_ids", _("No expert reviewer with id %(ids)s.", ids=", ".join(map(str, missing)))
        )
    _load_profiles(experts)
    return [by_id[i] for i in expert_ids]


def set_review_panel(
    actor: User,
    application: Application,
    settings: RuleSettings,
    as_of: date,
    expert_ids: list[int] | None = None,
    draw_spec: dict | None = None,
) -> tuple[Panel, str | None]:
    """Choose or draw the review panel. Before form_panel it replaces the draft; during the review
    it replaces members who declared a conflict, keeping those who did not."""
    require(can_check_applications(actor, application), _("Only bureau staff form panels."))
    lock(application)
    if application.state not in REVIEW_PANEL_OPEN:
        raise Conflict(
            _(
                "A review panel is formed once the formal check passed, not in '%(state)s'.",
                state=application.state.value,
            )
        )
    if (expert_ids is None) == (draw_spec is None):
        raise ValidationFailed.one("expert_ids", _("Give either expert_ids or draw."))
    panel = panel_of(application)
    reviewing = application.state == ApplicationState.under_review
    kept = [m.expert for m in active_members(panel)] if (reviewing and panel) else []
    year = panel.year if panel is not None else as_of.year
    seed = None
    if expert_ids is not None:
        experts = _experts(expert_ids)
        if reviewing and [e for e in kept if e.id not in set(expert_ids)]:
            raise Conflict(_("During the review only members who declared a conflict can be replaced."))
    else:
        size = draw_spec.get("size") or application.plan.panel_min_size
        seed = draw_spec.get("seed") or secrets.token_hex(8)
        fields = draw_spec.get("fields") or application.call.fields
        experts = draw(application, size, fields, seed, year, settings, keep=kept)
    problems = problems_of(application, experts, year, settings, panel.id if panel else None)
    if problems:
        raise GuardFailed(problems, _("The panel breaks the panel rules."))
    if panel is None:
        panel = Panel(application_id=application.id, round=1, year=year)
        db.session.add(panel)
    current = {m.expert_id for m in panel.members}
    wanted = {e.id for e in experts}
    for member in list(panel.members):
        if member.expert_id not in wanted and member.conflict_declared_at is None:
            panel.members.remove(member)
    for e in experts:
        if e.id not in current:
            panel.members.append(PanelMember(expert_id=e.id, finance=e.expert.finance))
    panel.seed = seed
    panel.draw_fields = draw_spec.get("fields") if draw_spec is not None else None
    db.session.flush()
    return panel, seed


def mark_formed(application: Application, on: date, settings: RuleSettings) -> None:
    panel = panel_of(application)
    panel.formed_on = on
    panel.scoring_due = scoring_due(on, settings)


def conclude(application: Application) -> dict:
    """Freeze the scores and store the aggregate on the application; the figures for its history."""
    panel = panel_of(application)
    totals = [m.score.total for m in active_members(panel) if m.score is not None]
    method = application.plan.aggregation.value
    score = aggregate(totals, method)
    panel.concluded = True
    application.score = score.quantize(SCORE_UNIT)
    return {
        "score": f"{score:.2f}",
        "grade": grade_for(score),
        "aggregation": method,
        "totals": [f"{t:.2f}" for t in sorted(totals)],  # sorted: never which member gave which
    }


def member_of(expert: User, application: Application) -> PanelMember:
    panel = panel_of(application)
    member = next((m for m in panel.members if m.expert_id == expert.id), None) if panel else None
    if member is None:
        raise Forbidden(_("You are not on this application's review panel."))
    return member


def declare_conflict(expert: User, application: Application, reason: str) -> PanelMember:
    """A member steps aside (回避); remembered for later panels, as for acceptance panels. Staff then
    replace them: PANEL_VALID refuses to conclude until the panel is whole again."""
    lock(application)
    member = member_of(expert, application)
    if member.panel.concluded:
        raise Conflict(_("The review is concluded."))
    if member.conflict_declared_at is not None:
        raise Conflict(_("You have declared a conflict already."))
    if member.score is not None:
        db.session.delete(member.score)
        member.score = None
    member.conflict_declared_at = utcnow()
    member.conflict_reason = reason
    if application.organization_id not in expert.expert.conflict_organization_ids:
        expert.expert.conflicts.append(ExpertConflict(organization_id=application.organization_id))
    db.session.flush()
    return member


def submit_score(
    expert: User, application: Application, scores: dict, recommendation: str, integrity_concern: bool, comment: str
) -> Score:
    lock(application)
    member = member_of(expert, application)
    require(can_score(expert, member), _("You declared a conflict on this panel."))
    if member.panel.concluded or application.state != ApplicationState.under_review:
        raise Conflict(_("Scores are frozen: the panel is not scoring (concluded or not yet formed)."))
    parsed, errors = validate_scores(scoresheet(), scores)
    details = [{"field": f, "message": translate(m)} for f, m in errors]
    if recommendation not in REVIEW_RECOMMENDATIONS:
        details.append({"field": "recommendation", "message": _("One of pass, fail.")})
    if details:
        raise ValidationFailed(details)
    score = member.score or Score(member=member)
    score.scores = {k: f"{v:f}" for k, v in parsed.items()}
    score.total = total(parsed)
    score.recommendation = Recommendation(recommendation)
    score.integrity_concern = integrity_concern
    score.comment = comment
    db.session.add(score)
    db.session.flush()
    return score


def scores_view(user: User, application: Application) -> dict:
    """Blind scoring as for projects: staff see every sheet; a member their own; the applicant the
    aggregate and unnamed, sorted comments after the conclusion."""
    panel = panel_of(application)
    if panel is None:
        raise NotFound(_("This application has no review panel."))
    members = active_members(panel)
    concluded = panel.concluded
    scored = [m for m in members if m.score is not None]

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

    result: dict = {"concluded": concluded, "aggregation": application.plan.aggregation.value}
    if concluded and scored:
        score = aggregate([m.score.total for m in scored], application.plan.aggregation.value)
        result.update(aggregate=f"{score:.2f}", grade=grade_for(score))
    if can_see_all_scores(user, concluded):
        result["members"] = [sheet(m) for m in members]
        return result
    if can_review(user):
        result["members"] = [sheet(member_of(user, application))]
        if concluded:
            result["comments"] = sorted(m.score.comment for m in scored if m.score.comment)
        return result
    if not concluded:
        result.update(aggregate=None, grade=None, comments=[])
        return result
    result["comments"] = sorted(m.score.comment for m in scored if m.score.comment)
    return result


def review_query(expert: User):
    """(application, panel, member) of every review panel the expert sits on, the open ones first."""
    return (
        select(Application, Panel, PanelMember)
        .join(Panel, Panel.application_id == Application.id)
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .where(PanelMember.expert_id == expert.id)
        .options(joinedload(Application.call).joinedload(Call.plan), selectinload(PanelMember.score))
        .order_by(Panel.concluded, Panel.scoring_due, Application.id)
    )
