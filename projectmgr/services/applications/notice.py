"""A call's ranking, the public notice (公示) of its list and the objections raised against it."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...errors import Conflict, GuardFailed, NotFound
from ...extensions import db
from ...models import Application, ApplicationState, Call, Objection, Organization, User
from ...models.base import utcnow
from ...permissions import can_check_applications, can_raise_objection, can_view_application, require
from .forms import lock

A = ApplicationState
# What a ranking lists: applications that passed the formal check.
RANKED_STATES = (A.checked, A.under_review, A.reviewed, A.publicized, A.approved, A.rejected)


@dataclass(frozen=True)
class Ranked:
    rank: int
    application: Application
    organization: str
    suggested_funds: Decimal


def suggested_funds(application: Application, call: Call) -> Decimal:
    """The grant if decided, else the request capped at the call's maximum."""
    if application.granted_funds is not None:
        return application.granted_funds
    if call.max_special_funds is not None:
        return min(application.special_funds, call.max_special_funds)
    return application.special_funds


def ranking_query(call: Call):
    return (
        select(Application, Organization.name)
        .join(Organization, Organization.id == Application.organization_id)
        .where(Application.call_id == call.id, Application.state.in_(RANKED_STATES))
        .order_by(Application.score.desc().nulls_last(), Application.special_funds, Application.id)
    )


def ranking(user: User, call: Call) -> list[Ranked]:
    """The call's applications by aggregate score (unscored last), then the smaller request."""
    require(can_check_applications(user), _("Only bureau staff rank a call."))
    rows = db.session.execute(ranking_query(call)).all()
    return [Ranked(n, a, name, suggested_funds(a, call)) for n, (a, name) in enumerate(rows, start=1)]


def notice_query(as_of: date):
    """Applications on public notice now (and those whose notice ended, until they are decided)."""
    return (
        select(Application)
        .options(joinedload(Application.organization), joinedload(Application.call))
        .where(Application.state == A.publicized)
        .order_by(Application.notice_until.desc(), Application.call_id, Application.score.desc().nulls_last())
    )


def raise_objection(user: User, application: Application, text: str, as_of: date) -> Objection:
    require(can_raise_objection(user), _("Sign in to raise an objection."))
    lock(application)
    if application.state != A.publicized or application.notice_until is None or as_of > application.notice_until:
        raise GuardFailed([{"check": "notice", "message": _("Objections are raised during the public notice only.")}])
    objection = Objection(application_id=application.id, text=text, raised_by_id=user.id)
    db.session.add(objection)
    db.session.flush()
    return objection


def objections_of(application: Application) -> list[Objection]:
    return list(
        db.session.scalars(select(Objection).where(Objection.application_id == application.id).order_by(Objection.id))
    )


def resolve_objection(user: User, objection_id: int, upheld: bool, comment: str) -> Objection:
    require(can_check_applications(user), _("Only bureau staff resolve objections."))
    objection = db.session.get(Objection, objection_id) if 0 < objection_id <= 2**31 - 1 else None
    if objection is None:
        raise NotFound(_("No objection %(id)s.", id=objection_id))
    lock(db.session.get(Application, objection.application_id))
    if objection.resolved_at is not None:
        raise Conflict(_("This objection is resolved already."))
    objection.upheld = upheld
    objection.resolution = comment
    objection.resolved_by_id = user.id
    objection.resolved_at = utcnow()
    db.session.flush()
    return objection


def find_for_objection(user: User, application_id: int) -> Application:
    """Anyone signed in may object to an application on public notice, not only those who see it."""
    application = db.session.get(Application, application_id) if 0 < application_id <= 2**31 - 1 else None
    if application is None or not (application.state == A.publicized or can_view_application(user, application)):
        raise NotFound(_("No application %(id)s.", id=application_id))
    return application
