"""The security auditor's pages (审计管理员, issue 13 items 6-8): the security log with filters and
its Excel export, the project history, and the last chain verification. Nobody changes or deletes
a row here."""

from datetime import date

from flask import render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..audit.export import events_workbook
from ..audit.queries import AuditFilter, events_query, last_verification
from ..downloads import xlsx_response
from ..extensions import db
from ..models import Project, TransitionRecord
from ..permissions import can_read_audit_log, can_read_project_history
from . import allowed, bp, int_arg, paging
from .pages import PER_PAGE


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def _filter() -> AuditFilter:
    return AuditFilter(
        start=_day("from"),
        end=_day("to"),
        user=(request.args.get("user") or "").strip()[:80] or None,
        event=(request.args.get("event") or "").strip()[:40] or None,
    )


@bp.route("/audit")
@allowed(can_read_audit_log)
def audit():
    flt = _filter()
    query = events_query(flt)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = int_arg("page", 1)
    events = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    names = {"start": "from", "end": "to"}
    args = {names.get(k, k): v for k, v in flt.as_dict().items()}
    return render_template(
        "web/audit.html",
        events=events,
        **paging(total, page, PER_PAGE),
        flt=flt,
        args=args,
        verification=last_verification(),
    )


@bp.route("/audit/events.xlsx")
@allowed(can_read_audit_log)
def audit_export():
    flt = _filter()
    return xlsx_response(events_workbook(flt), "security-log.xlsx")


@bp.route("/audit/history")
@allowed(can_read_project_history)
def audit_history():
    query = (
        select(TransitionRecord, Project.code)
        .join(Project, Project.id == TransitionRecord.project_id)
        .options(joinedload(TransitionRecord.actor))
        .order_by(TransitionRecord.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(TransitionRecord))
    page = int_arg("page", 1)
    rows = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("web/audit_history.html", rows=rows, **paging(total, page, PER_PAGE))
