"""Calls for applications (申报指南): a municipal plan's window."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...models import Call, Level, Plan, Role, User
from ...permissions import can_manage_calls, require
from ...schemas import CallIn


def create_call(actor: User, data: CallIn) -> Call:
    require(can_manage_calls(actor), _("Only bureau staff publish calls."))
    errors = []
    plan = db.session.get(Plan, data.plan_id)
    if plan is None:
        errors.append({"field": "plan_id", "message": _("No such plan.")})
    elif plan.level != Level.municipal:
        errors.append(
            {"field": "plan_id", "message": _("Calls are for municipal plans; higher plans are won by recommendation.")}
        )
    if data.closes_on < data.opens_on:
        errors.append({"field": "closes_on", "message": _("The window closes before it opens.")})
    if errors:
        raise ValidationFailed(errors)
    call = Call(**(data.model_dump() | {"fields": data.fields or None}), created_by_id=actor.id)
    db.session.add(call)
    db.session.flush()
    return call


def call_query(user: User, as_of: date):
    """Calls, newest first; owners see the open ones."""
    query = select(Call).options(joinedload(Call.plan)).order_by(Call.opens_on.desc(), Call.id.desc())
    if user.role == Role.owner:
        query = query.where(Call.opens_on <= as_of, Call.closes_on >= as_of)
    return query


def open_calls(as_of: date) -> list[Call]:
    query = (
        select(Call)
        .options(joinedload(Call.plan))
        .where(Call.opens_on <= as_of, Call.closes_on >= as_of)
        .order_by(Call.closes_on, Call.id)
    )
    return list(db.session.scalars(query))


def find_call(user: User, call_id: int, as_of: date | None = None) -> Call:
    call = None
    if 0 < call_id <= 2**31 - 1:
        call = db.session.scalar(select(Call).options(joinedload(Call.plan)).where(Call.id == call_id))
    if call is None:
        raise NotFound(_("No call %(id)s.", id=call_id))
    return call
