"""The annual evaluation (DESIGN §9) over the API."""

from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import Field, StringConstraints

from ..extensions import db
from ..models import Evaluation
from ..permissions import READERS as ALL_READERS
from ..permissions import STAFF as ALL_STAFF
from ..schemas import Body
from ..services import evaluation as service
from ..services import settings
from .core import as_of, paginate, q_year, tagged_route

route = tagged_route("evaluation")

STAFF = ALL_STAFF.refusing(_l("Only bureau staff run the annual evaluation."))
READERS = ALL_READERS.refusing(_l("The annual evaluation is for bureau staff and leaders."))


class EvaluationRunIn(Body):
    year: Annotated[int, Field(ge=2000, le=2100)]
    confirm: bool = False


class EvaluationConfirmIn(Body):
    grade: Literal["excellent", "good", "pass", "fail"] | None = None
    reason: Annotated[str, StringConstraints(max_length=5000)] | None = None


def _year() -> int:
    from datetime import date

    return q_year(date.today().year)


@route("/evaluations/run", "POST", query={"as_of": "YYYY-MM-DD"}, roles=STAFF)
def run_evaluation(user, data: EvaluationRunIn):
    """Open (or refresh) a year's evaluation: propose a grade for every project active in it; `confirm` also confirms
    every unconfirmed proposal as proposed"""
    when, rules = as_of(), settings()
    evaluations = service.run_evaluation(user, data.year, when, rules)
    confirmed = service.confirm_all(user, data.year, when, rules) if data.confirm else 0
    return {
        "year": data.year,
        "count": len(evaluations),
        "confirmed": confirmed,
        "items": [service.evaluation_json(e) for e in evaluations],
    }


@route(
    "/evaluations",
    query={"year": "the evaluated year (default: this year)", "page": "", "per_page": ""},
    roles=READERS,
)
def list_evaluations(user):
    """A year's evaluations: factors, score, proposed and confirmed grade"""
    return paginate(service.evaluations_query(_year()), lambda row: service.evaluation_json(row[0]))


@route("/evaluations/report", query={"year": "the evaluated year"}, roles=READERS)
def evaluation_report(user):
    """A year's grades by level, plan and industry (unconfirmed proposals count as `unconfirmed`)"""
    r = service.year_report(_year())
    return {
        "year": r.year,
        "total": r.total,
        "confirmed": r.confirmed,
        "by_grade": r.by_grade,
        "by_level": r.by_level,
        "by_plan": r.by_plan,
        "by_industry": r.by_industry,
    }


@route("/evaluations/<int:evaluation_id>", roles=READERS)
def get_evaluation(user, evaluation_id: int):
    """One evaluation with the history of its grade"""
    ev = service.find_evaluation(evaluation_id)
    return service.evaluation_json(ev) | {"history": service.history_json(ev)}


@route("/evaluations/<int:evaluation_id>/confirm", "POST", query={"as_of": "YYYY-MM-DD"}, roles=STAFF)
def confirm_evaluation(user, evaluation_id: int, data: EvaluationConfirmIn):
    """Confirm the proposed grade, or set another with a reason (kept in the history); a concluded project moves to
    `evaluated`"""
    ev = service.find_evaluation(evaluation_id)
    service.confirm(user, ev, data.grade, data.reason, as_of(), settings())
    db.session.flush()
    ev = db.session.get(Evaluation, evaluation_id)
    return service.evaluation_json(ev) | {"history": service.history_json(ev)}
