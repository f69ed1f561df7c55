"""Setting or adjusting a running project's task-book indicators (绩效指标).

A project registered from the form or an application has its indicators from the start; one moved
in from a bureau's workbook arrives without them, and an acceptance is judged against them, so staff
set them here, before the acceptance is applied for. An indicator is known by its key: the same key
keeps its reported values and takes the new name, unit, target and weight; a new key is added; a key
left out is removed, unless a report has already given a value for it. The change is one history
row (`set_indicators`, with the indicators before and after), under the project row lock."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import ValidationFailed
from ..extensions import db
from ..lifecycle import INDICATORS_ADJUSTABLE, Context, record_event
from ..models import Indicator, IndicatorValue, Project, User
from ..permissions import can_set_indicators, require
from ..rules.settings import RuleSettings
from .locking import lock_project
from .projects import IndicatorInput, indicator_errors
from .states import require_state


def _described(indicator: Indicator | IndicatorInput) -> dict:
    return {
        "key": indicator.key,
        "name": indicator.name,
        "unit": indicator.unit,
        "target": format(indicator.target.normalize(), "f"),
        "weight": format(indicator.weight.normalize(), "f"),
    }


def set_indicators(
    actor: User,
    project: Project,
    indicators: list[IndicatorInput],
    comment: str,
    settings: RuleSettings,
    as_of: date,
) -> list[Indicator]:
    """Replace the project's indicators with `indicators` (see the module). Does not commit."""
    require(can_set_indicators(actor, project), _("Only bureau staff set a project's indicators."))
    lock_project(project)
    require_state(
        project,
        INDICATORS_ADJUSTABLE,
        _("The indicators are fixed once the acceptance is applied for (the project is %(state)s)."),
    )
    errors = indicator_errors(indicators)
    current = {i.key: i for i in project.indicators}
    wanted = {i.key for i in indicators}
    reported = set(
        db.session.scalars(
            select(Indicator.key)
            .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
            .where(Indicator.project_id == project.id, Indicator.key.not_in(wanted))
        )
    )
    for key in sorted(reported):
        errors.append(
            {
                "field": "indicators",
                "message": _("Indicator %(key)s has values in submitted reports: keep it.", key=key),
            }
        )
    if errors:
        raise ValidationFailed(errors)

    before = [_described(i) for i in project.indicators]
    for key, indicator in current.items():
        if key not in wanted:
            project.indicators.remove(indicator)
    for item in indicators:
        indicator = current.get(item.key)
        if indicator is None:
            indicator = Indicator(key=item.key)
            project.indicators.append(indicator)
        indicator.name, indicator.unit, indicator.target, indicator.weight = (
            item.name,
            item.unit,
            item.target,
            item.weight,
        )
    after = [_described(i) for i in indicators]
    details = {"before": before, "after": after}
    ctx = Context(project=project, user=actor, as_of=as_of, settings=settings, comment=comment, details=details)
    record_event("set_indicators", ctx)
    db.session.flush()
    return project.indicators
