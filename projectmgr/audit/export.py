"""The auditor's Excel export of the security log (text cells stay text)."""

import json

from flask_babel import gettext as _

from ..extensions import db
from ..services.excel.workbook import new_book, save
from .queries import AuditFilter, events_query

MAX_ROWS = 100_000


def _text(value) -> str:
    """Every cell as text; a leading = + - @ is quoted so a spreadsheet never runs it."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if ch in "\t\n" or ord(ch) >= 32)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def events_workbook(flt: AuditFilter):
    wb = new_book()
    ws = wb.create_sheet(_("Security log"))
    ws.append([_("Time (UTC)"), _("User"), _("Address"), _("Event"), _("Target"), _("Outcome"), _("Details"), "sha256"])
    for event in db.session.scalars(events_query(flt).limit(MAX_ROWS)):
        ws.append(
            [
                event.at.isoformat(sep=" ", timespec="seconds"),
                _text(event.actor_name),
                _text(event.address),
                _text(event.event),
                _text(event.target),
                _text(event.outcome),
                _text(json.dumps(event.details, ensure_ascii=False, sort_keys=True)),
                event.row_hash or "",
            ]
        )
    return save(wb)
