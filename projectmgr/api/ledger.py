"""The target ledger (DESIGN §10) over the API."""

from datetime import date
from typing import Annotated

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field, StringConstraints

from ..errors import NotFound
from ..permissions import READERS as ALL_READERS
from ..permissions import STAFF as ALL_STAFF
from ..schemas import Body, Line, PositiveQuantity, Quantity, Text
from ..services import ledger as service
from ..services import settings
from .core import as_of, q_year, tagged_route

route = tagged_route("ledger")

STAFF = ALL_STAFF.refusing(_l("Only bureau staff keep the target ledger."))
READERS = ALL_READERS.refusing(_l("The target ledger is for bureau staff and leaders."))


class TargetIn(Body):
    year: Annotated[int, Field(ge=2000, le=2100)]
    title: Text
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Line]
    target_value: PositiveQuantity
    parent_id: int | None = None
    responsible_id: int | None = None
    metric: str | None = None
    cumulative: bool = True
    note: Annotated[str, StringConstraints(max_length=5000)] | None = None
    position: Annotated[int, Field(ge=0)] | None = None


class ProgressIn(Body):
    value: Quantity
    note: Annotated[str, StringConstraints(max_length=5000)] = ""
    recorded_on: date | None = None


def _view(target, when: date) -> service.TargetView:
    """The target as its year's ledger shows it (404 if the tree does not hold it)."""
    view = service.view_of(target, when, settings())
    if view is None:
        raise NotFound(_("No target %(id)s.", id=target.id))
    return view


def _input(data: TargetIn) -> service.TargetInput:
    return service.TargetInput(**data.model_dump())


@route("/ledger", query={"year": "default: this year", "as_of": "YYYY-MM-DD"}, roles=READERS)
def get_ledger(user):
    """A year's targets as a tree (depth-first): value, progress, share of the year gone, status"""
    when = as_of()
    year = q_year(when.year)
    views = service.flatten(service.ledger(year, when, settings()))
    return {"year": year, "as_of": when.isoformat(), "items": [service.view_json(v) for v in views]}


@route("/ledger/metrics", roles=READERS)
def get_metrics(user):
    """The named metrics a target's progress can be computed by"""
    return {
        "items": [
            {"key": m.key, "label": str(m.label), "unit": m.unit, "cumulative": m.cumulative}
            for m in service.METRICS.values()
        ]
    }


@route("/ledger/targets", "POST", status=201, roles=STAFF)
def create_target(user, data: TargetIn):
    """Add a target or sub-target"""
    target = service.create_target(user, _input(data))
    view = _view(target, date.today())
    return service.view_json(view)


@route("/ledger/targets/<int:target_id>", query={"as_of": "YYYY-MM-DD"}, roles=READERS)
def get_target(user, target_id: int):
    """A target with its progress entries"""
    target = service.find_target(target_id)
    view = _view(target, as_of())
    return service.view_json(view) | {"entries": [service.entry_json(e) for e in target.entries]}


@route("/ledger/targets/<int:target_id>", "PUT", roles=STAFF)
def update_target(user, target_id: int, data: TargetIn):
    """Change a target"""
    target = service.update_target(user, service.find_target(target_id), _input(data))
    view = _view(target, date.today())
    return service.view_json(view)


@route("/ledger/targets/<int:target_id>/progress", "POST", status=201, roles=STAFF)
def add_progress(user, target_id: int, data: ProgressIn):
    """Enter progress by hand: the value reached so far, with a note (evidence files: the web page)"""
    target = service.find_target(target_id)
    entry = service.add_progress(user, target, data.value, data.note, data.recorded_on or date.today())
    return service.entry_json(entry)
