"""Reads about a project's acceptance panel: the panel of this round, who counts, who has not
scored, what rules it breaks. The rules themselves are pure, in projectmgr.rules.panels."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import translate
from ..models import ExpertProfile, Panel, PanelMember, Project, User
from ..rules.conclusion import decide as decide_conclusion
from ..rules.panels import Candidate, PanelRules, problems
from ..rules.scoring import aggregate, grade_for
from ..rules.settings import RuleSettings
from .figures import ProjectFacts, current_panel


def round_of(project: Project) -> int:
    """A panel per acceptance round: the second round follows a rectification."""
    return project.rectification_count + 1


def panel_for_round(project: Project) -> Panel | None:
    panel = current_panel(project.id)
    return panel if panel is not None and panel.round == round_of(project) else None


def active_members(panel: Panel) -> list[PanelMember]:
    """Members who count: those who have not declared a conflict."""
    return [m for m in panel.members if m.conflict_declared_at is None]


def candidate(expert: User) -> Candidate:
    profile = expert.expert
    return Candidate(
        id=expert.id,
        name=expert.display_name,
        username=expert.username,
        organization_id=expert.organization_id,
        finance=profile is not None and profile.finance,
        conflict_organization_ids=frozenset(profile.conflict_organization_ids) if profile is not None else frozenset(),
    )


def panel_rules(project, settings: RuleSettings) -> PanelRules:
    plan = project.plan
    return PanelRules(plan.panel_min_size, plan.panel_min_finance, settings.expert_max_panels_per_year)


def workload(expert_ids: list[int], year: int, excluding_panel_id: int | None) -> dict[int, int]:
    """Panels each expert already sits on in the calendar year (this panel excluded). One query."""
    if not expert_ids:
        return {}
    query = (
        select(PanelMember.expert_id, func.count(PanelMember.id))
        .join(Panel, Panel.id == PanelMember.panel_id)
        .where(
            PanelMember.expert_id.in_(expert_ids),
            PanelMember.conflict_declared_at.is_(None),
            Panel.year == year,
        )
        .group_by(PanelMember.expert_id)
    )
    if excluding_panel_id is not None:
        query = query.where(Panel.id != excluding_panel_id)
    return dict(db.session.execute(query).all())


def problems_of(
    project, experts: list[User], year: int, settings: RuleSettings, panel_id: int | None = None
) -> list[dict]:
    """Every panel rule the proposed members break, each named, in the reader's language; project is
    what the panel judges (a project or an application). The experts' profiles and conflicts should be loaded (load_profiles)."""
    load = workload([e.id for e in experts], year, panel_id)
    found = problems(
        [candidate(e) for e in experts], project.organization_id, year, load, panel_rules(project, settings)
    )
    return [{**p, "message": translate(p["message"])} for p in found]


def load_profiles(experts: list[User]) -> None:
    """The experts' profiles and declared conflicts in two queries, not two per expert."""
    if experts:
        db.session.scalars(
            select(User)
            .where(User.id.in_([e.id for e in experts]))
            .options(selectinload(User.expert).selectinload(ExpertProfile.conflicts))
        ).all()


def panel_problems(project: Project, settings: RuleSettings) -> list[dict]:
    return problems_of_panel(project, panel_for_round(project), settings)


def problems_of_panel(subject, panel: Panel | None, settings: RuleSettings) -> list[dict]:
    """What rules the panel's counting members break, for the subject it judges (a project or an
    application: its organization_id and plan give the rules)."""
    if panel is None:
        return [{"check": "panel", "message": _("No panel has been put together yet.")}]
    experts = [m.expert for m in active_members(panel)]
    load_profiles(experts)
    return problems_of(subject, experts, panel.year, settings, panel.id)


def unscored_members(project: Project) -> list[PanelMember] | list[str]:
    return unscored_of(panel_for_round(project))


def unscored_of(panel: Panel | None) -> list[PanelMember] | list[str]:
    """The counting members who have not scored (["no panel"] before the panel is formed)."""
    if panel is None or panel.formed_on is None:
        return ["no panel"]
    return [m for m in active_members(panel) if m.score is None]


@dataclass(frozen=True)
class DecisionView:
    outcome: str
    rule: int
    reason: str
    figures: dict


def panel_score(project: Project) -> tuple[Decimal, list[Decimal]]:
    panel = panel_for_round(project)
    totals = [m.score.total for m in active_members(panel) if m.score is not None]
    return aggregate(totals, project.plan.aggregation.value), totals


def decide(project: Project, settings: RuleSettings, facts: ProjectFacts) -> DecisionView:
    """The conclusion the rules reach on this round's scores and the acceptance figures."""
    score, totals = panel_score(project)
    decision = decide_conclusion(
        facts.binding_checks, score, facts.indicator_completion, project.rectification_count > 0, settings
    )
    figures = {
        "score": f"{score:.2f}",
        "score_exact": str(score),
        "grade": grade_for(score),
        "aggregation": project.plan.aggregation.value,
        # Sorted: the history must not tell which member gave which total.
        "totals": [f"{t:.2f}" for t in sorted(totals)],
        "indicator_completion": str(facts.indicator_completion),
        "failed_checks": [c.key for c in facts.binding_checks if not c.passed],
    }
    return DecisionView(decision.outcome, decision.rule, decision.reason, figures)
