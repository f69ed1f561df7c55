"""The preview: every row of the chosen sheet read through the mapping, each problem named at its
cell (sheet, row, column letter, header, value, what is wrong), and what a commit would create.
It reads the database and writes nothing."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl.utils import column_index_from_string
from sqlalchemy import select

from ...extensions import db
from ...labels import label
from ...models import Organization, Plan, Project, Role, State, User
from ...rules.credit_code import is_valid_credit_code, normalize_credit_code
from . import budget, values
from .fields import FIELDS, KINDS, unit_of
from .reading import Header, Sheet, data_rows, find_header

REQUIRED = ("code", "title", "organization", "owner")
LIMITS = {"code": 64, "title": 300, "organization": 200, "owner": 120, "industry": 100, "phone": 40}
TOTAL_WORDS = ("合计", "总计", "小计", "total")


@dataclass
class Mapping:
    sheet: str
    columns: dict[str, str | None]  # letter -> field (None: left out)
    header_row: int | None = None
    amount_unit: str | None = None  # yuan | wan; None: read from each header, else yuan
    defaults: dict = field(default_factory=dict)  # plan_id, responsible_staff_id

    def as_json(self) -> dict:
        return {
            "sheet": self.sheet,
            "columns": self.columns,
            "header_row": self.header_row,
            "amount_unit": self.amount_unit,
            "defaults": self.defaults,
        }


@dataclass
class Row:
    """One sheet row, read: `data` holds typed values (Decimal, date, State, Plan, ...)."""

    row: int
    data: dict
    shown: dict  # the same as JSON for the preview
    state: State | None = None
    ok: bool = True
    existing: bool = False
    org_key: tuple | None = None
    owner_key: tuple | None = None


@dataclass
class Preview:
    sheet: str
    header: Header | None
    rows: list[Row]
    errors: list[dict]
    new_organizations: dict  # org key -> {"name", "credit_code"}
    organizations: dict  # org key -> Organization (existing)
    new_owners: dict  # owner key -> {"name", "organization", "phone"}
    owners: dict  # owner key -> User (existing)
    existing_codes: set

    def would_create(self) -> dict:
        return {
            "projects": sum(1 for r in self.rows if not r.existing),
            "organizations": [
                {"name": o["name"], "credit_code": o["credit_code"]} for o in self.new_organizations.values()
            ],
            "owners": [{"name": o["name"], "organization": o["organization"]} for o in self.new_owners.values()],
        }

    def as_json(self) -> dict:
        return {
            "sheet": self.sheet,
            "header_row": self.header.row if self.header else None,
            "rows": [{"row": r.row, "values": r.shown, "state": r.state.value if r.state else None} for r in self.rows],
            "errors": self.errors,
            "would_create": self.would_create(),
            "skipped_existing": sum(1 for r in self.rows if r.existing),
        }


def _error(sheet: str, row: int, letter: str | None, header: str | None, value, message: str) -> dict:
    shown = None if value is None else (value.isoformat() if isinstance(value, date) else str(value))
    return {"sheet": sheet, "row": row, "column": letter, "header": header, "value": shown, "message": message}


def _json(value):
    if isinstance(value, Decimal):
        return format(value, ".2f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, State):
        return value.value
    if isinstance(value, Plan):
        return value.name
    return value


class _Reader:
    """Reads the rows of one sheet through one mapping; collects the errors."""

    def __init__(self, sheet: Sheet, header: Header, mapping: Mapping, as_of: date):
        self.sheet, self.header, self.mapping, self.as_of = sheet, header, mapping, as_of
        self.errors: list[dict] = []
        self.headers = dict(header.columns)
        self.by_field: dict[str, tuple[int, str]] = {}  # field -> (index, letter)
        self.units: dict[str, str] = {}
        self._check_mapping()

    def _check_mapping(self) -> None:
        for letter, fld in self.mapping.columns.items():
            if fld is None:
                continue
            header = self.headers.get(letter)
            if fld not in FIELDS:
                self.errors.append(self._at_header(letter, fld, _("Not a field: %(field)s.", field=fld)))
                continue
            try:
                index = column_index_from_string(letter) - 1
            except ValueError:
                self.errors.append(self._at_header(letter, letter, _("Not a column letter.")))
                continue
            if fld in self.by_field:
                first = self.by_field[fld][1]
                self.errors.append(
                    self._at_header(letter, header, _("Column %(first)s is mapped to this field already.", first=first))
                )
                continue
            self.by_field[fld] = (index, letter)
            if KINDS[fld] == "money":
                self.units[fld] = self.mapping.amount_unit or unit_of(header or "") or "yuan"
        if budget.by_category(self.by_field, "spent") and not budget.by_category(self.by_field, "budget"):
            letter = next(lt for f, (_i, lt) in self.by_field.items() if ":" in f)
            self.errors.append(
                self._at_header(
                    letter,
                    self.headers.get(letter),
                    _("Spending by category needs the budget by category: map it too."),
                )
            )
        has_dates = "period" in self.by_field or {"start_date", "end_date"} <= set(self.by_field)
        for fld in REQUIRED:
            if fld not in self.by_field:
                self.errors.append(
                    self._at_header(None, None, _("No column is mapped to %(field)s.", field=FIELDS[fld][0]))
                )
        if not has_dates:
            self.errors.append(
                self._at_header(None, None, _("Map a period column, or both a start date and an end date column."))
            )

    def _at_header(self, letter, value, message) -> dict:
        return _error(
            self.sheet.name, self.header.row, letter, self.headers.get(letter) if letter else None, value, message
        )

    def cell(self, values: tuple, fld: str):
        index = self.by_field[fld][0]
        return values[index] if index < len(values) else None

    def fail(self, row: Row, fld: str, raw, message: str) -> None:
        letter = self.by_field[fld][1] if fld in self.by_field else None
        self.errors.append(_error(self.sheet.name, row.row, letter, self.headers.get(letter), raw, message))
        row.ok = False

    def read(self, n: int, cells: tuple) -> Row | None:
        if _is_total(cells):
            return None  # a 合计 row under the table
        row = Row(n, {}, {})
        for fld in self.by_field:
            raw = self.cell(cells, fld)
            kind = KINDS[fld]
            try:
                if kind == "money":
                    value = values.amount(raw, self.units[fld])
                elif kind == "start":
                    value = values.day(raw)
                elif kind == "end":
                    value = values.day(raw, end=True)
                elif kind == "period":
                    value = values.period(raw)
                elif kind == "state":
                    value = values.state(raw)
                elif kind == "level":
                    value = values.level(raw)
                else:
                    value = values.text(raw)
                    if fld == "credit_code" and value is not None:
                        value = normalize_credit_code(value)
                        if not is_valid_credit_code(value):
                            raise values.BadValue(
                                _("Not a valid unified social credit code (GB 32100-2015 check digit).")
                            )
                    if value is not None and fld in LIMITS and len(value) > LIMITS[fld]:
                        raise values.BadValue(_("At most %(max)s characters.", max=LIMITS[fld]))
            except values.BadValue as exc:
                self.fail(row, fld, raw, str(exc))
                continue
            if value is not None:
                row.data[fld] = value
        self._complete(row, cells)
        row.shown = {k: _json(v) for k, v in row.data.items() if k in FIELDS and k != "period"}
        return row

    def _complete(self, row: Row, cells: tuple) -> None:
        d = row.data
        if "period" in d:
            start, end = d.pop("period")
            d.setdefault("start_date", start)
            d.setdefault("end_date", end)
        for fld in REQUIRED:
            if fld in self.by_field and fld not in d and not self._failed(row, self.by_field[fld][1]):
                self.fail(row, fld, None, _("Required."))
        date_field = "period" if "period" in self.by_field else "end_date"
        if date_field in self.by_field or "start_date" in self.by_field:
            if "start_date" not in d or "end_date" not in d:
                if not any(self._failed(row, letter) for letter in self._date_letters()):
                    self.fail(row, date_field if date_field in self.by_field else "start_date", None, _("Required."))
            elif d["start_date"] > d["end_date"]:
                raw = self.cell(cells, date_field)
                self.fail(row, date_field, raw, _("The start date is after the end date."))
        for fld in ("special_funds", "self_raised_committed"):
            if fld not in d and not (fld in self.by_field and self._failed(row, self.by_field[fld][1])):
                d[fld] = Decimal("0.00")  # an empty cell, or no such column: nothing granted
        if row.ok:
            budget.split(d, self.by_field, lambda fld, message: self.fail(row, fld, self.cell(cells, fld), message))
        if "special_funds" in d and d.get("special_disbursed", 0) > d["special_funds"]:
            raw = self.cell(cells, "special_disbursed")
            self.fail(row, "special_disbursed", raw, _("More disbursed than the special funds granted."))
        if row.ok:
            row.state = d.get("state") or (State.in_progress if d["start_date"] <= self.as_of else State.approved)

    def _failed(self, row: Row, letter: str) -> bool:
        return any(e["row"] == row.row and e["column"] == letter for e in self.errors)

    def _date_letters(self) -> set:
        return {self.by_field[f][1] for f in ("period", "start_date", "end_date") if f in self.by_field}


def _is_total(cells: tuple) -> bool:
    first = next((str(c).strip() for c in cells if c is not None and str(c).strip()), "")
    return first.replace(" ", "").lower() in TOTAL_WORDS


def preview(sheets: list[Sheet], mapping: Mapping, as_of: date) -> Preview:
    """Read the mapped sheet and resolve its organizations, owners and plans (see the module)."""
    sheet = next((s for s in sheets if s.name == mapping.sheet), None)
    if sheet is None:
        err = _error(mapping.sheet, 0, None, None, mapping.sheet, _("No such sheet in the file."))
        return Preview(mapping.sheet, None, [], [err], {}, {}, {}, {}, set())
    header = find_header(sheet, mapping.header_row)
    if header is None:
        err = _error(sheet.name, mapping.header_row or 0, None, None, None, _("No header row found on this sheet."))
        return Preview(sheet.name, None, [], [err], {}, {}, {}, {}, set())
    reader = _Reader(sheet, header, mapping, as_of)
    rows: list[Row] = []
    mapped = not reader.errors  # the mapping itself is sound: read the rows
    if mapped:
        for n, cells in data_rows(sheet, header):
            row = reader.read(n, cells)
            if row is not None:
                rows.append(row)
    result = Preview(sheet.name, header, rows, reader.errors, {}, {}, {}, {}, set())
    if mapped:
        _duplicates(reader, rows)
        _resolve(reader, result, mapping)
    result.errors.sort(key=lambda e: (e["row"], e["column"] or ""))
    return result


def _duplicates(reader: _Reader, rows: list[Row]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        code = row.data.get("code")
        if code is None:
            continue
        if code in first:
            reader.fail(
                row,
                "code",
                code,
                _("Code %(code)s appears twice in the file (row %(row)s).", code=code, row=first[code]),
            )
        else:
            first[code] = row.row


def _resolve(reader: _Reader, result: Preview, mapping: Mapping) -> None:
    """Existing codes, then each row's plan, organization and owner (matched or to be created)."""
    codes = [r.data["code"] for r in result.rows if "code" in r.data]
    existing = set()
    for chunk in range(0, len(codes), 500):
        existing |= set(db.session.scalars(select(Project.code).where(Project.code.in_(codes[chunk : chunk + 500]))))
    result.existing_codes = existing
    plans = list(db.session.scalars(select(Plan).order_by(Plan.year.desc(), Plan.id)))
    default_plan = next((p for p in plans if p.id == (mapping.defaults or {}).get("plan_id")), None)
    if (mapping.defaults or {}).get("plan_id") and default_plan is None:
        result.errors.append(
            _error(reader.sheet.name, reader.header.row, None, None, mapping.defaults["plan_id"], _("No such plan."))
        )
        return
    staff_id = (mapping.defaults or {}).get("responsible_staff_id")
    if staff_id is not None:
        staff = db.session.get(User, staff_id)
        if staff is None or not staff.is_staff:
            result.errors.append(
                _error(reader.sheet.name, reader.header.row, None, None, staff_id, _("No such bureau staff member."))
            )
            return
    orgs = db.session.execute(select(Organization.id, Organization.name, Organization.credit_code)).all()
    by_code = {o.credit_code: o.id for o in orgs if o.credit_code}
    by_name: dict[str, list[int]] = {}
    for o in orgs:
        by_name.setdefault(o.name, []).append(o.id)
    owners = db.session.execute(
        select(User.id, User.display_name, User.organization_id).where(User.role == Role.owner)
    ).all()
    owner_by = {(o.organization_id, o.display_name): o.id for o in owners}
    org_ids: dict[tuple, int] = {}
    # A name written with its code on one row and without on another is one organization.
    coded = {r.data["organization"]: r.data["credit_code"] for r in result.rows if r.ok and r.data.get("credit_code")}
    for row in result.rows:
        if not row.ok:
            continue
        if row.data["code"] in existing:
            row.existing = True
            continue
        _plan(reader, row, plans, default_plan)
        name = row.data["organization"]
        code = row.data.get("credit_code") or coded.get(name)
        key = ("code", code) if code else ("name", name)
        if key not in org_ids and key not in result.new_organizations:
            found = by_code.get(code) if code else None
            if found is None:
                named = by_name.get(name, [])
                if len(named) > 1:
                    reader.fail(
                        row, "organization", name, _("Several organizations have this name: give the credit code.")
                    )
                    continue
                found = named[0] if named else None
            if found is not None:
                org_ids[key] = found
            else:
                result.new_organizations[key] = {"name": name, "credit_code": code}
        elif key in result.new_organizations and result.new_organizations[key]["name"] != name:
            reader.fail(row, "organization", name, _("This credit code is given for another name on an earlier row."))
            continue
        row.org_key = key
        owner = row.data["owner"]
        org_id = org_ids.get(key)
        okey = (key, owner)
        row.owner_key = okey
        if org_id is not None and (org_id, owner) in owner_by:
            result.owners[okey] = owner_by[(org_id, owner)]
        elif okey not in result.new_owners:
            result.new_owners[okey] = {"name": owner, "organization": name, "phone": row.data.get("phone")}
    result.organizations = org_ids


def _plan(reader: _Reader, row: Row, plans: list[Plan], default: Plan | None) -> None:
    """The row's plan: its plan cell's exact name; else the level its plan or level cell says
    (the default plan if of that level, else the only plan of it); else the default plan."""
    words, stated = row.data.get("plan"), row.data.get("level")
    plan = next((p for p in plans if words and p.name == words), None)
    level = stated or values.level_in(words)
    if plan is None and level is not None:
        if default is not None and default.level == level:
            plan = default
        else:
            of_level = [p for p in plans if p.level == level]
            same_year = [p for p in of_level if p.year == row.data["start_date"].year]
            pick = same_year if len(same_year) == 1 else of_level
            if len(pick) == 1:
                plan = pick[0]
            else:
                fld = "plan" if words else "level"
                reader.fail(
                    row,
                    fld,
                    words or stated,
                    _("No single plan of this level: choose the default plan or name the plan exactly."),
                )
                return
    if plan is None:
        plan = default
    if plan is None and words:
        reader.fail(row, "plan", words, _("No plan with this name: create the plan or choose a default plan."))
        return
    if plan is None:
        reader.fail(row, "code", row.data["code"], _("No plan: map a plan or level column, or choose a default plan."))
        return
    if stated is not None and plan.level != stated:
        reader.fail(
            row,
            "level",
            stated.value,
            _("The plan %(plan)s is %(level)s.", plan=plan.name, level=label("level", plan.level.value)),
        )
        return
    row.data["plan"] = plan
    row.shown["plan"] = plan.name  # the plan the project will be in, not the sheet's words
