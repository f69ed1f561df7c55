"""Pieces the documents share: the parties, money and numbers as the documents print them, the
conclusion record a document is built from."""

from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import Project, State, TransitionRecord
from ...rules.money import format_money
from ..conclusion_text import CONCLUSIVE


def bureau() -> str:
    return current_app.config["BUREAU_NAME"]


def yuan(value: Decimal | None) -> str:
    """Yuan with thousands separators, as printed documents write them: 1,200,000.00."""
    return "—" if value is None else f"{Decimal(format_money(value)):,f}"


def number(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():f}"


def percent(value: Decimal | str | None) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


def day(value: date | None) -> str:
    return "—" if value is None else f"{value.year}年{value.month}月{value.day}日"


def conclusion_record(project: Project) -> TransitionRecord | None:
    """The transition that concluded the acceptance (the latest one: a rectification's second
    round replaces the first)."""
    return db.session.scalar(
        select(TransitionRecord)
        .where(TransitionRecord.project_id == project.id, TransitionRecord.trigger.in_(CONCLUSIVE))
        .order_by(TransitionRecord.id.desc())
        .limit(1)
    )


def outcome(project: Project) -> State | None:
    """How the acceptance ended (accepted, closed_out, failed), also once the project is evaluated;
    None while it has not concluded (a rectifying conclusion is not the end)."""
    if project.concluded_on is None:
        return None
    record = conclusion_record(project)
    return record.to_state if record is not None else None
