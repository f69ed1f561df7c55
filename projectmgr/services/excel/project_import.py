"""The project import. Every row goes through the API's own validation (the pydantic ProjectIn
model) and services.projects.register_project, inside one savepoint: every error is reported with
its sheet, row and column, and nothing is written unless every row is valid."""

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from pydantic import ValidationError as PydanticError

from ...errors import Conflict, DomainError, GuardFailed, ValidationFailed
from ...extensions import db
from ...i18n import pydantic_message
from ...models import User
from ...permissions import can_import_projects, require
from ...rules.settings import RuleSettings
from ..projects import BudgetInput, IndicatorInput, ProjectInput, register_project
from .columns import BUDGET_COLUMNS, CATEGORY_WORDS, FLAG_WORDS, INDICATOR_COLUMNS, PROJECT_COLUMNS, SHEETS
from .workbook import Cell, ImportRefused, SheetRow, current_lang, find_sheet, read_sheet, uploaded_workbook

# The service's budget totals name what they are checked against; the sheet holds that on the project row.
TOTAL_CELLS = {("budget", "special"): "special_funds", ("budget", "self_raised"): "self_raised_committed"}


@dataclass
class Pending:
    row: SheetRow
    budget: list[SheetRow] = field(default_factory=list)
    indicators: list[SheetRow] = field(default_factory=list)


def _json_value(value, kind: str):
    """A cell as the JSON the API would receive (so the same validation applies)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return str(value).strip()
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, (int, float)):
            return value
        # A date, time or anything else Excel made of the cell: the text, so validation reports it.
        return str(value).strip()
    if kind in ("money", "decimal"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return repr(value) if isinstance(value, float) else str(value)
        return str(value).strip()
    if kind == "flags":
        parts = [p.strip() for p in str(value).replace("，", ",").replace("、", ",").split(",") if p.strip()]
        return [FLAG_WORDS.get(p, p) for p in parts]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value).strip() if not isinstance(value, (int, float)) else str(value)
    return CATEGORY_WORDS.get(text, text) if kind == "category" else text


def _payload(row: SheetRow, columns) -> dict:
    kinds = {c[0]: c[3] for c in columns}
    out = {}
    for key, raw in row.values.items():
        value = _json_value(raw, kinds[key])
        if value is not None:
            out[key] = value
    return out


def _locate(p: Pending, loc: tuple) -> Cell:
    """The cell a validation error's location (pydantic loc or a service field path) points to."""
    if loc and loc[0] in ("budget", "indicators") and len(loc) >= 2 and isinstance(loc[1], int):
        rows = p.budget if loc[0] == "budget" else p.indicators
        if loc[1] < len(rows):
            return rows[loc[1]].cell(loc[2] if len(loc) > 2 else None)
    if loc[:2] in TOTAL_CELLS:
        return p.row.cell(TOTAL_CELLS[loc[:2]])
    if loc and loc[0] == "budget":
        return p.row.cell("special_funds")
    if loc and loc[0] == "indicators":
        return p.row.cell("code")
    return p.row.cell(loc[0] if loc and loc[0] in p.row.positions else "code")


def _import_message(error: dict, loc: tuple) -> str:
    """A validation error as the person filling in the sheet reads it: a budget category names the
    Chinese words the sheet accepts, as well as the keys."""
    if loc and loc[-1] == "category" and error.get("type") == "enum":
        if current_lang() == "zh":
            return _("Not a budget category: use one of %(words)s.", words="、".join(CATEGORY_WORDS))
        return _("Not a budget category: use one of %(words)s.", words=", ".join(CATEGORY_WORDS.values()))
    return pydantic_message(error)


def _service_loc(field_path: str) -> tuple:
    m = re.match(r"^(budget|indicators)\[(\d+)\]\.(\w+)$", field_path or "")
    if m:
        return (m.group(1), int(m.group(2)), m.group(3))
    return tuple(field_path.split(".")) if field_path else ("",)


def place_service_error(p: Pending, detail: dict) -> dict:
    """A service's error {field, message} at the cell its field path names (never by its words)."""
    return _locate(p, _service_loc(detail.get("field", ""))).error(detail["message"])


@dataclass
class ImportResult:
    created: list[str]


def import_projects(user: User, stream, settings: RuleSettings, as_of: date) -> ImportResult:
    """Import the workbook's projects, all or nothing (see the module's docstring)."""
    from ...schemas import ProjectIn

    require(can_import_projects(user), _("Only bureau staff import projects."))
    errors: list[dict] = []
    sheets = {}
    with uploaded_workbook(stream) as wb:
        for key, columns in (
            ("projects", PROJECT_COLUMNS),
            ("budget", BUDGET_COLUMNS),
            ("indicators", INDICATOR_COLUMNS),
        ):
            ws = find_sheet(wb, key)
            if ws is None:
                errors.append(
                    Cell(SHEETS[key][0], 0, None, None).error(
                        _("Missing sheet '%(zh)s' / '%(en)s'.", zh=SHEETS[key][0], en=SHEETS[key][1])
                    )
                )
                sheets[key] = []
            else:
                sheets[key] = read_sheet(ws, columns, ws.title, errors)
    if errors:
        raise ImportRefused(errors)

    pending: dict[str, Pending] = {}
    order: list[Pending] = []
    for row in sheets["projects"]:
        code = _json_value(row.values.get("code"), "text")
        p = Pending(row)
        order.append(p)
        if code is None:
            continue  # reported by the validation below
        if code in pending:
            errors.append(row.cell("code").error(_("Code %(code)s appears twice in the file.", code=code)))
        else:
            pending[code] = p
    for key in ("budget", "indicators"):
        for row in sheets[key]:
            code = _json_value(row.values.get("code"), "text")
            if code not in pending:
                errors.append(row.cell("code").error(_("No project with this code on the projects sheet.")))
            else:
                getattr(pending[code], key).append(row)

    # 1. Each row as the API validates it.
    inputs: list[tuple[Pending, ProjectInput]] = []
    for p in order:
        body = _payload(p.row, PROJECT_COLUMNS)
        body["budget"] = [_payload(r, BUDGET_COLUMNS) | {} for r in p.budget]
        for line in body["budget"]:
            line.pop("code", None)
        body["indicators"] = [_payload(r, INDICATOR_COLUMNS) for r in p.indicators]
        for ind in body["indicators"]:
            ind.pop("code", None)
        try:
            data = ProjectIn.model_validate_json(json.dumps(body))
        except PydanticError as exc:
            for e in exc.errors(include_url=False):
                loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x.startswith("function-")))
                errors.append(_locate(p, loc).error(_import_message(e, loc)))
            continue
        inputs.append(
            (
                p,
                ProjectInput(
                    **data.model_dump(exclude={"budget", "indicators"}),
                    budget=[BudgetInput(**b.model_dump()) for b in data.budget],
                    indicators=[IndicatorInput(**i.model_dump()) for i in data.indicators],
                ),
            )
        )

    # 2. Register every valid row as the API does, inside one savepoint; undo it all on any error.
    created: list[str] = []
    outer = db.session.begin_nested()
    for p, data in inputs:
        row_savepoint = db.session.begin_nested()
        try:
            register_project(user, data, settings, as_of)
            created.append(data.code)
        except ValidationFailed as exc:
            row_savepoint.rollback()
            for d in exc.details:
                errors.append(place_service_error(p, d))
        except Conflict as exc:
            row_savepoint.rollback()
            errors.append(p.row.cell("code").error(exc.message))
        except GuardFailed as exc:
            row_savepoint.rollback()
            for d in exc.details or [{"message": exc.message}]:
                errors.append(p.row.cell("owner_id").error(f"{exc.message} {d['message']}"))
        except DomainError as exc:
            row_savepoint.rollback()
            errors.append(p.row.cell("code").error(exc.message))
        else:
            row_savepoint.commit()
    if errors:
        outer.rollback()
        errors.sort(key=lambda e: (e["sheet"], e["row"], e["column"] or ""))
        raise ImportRefused(errors)
    outer.commit()
    db.session.flush()
    return ImportResult(created)
