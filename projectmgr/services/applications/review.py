"""Approval-review panels (立项评审) and their blind scores: the acceptance panel rules of
services.panels (size, finance experts, conflicts, the yearly workload that counts both kinds of
panel, the seeded draw) and the aggregation of rules.scoring, over an application."""

from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...errors import Conflict, Forbidden, NotFound
from ...extensions import db
from ...facts.panels import active_members, problems_of_panel, unscored_of
from ...lifecycle.applications import REVIEW_PANEL_OPEN
from ...models import (
    Application,
    ApplicationState,
    Call,
    Panel,
    PanelMember,
    Recommendation,
    Score,
    User,
)
from ...permissions import can_check_applications, can_score, require
from ...rules.applications import DEFAULT_APPROVAL_SCORESHEET
from ...rules.deadlines import scoring_due
from ...rules.scoring import Criterion, aggregate, grade_for, scoresheet_from_data
from ...rules.settings import RuleSettings
from ..panels import blind_view, choose, fill, record_score, step_aside
from ..states import require_state
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


def review_problems(application: Application, settings: RuleSettings) -> list[dict]:
    return problems_of_panel(application, panel_of(application), settings)


def unscored(application: Application) -> list:
    return unscored_of(panel_of(application))


def set_review_panel(
    actor: User, application: Application, settings: RuleSettings, as_of: date,
    expert_ids: list[int] | None = None, draw_spec: dict | None = None,
) -> tuple[Panel, str | None]:
    """Choose or draw the review panel. Before form_panel it replaces the draft; during the review
    it replaces members who declared a conflict, keeping those who did not."""
    require(can_check_applications(actor, application), _("Only bureau staff form panels."))
    lock(application)
    require_state(
        application, REVIEW_PANEL_OPEN, _("A review panel is formed once the formal check passed, not in '%(state)s'.")
    )
    panel = panel_of(application)
    reviewing = application.state == ApplicationState.under_review
    experts, seed, year = choose(
        application, panel, reviewing, settings, as_of, expert_ids, draw_spec, application.call.fields
    )
    if panel is None:
        panel = Panel(application_id=application.id, round=1, year=year)
        db.session.add(panel)
    fill(panel, experts, seed, draw_spec)
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
    return step_aside(expert, member, application.organization_id, reason)


def submit_score(
    expert: User, application: Application, scores: dict, recommendation: str, integrity_concern: bool, comment: str
) -> Score:
    lock(application)
    member = member_of(expert, application)
    require(can_score(expert, member), _("You declared a conflict on this panel."))
    if member.panel.concluded or application.state != ApplicationState.under_review:
        raise Conflict(_("Scores are frozen: the panel is not scoring (concluded or not yet formed)."))
    return record_score(
        member,
        scoresheet(),
        {
            "scores": scores,
            "recommendation": recommendation,
            "integrity_concern": integrity_concern,
            "comment": comment,
        },
        list(REVIEW_RECOMMENDATIONS),
        _("One of pass, fail."),
    )


def scores_view(user: User, application: Application) -> dict:
    """Blind scoring as for projects: staff see every sheet; a member their own; the applicant the
    aggregate and unnamed, sorted comments after the conclusion."""
    panel = panel_of(application)
    if panel is None:
        raise NotFound(_("This application has no review panel."))
    return blind_view(user, panel, application.plan.aggregation.value, lambda: member_of(user, application))


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
