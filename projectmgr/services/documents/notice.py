"""The annual evaluation notice (年度考评结果通报) of a year: the confirmed grades, level by level."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...errors import NotFound
from ...extensions import db
from ...labels import label
from ...models import Evaluation, Grade, Level, Project
from .common import bureau, day


@dataclass
class NoticeData:
    bureau: str
    year: int
    issued_on: str
    total: int
    confirmed: int
    levels: list[dict]  # [{level, grades: [{grade, projects: [{code, title, organization}]}]}]


def notice_data(year: int, today: date) -> NoticeData:
    evaluations = db.session.scalars(
        select(Evaluation)
        .join(Project, Project.id == Evaluation.project_id)
        .options(
            joinedload(Evaluation.project).joinedload(Project.plan),
            joinedload(Evaluation.project).joinedload(Project.organization),
        )
        .where(Evaluation.year == year)
        .order_by(Project.code)
    ).all()
    if not evaluations:
        raise NotFound(_("No annual evaluation of %(year)s.", year=year))
    levels = []
    for level in Level:
        grades = []
        for grade in Grade:
            projects = [
                {"code": e.project.code, "title": e.project.title, "organization": e.project.organization.name}
                for e in evaluations
                if e.grade == grade and e.project.plan.level == level
            ]
            if projects:
                grades.append({"grade": label("grade", grade), "projects": projects})
        if grades:
            levels.append({"level": label("level", level), "grades": grades})
    return NoticeData(
        bureau=bureau(),
        year=year,
        issued_on=day(today),
        total=len(evaluations),
        confirmed=sum(1 for e in evaluations if e.grade is not None),
        levels=levels,
    )
