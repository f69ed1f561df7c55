"""The yearly targets: their input, checks, creation and changes (staff only)."""

from dataclasses import asdict, dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...errors import ValidationFailed
from ...extensions import db
from ...models import LedgerTarget, User
from ...permissions import can_be_responsible, can_keep_ledger, require
from ..registry import get_or_404
from .metrics import METRICS


@dataclass
class TargetInput:
    year: int
    title: str
    unit: str
    target_value: Decimal
    parent_id: int | None = None
    responsible_id: int | None = None
    metric: str | None = None
    cumulative: bool = True
    note: str | None = None
    position: int | None = None


def require_keeper(user: User | None) -> None:
    require(can_keep_ledger(user), _("Only bureau staff keep the target ledger."))


def target_errors(data: TargetInput, target: LedgerTarget | None = None) -> list[dict]:
    errors = []

    def err(f, m):
        errors.append({"field": f, "message": m})

    if not (2000 <= data.year <= 2100):
        err("year", _("A year between 2000 and 2100."))
    elif (
        target is not None
        and data.year != target.year
        and db.session.scalar(select(LedgerTarget.id).where(LedgerTarget.parent_id == target.id).limit(1)) is not None
    ):
        err("year", _("A target with sub-targets keeps its year: move or remove its sub-targets first."))
    if not data.title or not data.title.strip():
        err("title", _("Required."))
    if not data.unit or not data.unit.strip():
        err("unit", _("Required."))
    if data.target_value is None or data.target_value <= 0:
        err("target_value", _("Must be greater than 0."))
    if data.metric is not None and data.metric not in METRICS:
        err("metric", _("Unknown metric. Known: %(known)s.", known=", ".join(METRICS)))
    if data.responsible_id is not None:
        staff = db.session.get(User, data.responsible_id)
        if not can_be_responsible(staff):
            err("responsible_id", _("No such bureau staff member."))
    if data.parent_id is not None:
        parent = db.session.get(LedgerTarget, data.parent_id)
        if parent is None:
            err("parent_id", _("No such target."))
        elif parent.year != data.year:
            err("parent_id", _("A sub-target belongs to its parent's year."))
        elif target is not None:
            node = parent
            while node is not None:  # no cycles: the parent must not be the target or below it
                if node.id == target.id:
                    err("parent_id", _("A target cannot be placed under itself."))
                    break
                node = node.parent_id and db.session.get(LedgerTarget, node.parent_id)
    return errors


def _columns(data: TargetInput) -> dict:
    """The target's columns as the input gives them, the title and the unit stripped."""
    return asdict(data) | {"title": data.title.strip(), "unit": data.unit.strip()}


def create_target(user: User, data: TargetInput) -> LedgerTarget:
    require_keeper(user)
    errors = target_errors(data)
    if errors:
        raise ValidationFailed(errors)
    position = data.position
    if position is None:
        position = 1 + (
            db.session.scalar(
                select(func.max(LedgerTarget.position)).where(
                    LedgerTarget.year == data.year,
                    LedgerTarget.parent_id.is_(None)
                    if data.parent_id is None
                    else LedgerTarget.parent_id == data.parent_id,
                )
            )
            or 0
        )
    target = LedgerTarget(**(_columns(data) | {"position": position}))
    db.session.add(target)
    db.session.flush()
    return target


def update_target(user: User, target: LedgerTarget, data: TargetInput) -> LedgerTarget:
    require_keeper(user)
    errors = target_errors(data, target)
    if errors:
        raise ValidationFailed(errors)
    for name, value in _columns(data).items():
        if name != "position" or value is not None:  # no position given: the target keeps its place
            setattr(target, name, value)
    db.session.flush()
    return target


def find_target(target_id: int) -> LedgerTarget:
    return get_or_404(LedgerTarget, target_id, _l("target"))


def years() -> list[int]:
    return list(db.session.scalars(select(LedgerTarget.year).distinct().order_by(LedgerTarget.year.desc())))
