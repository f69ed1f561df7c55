"""The expert pool (staff): the figures staff choose experts by, and taking an expert out of the
pool for draws and back."""

from datetime import date
from typing import Annotated

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import StringConstraints

from ..errors import ValidationFailed
from ..permissions import STAFF as ALL_STAFF
from ..schemas import Body
from ..services import experts as service
from ..services import settings
from .core import page_args, q_year, tagged_route

route = tagged_route("experts")

STAFF = ALL_STAFF.refusing(_l("The expert pool is for bureau staff."))


class PoolChangeIn(Body):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


def q_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    values = {"true": True, "1": True, "false": False, "0": False}
    if raw.lower() not in values:
        raise ValidationFailed.one(name, _("true or false."))
    return values[raw.lower()]


@route(
    "/experts",
    query={
        "field": "only experts of this field",
        "finance": "true|false",
        "available": "true|false: in the pool and under the yearly cap",
        "year": "the workload year (default: this year)",
        "page": "",
        "per_page": "",
    },
    roles=STAFF,
)
def list_experts(user):
    """The expert pool: fields, finance flag, title, organization, declared conflicts, panels this year against the
    yearly cap, panels sat on, late scores, conflicts declared, leniency"""
    year = q_year(date.today().year)
    field_name = (request.args.get("field") or "").strip() or None
    finance, available = q_bool("finance"), q_bool("available")
    page, per_page = page_args()
    items = service.filtered(service.pool(year, date.today(), settings()), field_name, finance, available)
    chunk = items[(page - 1) * per_page : page * per_page]
    return {
        "year": year,
        "yearly_cap": settings().expert_max_panels_per_year,
        "items": [service.expert_json(f) for f in chunk],
        "total": len(items),
        "page": page,
        "per_page": per_page,
    }


def _pool_route(action: str, in_pool: bool, summary: str):
    """POST /experts/<id>/<action>: the expert in or out of the pool, with a reason."""

    def view(user, expert_id: int, data: PoolChangeIn):
        expert = service.find_expert(expert_id)
        service.set_in_pool(user, expert, in_pool, data.reason)
        profile = expert.expert
        return {
            "id": expert.id,
            "in_pool": profile.in_pool,
            "pool_reason": profile.pool_reason,
            "pool_changed_at": profile.pool_changed_at.isoformat(timespec="seconds") + "Z",
        }

    view.__name__ = f"{action}_expert"
    route(f"/experts/<int:expert_id>/{action}", "POST", summary=summary, roles=STAFF)(view)


_pool_route(
    "deactivate",
    False,
    "Take an expert out of the pool (no longer drawn), with a reason; their current panels stay",
)
_pool_route("reactivate", True, "Put an expert back in the pool, with a reason")
