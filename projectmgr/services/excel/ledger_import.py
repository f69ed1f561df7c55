"""The ledger import: the exported target ledger, edited and uploaded again."""

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import LedgerTarget, User
from ...permissions import can_import_ledger, require
from ...rules.settings import RuleSettings
from .. import ledger as ledger_service
from .columns import LEDGER_COLUMNS
from .workbook import ImportRefused, read_sheet, uploaded_workbook


def import_ledger(user: User | None, stream, as_of: date, settings: RuleSettings) -> dict:
    """Apply an edited ledger export: rows with an ID update that target, rows without one add a
    target; a changed achieved value of a hand-kept target is recorded as a progress entry.
    All or nothing, with every error's sheet, row and column."""
    require(can_import_ledger(user), _("Only bureau staff keep the target ledger."))
    errors: list[dict] = []
    with uploaded_workbook(stream) as wb:
        ws = wb.worksheets[0]
        rows = read_sheet(
            ws,
            [
                (
                    *c[:3],
                    "optional"
                    if c[0] in ("id", "parent_id", "value", "note", "metric", "responsible", "cumulative")
                    else c[3],
                )
                for c in LEDGER_COLUMNS
            ],
            ws.title,
            errors,
        )
    if errors:
        raise ImportRefused(errors)
    kinds = {c[0]: c[3] for c in LEDGER_COLUMNS}
    usernames = dict(db.session.execute(select(User.username, User.id)).all())
    current: dict[int, ledger_service.TargetView] = {}
    years = set()
    plans = []
    for row in rows:
        v = row.values
        parsed = {}
        for key, kind in kinds.items():
            raw = v.get(key)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                parsed[key] = None
                continue
            try:
                if kind == "int":
                    if isinstance(raw, bool) or not float(raw).is_integer():
                        raise ValueError
                    parsed[key] = int(float(raw))
                elif kind == "decimal":
                    parsed[key] = Decimal(str(raw).strip())
                    if not parsed[key].is_finite():
                        raise InvalidOperation
                elif kind == "bool":
                    parsed[key] = str(raw).strip().lower() in ("1", "true", "yes", "y", "是")
                else:
                    parsed[key] = str(raw).strip()
            except (ValueError, InvalidOperation, TypeError):
                errors.append(row.cell(key).error(_("Not a whole number.") if kind == "int" else _("Not a number.")))
        if parsed.get("title"):
            parsed["title"] = parsed["title"].lstrip("　 ")
        if parsed.get("year") is not None:
            years.add(parsed["year"])
        plans.append((row, parsed))
    for y in years:
        for view in ledger_service.flatten(ledger_service.ledger(y, as_of, settings)):
            current[view.target.id] = view
    actions = []
    for row, parsed in plans:
        if any(e["row"] == row.row for e in errors):
            continue
        target = None
        if parsed.get("id") is not None:
            target = db.session.get(LedgerTarget, parsed["id"])
            if target is None:
                errors.append(row.cell("id").error(_("No target %(id)s.", id=parsed["id"])))
                continue
        responsible_id = None
        if parsed.get("responsible"):
            responsible_id = usernames.get(parsed["responsible"])
            if responsible_id is None:
                errors.append(row.cell("responsible").error(_("No user %(username)s.", username=parsed["responsible"])))
                continue
        data = ledger_service.TargetInput(
            year=parsed.get("year") or 0,
            title=parsed.get("title") or "",
            unit=parsed.get("unit") or "",
            target_value=parsed.get("target_value"),
            parent_id=parsed.get("parent_id"),
            responsible_id=responsible_id,
            metric=parsed.get("metric"),
            cumulative=True if parsed.get("cumulative") is None else parsed["cumulative"],
            note=parsed.get("note"),
        )
        field_of = {"year": "year", "title": "title", "unit": "unit", "target_value": "target_value"}
        field_of |= {"metric": "metric", "responsible_id": "responsible", "parent_id": "parent_id"}
        problems = ledger_service.target_errors(data, target)
        value = parsed.get("value")
        if value is not None and value < 0:
            problems.append({"field": "value", "message": _("Must be 0 or more.")})
        for d in problems:
            errors.append(row.cell(field_of.get(d["field"], d["field"])).error(d["message"]))
        if not problems:
            actions.append((row, target, data, value))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e["row"], e["column"] or "")))
    updated = created = entries = 0
    with db.session.begin_nested():
        for _row, target, data, value in actions:
            before = current.get(target.id) if target is not None else None
            if target is None:
                target = ledger_service.create_target(user, data)
                created += 1
            elif _target_differs(target, data):
                ledger_service.update_target(user, target, data)
                updated += 1
            changed = value is not None and (before is None or before.value is None or before.value != value)
            if changed and target.metric is None:
                ledger_service.add_progress(
                    user, target, value, _("Imported from Excel"), min(as_of, date(data.year, 12, 31))
                )
                entries += 1
    db.session.flush()
    return {"created": created, "updated": updated, "progress_entries": entries}


def _target_differs(target: LedgerTarget, data: ledger_service.TargetInput) -> bool:
    """Whether an imported row changes the target (an unchanged row is not counted as updated)."""
    wanted = (
        data.year,
        data.parent_id,
        data.title.strip(),
        data.unit.strip(),
        data.target_value,
        data.cumulative,
        data.metric,
        data.responsible_id,
        data.note,
    )
    held = (
        target.year,
        target.parent_id,
        target.title,
        target.unit,
        target.target_value,
        target.cumulative,
        target.metric,
        target.responsible_id,
        target.note,
    )
    return wanted != held
