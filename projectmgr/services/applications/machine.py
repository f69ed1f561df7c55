"""Firing the application lifecycle: who may, with which parameters, and what each transition does
beside changing the state. lifecycle.applications decides whether it is possible; this module runs
it, in the request's one transaction, under the application's row lock."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ...errors import Forbidden, StaleVersion, ValidationFailed
from ...extensions import db
from ...lifecycle.applications import BY_TRIGGER, NEEDS_COMMENT, TRIGGERS, Actor, Context, fire, possible_triggers
from ...models import Application, ApplicationState, Attachment, Objection, Project, User
from ...permissions import can_check_applications, is_application_owner
from ...rules.applications import notice_end, scale_budget
from ...rules.settings import RuleSettings
from ..credit import credit_problems
from ..projects import BudgetInput, IndicatorInput, ProjectInput, register_project
from . import review
from .forms import attachments_of, lock


class Reads:
    """The guards' view of the database, each read at most once per context."""

    def __init__(self, application: Application, as_of: date, settings: RuleSettings):
        self.application, self.as_of, self.settings = application, as_of, settings

    @cached_property
    def _credit(self) -> list[dict]:
        a = self.application
        return credit_problems(a.organization_id, a.owner_id, self.as_of, self.settings)

    def credit_problems(self) -> list[dict]:
        return self._credit

    @cached_property
    def _panel(self) -> list[dict]:
        return review.review_problems(self.application, self.settings)

    def panel_problems(self) -> list[dict]:
        return self._panel

    @cached_property
    def _unscored(self) -> list:
        return review.unscored(self.application)

    def unscored(self) -> list:
        return self._unscored

    @cached_property
    def _objections(self) -> tuple[int, int]:
        unresolved, upheld = db.session.execute(
            select(
                func.count(Objection.id).filter(Objection.resolved_at.is_(None)),
                func.count(Objection.id).filter(Objection.upheld.is_(True)),
            ).where(Objection.application_id == self.application.id)
        ).one()
        return unresolved, upheld

    def unresolved_objections(self) -> int:
        return self._objections[0]

    def upheld_objections(self) -> int:
        return self._objections[1]


def context(application: Application, user: User | None, as_of: date, settings: RuleSettings) -> Context:
    return Context(
        application=application, user=user, as_of=as_of, settings=settings, reads=Reads(application, as_of, settings)
    )


def may_act(user: User | None, application: Application, actor: Actor) -> bool:
    if actor == Actor.staff:
        return can_check_applications(user, application)
    return is_application_owner(user, application)


@dataclass
class Outcome:
    application: Application
    project: Project | None = None


def _text(params: dict, name: str, required: bool, limit: int = 5000) -> str | None:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed.one(name, _("Required for this action."))
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationFailed.one(name, _("Must be text of at most %(n)s characters.", n=limit))
    return value.strip()


def _parse_params(trigger: str, params: dict, ctx: Context) -> None:
    """Check the trigger's parameters (API.md) before anything is written."""
    application = ctx.application
    ctx.comment = _text(params, "comment", trigger in NEEDS_COMMENT)
    if trigger == "publicize":
        until = params.get("notice_until") or notice_end(ctx.as_of)
        if not isinstance(until, date):
            raise ValidationFailed.one("notice_until", _("A date as YYYY-MM-DD."))
        if until <= ctx.as_of:
            raise ValidationFailed.one("notice_until", _("The notice must end after today."))
        ctx.params["notice_until"] = until
        ctx.details = {"notice_until": until.isoformat()}
    elif trigger == "approve":
        errors = []
        code = _text(params, "code", False, 64)
        if code is None:
            errors.append({"field": "code", "message": _("Required: the new project's code.")})
        granted = params.get("special_funds")
        if granted is None:
            granted = application.special_funds
        elif not isinstance(granted, Decimal):
            errors.append({"field": "special_funds", "message": _("An amount such as 1200000.00.")})
        elif granted > application.special_funds:
            errors.append(
                {
                    "field": "special_funds",
                    "message": _(
                        "The grant %(grant)s is above the requested %(requested)s.",
                        grant=format(granted, ".2f"),
                        requested=format(application.special_funds, ".2f"),
                    ),
                }
            )
        if errors:
            raise ValidationFailed(errors)
        ctx.params.update(code=code, special_funds=granted, responsible_staff_id=params.get("responsible_staff_id"))
        ctx.details = {"code": code, "special_funds": format(granted, ".2f")}


def transition(
    application: Application,
    trigger: str,
    user: User,
    settings: RuleSettings,
    as_of: date,
    params: dict | None = None,
    version: int | None = None,
) -> Outcome:
    """Fire `trigger` on the application for `user`. Flushes; never commits."""
    params = dict(params or {})
    lock(application)
    if trigger not in BY_TRIGGER:
        raise ValidationFailed.one(
            "trigger", _("Unknown trigger '%(trigger)s'. Known: %(known)s.", trigger=trigger, known=", ".join(TRIGGERS))
        )
    if version is not None and version != application.version:
        raise StaleVersion(
            _(
                "Version %(version)s is not the current version %(current)s.",
                version=version,
                current=application.version,
            )
        )
    definition = BY_TRIGGER[trigger]
    if not may_act(user, application, definition.actor):
        raise Forbidden(_("'%(trigger)s' is for %(actor)s.", trigger=trigger, actor=definition.actor.value))
    ctx = context(application, user, as_of, settings)
    _parse_params(trigger, params, ctx)
    if trigger == "conclude_review" and not ctx.reads.panel_problems() and not ctx.reads.unscored():
        ctx.details = review.conclude(application)
    project = None
    with db.session.no_autoflush:
        fire(trigger, ctx)
        project = _after(trigger, ctx)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise StaleVersion(_("Someone else changed this application at the same time; reload and try again.")) from exc
    return Outcome(application, project)


def _after(trigger: str, ctx: Context) -> Project | None:
    application, on = ctx.application, ctx.as_of
    if trigger in ("submit", "resubmit"):
        application.submitted_on = on
    elif trigger == "form_panel":
        review.mark_formed(application, on, ctx.settings)
    elif trigger == "publicize":
        application.notice_until = ctx.params["notice_until"]
    elif trigger == "reject":
        panel = review.panel_of(application)
        if panel is not None:
            panel.concluded = True
    elif trigger == "approve":
        return register_from_application(ctx.user, application, ctx.settings, on, ctx.params)
    return None


def register_from_application(
    actor: User, application: Application, settings: RuleSettings, on: date, params: dict, plan_id: int | None = None
) -> Project:
    """Register the project as POST /projects does (same validation, same credit rule), with the
    application's budget (special lines scaled to the grant, README), indicators and attachments."""
    granted = params["special_funds"]
    scaled = scale_budget(
        [(b.category.value, b.special) for b in application.budget_lines], application.special_funds, granted
    )
    data = ProjectInput(
        code=params["code"],
        title=application.title,
        plan_id=plan_id or application.call.plan_id,
        organization_id=application.organization_id,
        owner_id=application.owner_id,
        start_date=application.start_date,
        end_date=application.end_date,
        special_funds=granted,
        self_raised_committed=application.self_raised_committed,
        industry=application.industry,
        responsible_staff_id=params.get("responsible_staff_id"),
        budget=[BudgetInput(b.category, scaled[b.category.value], b.self_raised) for b in application.budget_lines],
        indicators=[IndicatorInput(i.key, i.name, i.unit, i.target, i.weight) for i in application.indicators],
    )
    project = register_project(actor, data, settings, on)
    for row in attachments_of(application):
        db.session.add(
            Attachment(
                project_id=project.id,
                filename=row.filename,
                kind=row.file_type,
                content_type=row.content_type,
                size=row.size,
                sha256=row.sha256,
                stored_name=row.stored_name,
                uploaded_by_id=row.uploaded_by_id,
                uploaded_at=row.uploaded_at,
            )
        )
    application.project_id = project.id
    application.granted_funds = granted
    return project


def allowed_triggers(application: Application, user: User, settings: RuleSettings, as_of: date) -> list[str]:
    candidates = [
        t.trigger for t in BY_TRIGGER.values() if application.state in t.sources and may_act(user, application, t.actor)
    ]
    if not candidates:
        return []
    return possible_triggers(context(application, user, as_of, settings), candidates)


__all__ = ["ApplicationState", "Outcome", "allowed_triggers", "transition"]
