"""The overdue radar and the sweep."""

from flask import Response
from flask_babel import lazy_gettext as _l

from ..etags import etag_for, not_modified
from ..extensions import db
from ..models import DueKind, Flag, Level
from ..permissions import READERS, STAFF
from ..rules.deadlines import days_overdue, is_very_late
from ..services import settings
from ..services.due_items import overdue_query
from ..services.project_view import day
from ..services.radar import radar_total
from ..services.reminders import queue_digests, queue_reminders
from ..services.sweep import run_sweep
from ..summary_cache import cached
from .core import as_of, encoded_json, json_answer, page_args, q_enum, tagged_route

route = tagged_route("tracking")


@route(
    "/overdue",
    query={"as_of": "YYYY-MM-DD", "level": "", "kind": "", "flag": "", "page": "", "per_page": ""},
    roles=READERS.refusing(_l("The overdue radar is for bureau staff and leaders.")),
)
def get_overdue(user):
    """Open due items past their due date: key-tracking first, then most days overdue

    The same for every reader: cached, and answered 304 to an If-None-Match of its ETag, under
    the data version (projectmgr.summary_cache)."""
    when = as_of()
    rules = settings()
    flag = q_enum("flag", Flag)
    filters = {"level": q_enum("level", Level), "kind": q_enum("kind", DueKind), "flag": flag.value if flag else None}
    page = page_args()
    key = ("api_overdue", when, tuple((k, getattr(v, "value", v)) for k, v in filters.items()), page)
    etag = etag_for(*key)
    if not_modified(etag):
        return Response(status=304, headers={"ETag": etag})
    return json_answer(cached(key, lambda: encoded_json(_overdue_page(when, rules, filters))), etag)


def _overdue_page(when, rules, filters) -> dict:
    query = overdue_query(when, **filters)

    def row(r) -> dict:
        item, project, level = r
        return {
            "project_id": project.id,
            "code": project.code,
            "title": project.title,
            "level": level.value,
            "kind": item.kind.value,
            "due_date": day(item.due_date),
            "days_overdue": days_overdue(item.due_date, when),
            "very_late": is_very_late(item.due_date, when, rules),
            "flags": project.flags,
            "responsible_staff_id": project.responsible_staff_id,
        }

    page, per_page = page_args()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = [row(r) for r in rows]
    return {"items": items, "total": radar_total(when, **filters), "page": page, "per_page": per_page}


@route("/sweep", "POST", query={"as_of": "YYYY-MM-DD"}, roles=STAFF.refusing(_l("Only bureau staff run the sweep.")))
def post_sweep(user):
    """Apply the expire transitions due on as_of and queue the reminders due; reports what changed"""
    when = as_of()
    rules = settings()
    swept = run_sweep(when, rules)
    # Queued only: the emails go out with the next `lifecycle sweep` run, never inside a request.
    queue_reminders(when, rules)
    queue_digests(when)
    body = {"as_of": day(when), "changed": swept.changed, "count": len(swept.changed)}
    if swept.failed:  # projects the sweep could not expire: retried by the next run
        body["failed"] = swept.failed
    return body
