"""The annual evaluation (年终考评, DESIGN §9): propose a grade for every project active in a year,
let staff confirm or change it with a reason, move concluded projects to `evaluated`."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..facts.figures import project_facts
from ..lifecycle import AFTER_CONCLUSION, CONCLUDED, Context, record_event
from ..models import (
    DueItem,
    DueKind,
    Evaluation,
    EvaluationChange,
    Grade,
    Plan,
    Project,
    State,
    TransitionRecord,
    User,
)
from ..models.base import utcnow
from ..permissions import can_run_evaluation, require
from ..rules.evaluation import FACTORS, Factors, propose, share
from ..rules.settings import RuleSettings
from .locking import lock_project
from .project_view import attributes
from .transitions import transition

GRADES = [g.value for g in Grade]


def _require_staff(user: User) -> None:
    require(can_run_evaluation(user), _("Only bureau staff run the annual evaluation."))


def active_in(year: int):
    """SQL: ids of the projects active in `year`: those owing that year's annual evaluation (opened
    at registration for every year they can run), unless it was closed before the year began
    (a conclusion or termination in an earlier year)."""
    return select(DueItem.project_id).where(
        DueItem.kind == DueKind.annual_evaluation,
        DueItem.year == year,
        or_(DueItem.closed_on.is_(None), DueItem.closed_on >= date(year, 1, 1)),
    )


def evaluation_day(year: int, as_of: date) -> date:
    return min(as_of, date(year, 12, 31))


def factors_of(project: Project, year: int, as_of: date, settings: RuleSettings) -> Factors:
    day = evaluation_day(year, as_of)
    start = date(year, 1, 1)
    # On time: obligations due in the year up to the evaluation day, closed by their due date.
    items = db.session.execute(
        select(DueItem.due_date, DueItem.closed_on).where(
            DueItem.project_id == project.id,
            DueItem.kind != DueKind.annual_evaluation,
            DueItem.due_date >= start,
            DueItem.due_date <= day,
        )
    ).all()
    on_time = share(sum(1 for due, closed in items if closed is not None and closed <= due), len(items))
    # Survey returns: of the survey reports staff reviewed in the year, the share accepted.
    reviews = dict(
        db.session.execute(
            select(TransitionRecord.trigger, func.count())
            .where(
                TransitionRecord.project_id == project.id,
                TransitionRecord.trigger.in_(("accept_survey", "return_survey")),
                TransitionRecord.at >= datetime(year, 1, 1),
                TransitionRecord.at < datetime(year + 1, 1, 1),
            )
            .group_by(TransitionRecord.trigger)
        ).all()
    )
    survey = share(reviews.get("accept_survey", 0), sum(reviews.values()))
    facts = project_facts(project, settings, day)  # the year's figures, not today's
    # Indicator progress: completion against the share of the project's duration elapsed.
    if not project.indicators:
        indicators = None
    elif project.state in AFTER_CONCLUSION:
        indicators = facts.indicator_completion
    else:
        span = (project.end_date - project.start_date).days
        elapsed = share((min(day, project.end_date) - project.start_date).days, span) if span > 0 else Decimal(1)
        indicators = share(facts.indicator_completion, elapsed) if elapsed else None
    execution = share(facts.totals["special_spent"], facts.totals["special_disbursed"])
    failed = (
        project.concluded_on is not None
        and project.concluded_on.year == year
        and db.session.scalar(
            select(TransitionRecord.id)
            .where(TransitionRecord.project_id == project.id, TransitionRecord.to_state == State.failed)
            .limit(1)
        )
        is not None
    )
    return Factors(on_time, survey, indicators, execution, failed)


def _factors_json(f: Factors, proposal) -> dict:
    return {
        **{k: (None if getattr(f, k) is None else str(getattr(f, k))) for k in FACTORS},
        "failed_acceptance": f.failed_acceptance,
        "weights": {k: str(v) for k, v in proposal.weights.items()},
    }


def run_evaluation(user: User, year: int, as_of: date, settings: RuleSettings) -> list[Evaluation]:
    """Open (or refresh) the year's evaluation: a proposal for every project active in it.
    Confirmed grades are kept; their proposals and factors are refreshed."""
    _require_staff(user)
    if year > as_of.year:
        raise ValidationFailed.one("year", _("A year that has not begun cannot be evaluated."))
    projects = db.session.scalars(
        select(Project)
        .options(joinedload(Project.plan))
        .where(Project.id.in_(active_in(year)), Project.start_date <= evaluation_day(year, as_of))
        .order_by(Project.id)
    ).all()
    existing = {e.project_id: e for e in db.session.scalars(select(Evaluation).where(Evaluation.year == year)).all()}
    result = []
    for project in projects:
        factors = factors_of(project, year, as_of, settings)
        proposal = propose(factors, settings)
        ev = existing.get(project.id)
        if ev is None:
            ev = Evaluation(project=project, year=year)
            db.session.add(ev)
        ev.factors = _factors_json(factors, proposal)
        ev.score = proposal.score
        ev.proposed_grade = Grade(proposal.grade)
        ev.proposed_at = utcnow()
        result.append(ev)
    db.session.flush()
    return result


def find_evaluation(evaluation_id: int) -> Evaluation:
    ev = db.session.get(Evaluation, evaluation_id)
    if ev is None:
        raise NotFound(_("No evaluation %(id)s.", id=evaluation_id))
    return ev


def confirm(
    user: User, ev: Evaluation, grade: str | None, reason: str | None, as_of: date, settings: RuleSettings
) -> Evaluation:
    """Confirm the proposal, or change it with a reason; a concluded project moves to `evaluated`,
    an evaluated one whose final grade changes gets a `regrade` row in its history."""
    _require_staff(user)
    project = ev.project
    lock_project(project)  # the state it reads holds until the commit
    reason = (reason or "").strip() or None
    if grade is not None and grade not in GRADES:
        raise ValidationFailed.one("grade", _("One of excellent, good, pass, fail."))
    chosen = Grade(grade) if grade else ev.proposed_grade
    if chosen != ev.proposed_grade and reason is None:
        raise ValidationFailed.one("reason", _("A reason is required when the grade differs from the proposal."))
    if ev.grade is not None and chosen != ev.grade and reason is None:
        raise ValidationFailed.one("reason", _("A reason is required to change a confirmed grade."))
    db.session.add(
        EvaluationChange(
            evaluation=ev,
            from_grade=ev.grade,
            to_grade=chosen,
            proposed_grade=ev.proposed_grade,
            reason=reason,
            actor_id=user.id,
            kind="confirm" if chosen == ev.proposed_grade else "change",
        )
    )
    ev.grade, ev.reason, ev.confirmed_by_id, ev.confirmed_at = chosen, reason, user.id, utcnow()
    for item in db.session.scalars(
        select(DueItem).where(
            DueItem.project_id == project.id,
            DueItem.kind == DueKind.annual_evaluation,
            DueItem.year == ev.year,
            DueItem.closed_on.is_(None),
        )
    ):
        item.closed_on = as_of
    # The evaluation of the year it concluded (or later) is the final one; earlier years only record a grade.
    final = project.concluded_on is None or ev.year >= project.concluded_on.year
    if project.state in CONCLUDED and final:
        transition(project, "evaluate", user, settings, as_of, {"grade": chosen.value, "comment": reason})
    elif project.state == State.evaluated and final:
        # Changing the final evaluation's grade changes the project's grade, in its history.
        latest = db.session.scalar(select(func.max(Evaluation.year)).where(Evaluation.project_id == project.id))
        if latest == ev.year and chosen != project.evaluation_grade:
            details = {"year": ev.year, "from_grade": project.evaluation_grade.value, "grade": chosen.value}
            project.evaluation_grade = chosen
            ctx = Context(project=project, user=user, as_of=as_of, settings=settings, comment=reason, details=details)
            record_event("regrade", ctx)
    db.session.flush()
    return ev


def confirm_all(user: User, year: int, as_of: date, settings: RuleSettings) -> int:
    """Confirm every unconfirmed proposal of the year as proposed (the CLI's --confirm)."""
    pending = db.session.scalars(
        select(Evaluation).where(Evaluation.year == year, Evaluation.grade.is_(None)).order_by(Evaluation.id)
    ).all()
    for ev in pending:
        confirm(user, ev, None, None, as_of, settings)
    return len(pending)


def evaluations_query(year: int):
    return (
        select(Evaluation)
        .join(Project, Project.id == Evaluation.project_id)
        .options(joinedload(Evaluation.project).joinedload(Project.plan))
        .where(Evaluation.year == year)
        .order_by(Project.key_tracking.desc(), Project.code)
    )


@dataclass
class YearReport:
    year: int
    total: int
    confirmed: int
    by_grade: dict[str, int]
    by_level: dict[str, dict[str, int]]
    by_plan: dict[str, dict[str, int]]
    by_industry: dict[str, dict[str, int]]


def year_report(year: int) -> YearReport:
    """Grades by level, plan and industry: confirmed grades; the unconfirmed count as `unconfirmed`."""
    rows = db.session.execute(
        select(Evaluation.grade, Plan.level, Plan.name, Project.industry)
        .join(Project, Project.id == Evaluation.project_id)
        .join(Plan, Plan.id == Project.plan_id)
        .where(Evaluation.year == year)
    ).all()
    by_grade: Counter = Counter()
    by: dict[str, dict] = {
        "level": defaultdict(Counter),
        "plan": defaultdict(Counter),
        "industry": defaultdict(Counter),
    }
    for grade, level, plan, industry in rows:
        key = grade.value if grade else "unconfirmed"
        by_grade[key] += 1
        by["level"][level.value][key] += 1
        by["plan"][plan][key] += 1
        by["industry"][industry or "—"][key] += 1
    order = [*GRADES, "unconfirmed"]
    return YearReport(
        year=year,
        total=len(rows),
        confirmed=len(rows) - by_grade["unconfirmed"],
        by_grade={g: by_grade[g] for g in order},
        **{f"by_{k}": {name: {g: c[g] for g in order} for name, c in sorted(v.items())} for k, v in by.items()},
    )


def evaluation_json(ev: Evaluation) -> dict:
    p = ev.project
    return {
        **attributes(ev, "id project_id year reason"),
        **attributes(p, "code title"),
        "level": p.plan.level.value,
        "state": p.state.value,
        "factors": {k: ev.factors.get(k) for k in FACTORS},
        "failed_acceptance": ev.factors.get("failed_acceptance", False),
        "weights": ev.factors.get("weights", {}),
        "score": None if ev.score is None else str(ev.score),
        "proposed_grade": ev.proposed_grade.value,
        "grade": ev.grade.value if ev.grade else None,
    }


def history_json(ev: Evaluation) -> list[dict]:
    return [
        {
            "kind": c.kind,
            "from_grade": c.from_grade.value if c.from_grade else None,
            "to_grade": c.to_grade.value,
            "proposed_grade": c.proposed_grade.value,
            "reason": c.reason,
            "actor": c.actor.username,
            "at": c.at.isoformat(timespec="seconds") + "Z",
        }
        for c in ev.changes
    ]
