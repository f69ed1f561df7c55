"""Firing lifecycle transitions: who may, and what each one does beside changing the state.
lifecycle decides whether a transition is possible, reads its parameters and names its effects
(lifecycle.table); this module runs them. No branch here asks which trigger fired."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Forbidden, StaleVersion, ValidationFailed
from ..extensions import db
from ..lifecycle import BY_TRIGGER, TRIGGERS, Actor, Context, failed_checks, fire, parse_params, possible_triggers
from ..lifecycle.guards import NEVER_FOR_THIS_PROJECT
from ..lifecycle.table import (
    Assign,
    CloseDue,
    ClosePanel,
    Conclude,
    Effect,
    FormPanel,
    OpenDue,
    RefuseExtension,
    ReopenDue,
    RuleFrom,
    StartRectification,
)
from ..models import DueKind, Level, Project, State, User
from ..permissions import SYSTEM, SystemActor, is_project_owner
from ..rules.deadlines import rectification_due
from ..rules.settings import RuleSettings
from . import due_items, panels
from .credit import record_failure
from .funds import refuse_pending_extension
from .locking import lock_project


def may_act(user: User | SystemActor, project: Project, actor: Actor) -> bool:
    if actor == Actor.system:
        return user is SYSTEM
    if actor == Actor.staff:
        return user.is_staff
    return is_project_owner(user, project)


@dataclass
class Outcome:
    project: Project
    decision: dict | None = None
    context: Context | None = None  # what the guards read (the sweep's expired items)


def transition(
    project: Project,
    trigger: str,
    user: User | SystemActor,
    settings: RuleSettings,
    as_of: date,
    params: dict | None = None,
    version: int | None = None,
) -> Outcome:
    """Fire `trigger` on the project for `user` (SYSTEM: the sweep). Flushes; never commits."""
    lock_project(project)  # one transition or panel change at a time on a project
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
    ctx = Context(project=project, user=user, as_of=as_of, settings=settings, trigger=trigger)
    parse_params(definition, dict(params or {}), ctx)
    prepared = definition.prepare(ctx) if definition.prepare is not None else None
    # The state change and its consequences are written together: no flush may see one without the
    # other (the database checks, e.g., that a concluded project has its conclusion date).
    with db.session.no_autoflush:
        fire(trigger, ctx)
        for effect in definition.effects:
            if effect.when is None or project.state in effect.when:
                EFFECTS[type(effect)](effect, ctx)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleVersion(_("Someone else changed this project at the same time; reload and try again.")) from exc
    return Outcome(project, ctx.details if prepared is not None else None, ctx)


# --- the effects (lifecycle.table names them, per transition) --------------------------------


def _value(ctx: Context, name: str):
    return ctx.comment if name == "comment" else ctx.params[name]


def _assign(effect: Assign, ctx: Context) -> None:
    setattr(ctx.project, effect.field, _value(ctx, effect.param))


def _open_due(effect: OpenDue, ctx: Context) -> None:
    due_items.open_item(ctx.project, effect.kind, ctx.params[effect.due])


def _close_due(effect: CloseDue, ctx: Context) -> None:
    due_items.close_items(ctx.project, *effect.kinds, on=ctx.as_of)


def _reopen_due(effect: ReopenDue, ctx: Context) -> None:
    due_items.reopen_latest(ctx.project, effect.kind)


def _form_panel(effect: FormPanel, ctx: Context) -> None:
    panels.mark_formed(ctx.project, ctx.as_of, ctx.settings)


def _close_panel(effect: ClosePanel, ctx: Context) -> None:
    panels.mark_concluded(ctx.project)


def _start_rectification(effect: StartRectification, ctx: Context) -> None:
    project, on = ctx.project, ctx.as_of
    project.rectification_started_on = on
    project.rectification_count += 1
    project.conclusion_rule = ctx.details.get("reason")
    due_items.open_item(project, DueKind.rectification, rectification_due(on, ctx.settings))


def _refuse_extension(effect: RefuseExtension, ctx: Context) -> None:
    refuse_pending_extension(ctx.project)


def _conclude(effect: Conclude, ctx: Context) -> None:
    project, on = ctx.project, ctx.as_of
    project.concluded_on = on
    if effect.rule == RuleFrom.decision:
        project.conclusion_rule = ctx.details.get("reason")
    elif effect.rule == RuleFrom.comment:
        project.conclusion_rule = ctx.comment
    due_items.close_after_conclusion(project, on)
    refuse_pending_extension(project)
    if project.state == State.failed:
        record_failure(project, on, project.conclusion_rule or ctx.comment or f"Failed ({ctx.trigger}).")


EFFECTS: dict[type[Effect], Callable[[Effect, Context], None]] = {
    Assign: _assign,
    OpenDue: _open_due,
    CloseDue: _close_due,
    ReopenDue: _reopen_due,
    FormPanel: _form_panel,
    ClosePanel: _close_panel,
    StartRectification: _start_rectification,
    RefuseExtension: _refuse_extension,
    Conclude: _conclude,
}


# --- what a user could fire ----------------------------------------------------------------


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


__all__ = ["Level", "Outcome", "allowed_triggers", "transition", "trigger_choices"]
