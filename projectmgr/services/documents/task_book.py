"""任务书 / the task book of a registered project: the parties, the period, the budget by
category and source, the indicators with their targets and weights, the due items, the
signature blocks."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ...extensions import db
from ...labels import label
from ...models import DueItem, Project
from .certificate import project_parties
from .common import bureau, day, number, yuan

ZERO = Decimal("0.00")


@dataclass
class TaskBookData:
    bureau: str
    project: dict
    responsible: str
    special_funds: str
    self_raised_committed: str
    budget: list[dict]
    budget_total: dict
    indicators: list[dict]
    due_items: list[dict]


def task_book_data(project: Project) -> TaskBookData:
    lines = list(project.budget_lines)
    special = sum((b.special for b in lines), ZERO)
    self_raised = sum((b.self_raised for b in lines), ZERO)
    items = db.session.scalars(
        select(DueItem).where(DueItem.project_id == project.id).order_by(DueItem.due_date, DueItem.id)
    ).all()
    return TaskBookData(
        bureau=bureau(),
        project=project_parties(project),
        responsible=project.responsible_staff.display_name if project.responsible_staff else "—",
        special_funds=yuan(project.special_funds),
        self_raised_committed=yuan(project.self_raised_committed),
        budget=[
            {
                "category": label("category", b.category),
                "special": yuan(b.special),
                "self_raised": yuan(b.self_raised),
                "total": yuan(b.special + b.self_raised),
            }
            for b in lines
        ],
        budget_total={"special": yuan(special), "self_raised": yuan(self_raised), "total": yuan(special + self_raised)},
        indicators=[
            {"name": i.name, "unit": i.unit, "target": number(i.target), "weight": number(i.weight)}
            for i in project.indicators
        ],
        due_items=[
            {
                "kind": label("due", d.kind) + (f"（{d.year}）" if d.year else ""),
                "due_date": day(d.due_date),
            }
            for d in items
        ],
    )
