"""Firing lifecycle transitions: who may, with which parameters, and what each one does beside
changing the state. lifecycle decides whether a transition is possible; this module runs it."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Forbidden, StaleVersion, ValidationFailed
from ..extensions import db
from ..lifecycle import BY_TRIGGER, TRIGGERS, Actor, Context, failed_checks, fire, possible_triggers
from ..models import DueKind, Grade, Level, Project, State, User
from ..permissions import SYSTEM, SystemActor, is_project_owner
from ..rules.deadlines import rectification_due
from ..rules.settings import RuleSettings
from . import due_items, panels
from .credit import record_failure
from .funds import refuse_pending_extension

CONCLUSIONS = (State.accepted, State.closed_out, State.failed)


def may_act(user: User | SystemActor, project: Project, actor: Actor) -> bool:
    if actor == Actor.system:
        return user is SYSTEM
    if actor == Actor.staff:
        return user.is_staff
    return is_project_owner(user, project)


def _text(params: dict, name: str, required: bool) -> str | None:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.one(name, _("Required for this action."))
        return None
    if not isinstance(value, str):
        raise ValidationFailed.one(name, _("Must be text."))
    return value.strip()


@dataclass
class Outcome:
    project: Project
    decision: dict | None = None


def _parse_params(trigger: str, params: dict, ctx: Context) -> None:
    """Check the trigger's parameters (API.md) and put what the transition needs on ctx."""
    needs_comment = trigger in ("close_out", "terminate", "return_survey")
    ctx.comment = _text(params, "comment", needs_comment)
    if trigger == "open_survey":
        due = params.get("due_date")
        if not isinstance(due, date):
            raise ValidationFailed.one("due_date", _("Required: the survey report's due date (YYYY-MM-DD)."))
        if due < ctx.as_of:
            raise ValidationFailed.one("due_date", _("The due date is in the past."))
        ctx.params["due_date"] = due
    elif trigger == "record_conclusion":
        errors = []
        conclusion = params.get("conclusion")
        if conclusion not in {s.value for s in CONCLUSIONS}:
            errors.append({"field": "conclusion", "message": _("Required: one of accepted, closed_out, failed.")})
        document_no = params.get("document_no")
        if not isinstance(document_no, str) or not document_no.strip():
            errors.append({"field": "document_no", "message": _("Required: the higher authority's document number.")})
        if errors:
            raise ValidationFailed(errors)
        ctx.destination = State(conclusion)
        ctx.params["document_no"] = document_no.strip()
        ctx.details = {"conclusion": conclusion, "document_no": document_no.strip()}
    elif trigger == "evaluate":
        grade = params.get("grade")
        if grade not in {g.value for g in Grade}:
            raise ValidationFailed.one("grade", _("Required: one of excellent, good, pass, fail."))
        ctx.params["grade"] = Grade(grade)
        ctx.details = {"grade": grade}


def transition(
    project: Project,
    trigger: str,
    user: User | None,
    settings: RuleSettings,
    as_of: date,
    params: dict | None = None,
    version: int | None = None,
) -> Outcome:
    """Fire `trigger` on the project for `user` (None: the system). Flushes; never commits."""
    params = dict(params or {})
    panels.lock(project)  # one transition or panel change at a time on a project
    if trigger not in BY_TRIGGER:
        raise ValidationFailed.one(
            "trigger", _("Unknown trigger '%(trigger)s'. Known: %(known)s.", trigger=trigger, known=", ".join(TRIGGERS))
        )
    if version is not None and version != project.version:
        raise StaleVersion(
            _("Version %(version)s is not the current version %(current)s.", version=version, current=project.version)
        )
    definition = BY_TRIGGER[trigger]
    if not may_act(user, project, definition.actor):
        raise Forbidden(_("'%(trigger)s' is for %(actor)s.", trigger=trigger, actor=definition.actor.value))
    ctx = Context(project=project, user=user, as_of=as_of, settings=settings)
    _parse_params(trigger, params, ctx)
    decision = None
    if trigger == "conclude":
        # The destination is computed by the conclusion rules, never chosen by hand.
        # Only once the guards would pass (a valid, fully scored panel): otherwise they refuse,
        # naming the panel, and there is nothing to aggregate (every member may have stepped aside).
        if not ctx.panel_problems and not ctx.unscored:
            decision = panels.decide(project, settings, ctx.facts)
            ctx.destination = State(decision.outcome)
            ctx.details = {"rule": decision.rule, "reason": decision.reason, **decision.figures}
            ctx.comment = ctx.comment or decision.reason
    if trigger == "expire":
        expired = due_items.expired_items(project, as_of)
        ctx.details = {"expired": [{"kind": i.kind.value, "due_date": i.due_date.isoformat()} for i in expired]}
        ctx.comment = "Deemed failed: " + "; ".join(
            f"{i.kind.value.replace('_', ' ')} due {i.due_date} not met" for i in expired
        )
    # The state change and its consequences are written together: no flush may see one without the
    # other (the database checks, e.g., that a concluded project has its conclusion date).
    with db.session.no_autoflush:
        fire(trigger, ctx)
        _after(trigger, ctx)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleVersion(_("Someone else changed this project at the same time; reload and try again.")) from exc
    return Outcome(project, ctx.details if trigger == "conclude" else None)


def _after(trigger: str, ctx: Context) -> None:
    """What a transition does beside the state change; same transaction."""
    project, on = ctx.project, ctx.as_of
    if trigger == "open_survey":
        project.survey_due_date = ctx.params["due_date"]
        due_items.open_item(project, DueKind.survey_report, ctx.params["due_date"])
    elif trigger == "submit_survey":
        due_items.close_items(project, DueKind.survey_report, on=on)
    elif trigger == "return_survey":
        due_items.reopen_latest(project, DueKind.survey_report)
    elif trigger == "apply_acceptance":
        due_items.close_items(project, DueKind.acceptance_application, on=on)
    elif trigger == "reapply":
        due_items.close_items(project, DueKind.rectification, on=on)
    elif trigger == "form_panel":
        panels.mark_formed(project, on, ctx.settings)
    elif trigger in ("conclude", "close_out"):
        panels.mark_concluded(project)
        due_items.close_items(project, DueKind.expert_scores, on=on)
    elif trigger == "evaluate":
        project.evaluation_grade = ctx.params["grade"]
        # The evaluation settles the project's evaluation duty: every open item closes, whatever its year.
        due_items.close_items(project, DueKind.annual_evaluation, on=on)
    elif trigger == "terminate":
        project.termination_reason = ctx.comment
        due_items.close_items(project, on=on)
        refuse_pending_extension(project)
    elif trigger == "record_conclusion":
        project.conclusion_document_no = ctx.params["document_no"]

    if trigger == "conclude" and project.state == State.rectifying:
        project.rectification_started_on = on
        project.rectification_count += 1
        project.conclusion_rule = ctx.details.get("reason")
        due_items.open_item(project, DueKind.rectification, rectification_due(on, ctx.settings))
    if project.state in CONCLUSIONS and trigger != "evaluate":
        project.concluded_on = on
        if trigger == "conclude":
            project.conclusion_rule = ctx.details.get("reason")
        elif trigger == "expire":
            project.conclusion_rule = ctx.comment
        due_items.close_after_conclusion(project, on)
        refuse_pending_extension(project)
        if project.state == State.failed:
            record_failure(project, on, project.conclusion_rule or ctx.comment or f"Failed ({trigger}).")


def _candidates(project: Project, user: User) -> list:
    """The transitions from the project's state that this user's role may fire."""
    return [
        t
        for t in BY_TRIGGER.values()
        if project.state in t.sources and t.actor != Actor.system and may_act(user, project, t.actor)
    ]


def allowed_triggers(project: Project, user: User, settings: RuleSettings, as_of: date) -> list[str]:
    """What this user could fire on this project now."""
    candidates = _candidates(project, user)
    if not candidates:
        return []
    ctx = Context(project=project, user=user, as_of=as_of, settings=settings)
    return possible_triggers(ctx, [t.trigger for t in candidates])


def trigger_choices(
    project: Project, user: User, settings: RuleSettings, as_of: date
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(allowed, blocked), read through one guard context: what this user could fire now, and what
    they could fire from this state but may not yet, each with the checks that refuse it (a
    rectifying owner's `reapply` before the new acceptance report, staff's `conclude` before every
    member has scored). The pages show the blocked ones greyed out with the reason."""
    candidates = _candidates(project, user)
    if not candidates:
        return [], []
    ctx = Context(project=project, user=user, as_of=as_of, settings=settings)
    allowed = possible_triggers(ctx, [t.trigger for t in candidates])
    blocked = []
    for t in candidates:
        if t.trigger in allowed or not t.guards:
            continue
        failures = failed_checks(t, ctx)
        if any(f["check"] in NEVER_FOR_THIS_PROJECT for f in failures):
            continue  # not "not yet" but "not for this level": no greyed button
        if failures:
            # Each check, then the particular rules it stands for (which panel rule is broken).
            reasons = [m for f in failures for m in (f["message"], *(p["message"] for p in f.get("problems", ())))]
            blocked.append((t.trigger, reasons))
    return allowed, blocked


# Guards that depend on what the project is, not on what has been done.
NEVER_FOR_THIS_PROJECT = {"municipal_only", "higher_authority_only"}


__all__ = ["Level", "Outcome", "allowed_triggers", "transition", "trigger_choices"]
