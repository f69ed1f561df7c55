"""The project as the API returns it and the project pages show it (API.md's project shape):
plain data, below both faces. The formats are the API's: money as strings with two decimals,
dates as YYYY-MM-DD, instants in UTC with a Z."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from ..facts.figures import current_panel, project_facts
from ..models import Project
from ..permissions import can_see_integrity_count, can_see_others_scores
from ..rules.indicators import IndicatorFact, completion_of
from ..rules.money import format_money
from . import funds, settings
from .applications.lists import application_of_project
from .due_items import project_due_items
from .transitions import allowed_triggers


def money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def number(value: Decimal | None) -> str | None:
    """Indicator values: exact, without trailing zeros."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    return text


def attributes(obj, names: str) -> dict:
    """The attributes named (separated by spaces) as they are: the ids, texts and numbers of a JSON shape."""
    return {name: getattr(obj, name) for name in names.split()}


def indicator_rows(
    project: Project,
    achieved: dict[int, Decimal],
    figure: Callable[[Decimal | None], str | None],
    share: Callable[[Decimal], str],
) -> list[dict]:
    """The project's indicators with their latest achieved values and their completion, as the
    project page and the API show them and as the certificate prints them: figure writes the
    numbers, share the completion."""
    return [
        {
            "key": i.key,
            "name": i.name,
            "unit": i.unit,
            "target": figure(i.target),
            "weight": figure(i.weight),
            "achieved": figure(achieved.get(i.id)),
            "completion": share(completion_of(IndicatorFact(i.target, i.weight, achieved.get(i.id)))),
        }
        for i in project.indicators
    ]


def project_summary(project: Project) -> dict:
    return {
        **attributes(
            project, "id code title plan_id organization_id owner_id responsible_staff_id industry version flags"
        ),
        "level": project.plan.level.value,
        "state": project.state.value,
        "start_date": day(project.start_date),
        "end_date": day(project.end_date),
        "special_funds": money(project.special_funds),
        "self_raised_committed": money(project.self_raised_committed),
    }


def _integrity_visible(project: Project, user) -> bool:
    """Scoring is blind: how many members flagged the materials is the bureau's to see until the
    panel concludes; owners and experts see it afterwards."""
    if can_see_others_scores(user, concluded=False):  # staff: no need to read the panel
        return True
    return can_see_integrity_count(user, current_panel(project.id))


def project_detail(project: Project, user, when: date, allowed: list[str] | None = None) -> dict:
    """allowed: the allowed triggers when the caller has read them already (the project page reads
    them with the blocked ones, through one guard context)."""
    rules = settings()
    facts = project_facts(project, rules, when)
    data = project_summary(project)
    ext = funds.extension_of(project)
    data.update(
        original_end_date=day(project.original_end_date),
        application_id=application_of_project(project.id),
        totals={k: money(v) for k, v in facts.totals.items()},
        budget=[
            {
                "category": line.category.value,
                "special": money(line.special),
                "self_raised": money(line.self_raised),
                "special_spent": money(facts.special_spent_by_category.get(line.category.value)) or "0.00",
                "self_raised_spent": money(facts.self_raised_spent_by_category.get(line.category.value)) or "0.00",
            }
            for line in project.budget_lines
        ],
        binding_checks=[
            {"key": c.key, "passed": c.passed, "severity": c.severity, "detail": c.detail, "figures": c.figures}
            for c in facts.binding_checks
            if c.key != "integrity" or _integrity_visible(project, user)
        ],
        indicators=indicator_rows(project, facts.achieved, number, str),
        indicator_completion=str(facts.indicator_completion),
        due_items=[
            {
                "kind": d.kind,
                "due_date": day(d.due_date),
                "days_overdue": d.days_overdue,
                "days_left": d.days_left,
                "very_late": d.very_late,
            }
            for d in project_due_items(project, when, rules)
        ],
        allowed_triggers=allowed if allowed is not None else allowed_triggers(project, user, rules, when),
        survey_due_date=day(project.survey_due_date),
        rectification_started_on=day(project.rectification_started_on),
        concluded_on=day(project.concluded_on),
        conclusion_document_no=project.conclusion_document_no,
        conclusion_rule=project.conclusion_rule,
        termination_reason=project.termination_reason,
        evaluation_grade=project.evaluation_grade.value if project.evaluation_grade else None,
        extension=None
        if ext is None
        else {
            "new_end_date": day(ext.new_end_date),
            "reason": ext.reason,
            "status": ext.status.value,
            "requested_at": instant(ext.requested_at),
        },
    )
    return data
