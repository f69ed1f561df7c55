"""Excel in and out (.xlsx, openpyxl). Exports are written row by row (write-only workbooks) to a
temporary file, so 10,000 projects never sit in memory as cells. The project import goes through
the API's own validation (the pydantic ProjectIn model) and services.projects.register_project, row
by row inside one savepoint: every error is reported with its sheet, row and column, and nothing
is written unless every row is valid."""

import json
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from ..errors import Conflict, DomainError, Forbidden, GuardFailed, ValidationFailed
from ..extensions import db
from ..i18n import pydantic_message
from ..models import BudgetLine, Indicator, LedgerTarget, Plan, Project, User
from ..rules.deadlines import days_overdue
from ..rules.settings import RuleSettings
from . import ledger as ledger_service
from .due_items import overdue_query
from .evaluation import evaluations_query
from .projects import BudgetInput, IndicatorInput, ProjectFilters, ProjectInput, project_query, register_project

# (key, 中文, English, kind). kind tells how a cell is read on import.
PROJECT_COLUMNS = [
    ("code", "项目编号", "Code", "text"),
    ("title", "项目名称", "Title", "text"),
    ("plan_id", "计划ID", "Plan ID", "int"),
    ("organization_id", "承担单位ID", "Organization ID", "int"),
    ("owner_id", "项目负责人ID", "Owner ID", "int"),
    ("start_date", "开始日期", "Start date", "date"),
    ("end_date", "结束日期", "End date", "date"),
    ("industry", "产业领域", "Industry", "text"),
    ("responsible_staff_id", "责任人ID", "Responsible officer ID", "int"),
    ("flags", "重点跟踪", "Key tracking", "flags"),
    ("special_funds", "专项资金（元）", "Special funds (yuan)", "money"),
    ("self_raised_committed", "自筹资金承诺（元）", "Self-raised committed (yuan)", "money"),
]
# Read-only columns after the importable ones in a project export.
PROJECT_EXTRA = [
    ("level", "级别", "Level"),
    ("plan", "科技计划", "Plan"),
    ("organization", "承担单位", "Organization"),
    ("state", "状态", "State"),
]
BUDGET_COLUMNS = [
    ("code", "项目编号", "Project code", "text"),
    ("category", "预算科目", "Category", "text"),
    ("special", "专项资金（元）", "Special (yuan)", "money"),
    ("self_raised", "自筹资金（元）", "Self-raised (yuan)", "money"),
]
INDICATOR_COLUMNS = [
    ("code", "项目编号", "Project code", "text"),
    ("key", "指标代码", "Indicator key", "text"),
    ("name", "指标名称", "Indicator name", "text"),
    ("unit", "单位", "Unit", "text"),
    ("target", "目标值", "Target", "decimal"),
    ("weight", "权重", "Weight", "decimal"),
]
SHEETS = {"projects": ("项目", "Projects"), "budget": ("经费预算", "Budget"), "indicators": ("绩效指标", "Indicators")}
FLAG_WORDS = {"重大项目": "major", "实施中存在问题": "problematic", "季节性强": "seasonal"}
CATEGORY_WORDS = {
    "设备费": "equipment",
    "材料费": "materials",
    "测试化验加工费": "testing",
    "燃料动力费": "fuel_power",
    "差旅/会议/国际合作交流费": "travel_meeting",
    "出版/文献/信息传播/知识产权事务费": "publication_ip",
    "劳务费": "labor",
    "专家咨询费": "expert_consulting",
    "其他支出": "other",
    "间接费用": "indirect",
}
STATE_ZH = {
    "approved": "已立项",
    "in_progress": "实施中",
    "mid_year_survey": "半年调研中",
    "survey_submitted": "调研报告已提交",
    "acceptance_applied": "已申请验收",
    "under_review": "专家评审中",
    "rectifying": "整改中",
    "accepted": "通过验收",
    "closed_out": "结题",
    "failed": "不通过验收",
    "evaluated": "已考评",
    "terminated": "已终止",
}
LEVEL_ZH = {"national": "国家级", "provincial": "省级", "municipal": "市级"}
GRADE_ZH = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
STATUS_ZH = {"on_track": "正常", "at_risk": "有风险", "behind": "滞后"}
DUE_ZH = {
    "survey_report": "调研报告",
    "acceptance_application": "验收申请",
    "rectification": "整改",
    "expert_scores": "专家评分",
    "annual_evaluation": "年终考评",
}


def current_lang() -> str:
    """zh or en: the page's language when there is a request, else Chinese (the bureau's)."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
        return "en" if locale is not None and locale.language == "en" else "zh"
    except (RuntimeError, AttributeError):
        return "zh"


def _h(col, lang: str) -> str:
    return col[1] if lang == "zh" else col[2]


def _word(value: str, zh: dict, lang: str) -> str:
    return zh.get(value, value) if lang == "zh" else value


def _temp_book() -> Workbook:
    return Workbook(write_only=True)


def _save(wb: Workbook):
    """Save to a temporary file (deleted on close) and return it rewound, for send_file."""
    out = tempfile.TemporaryFile(suffix=".xlsx")
    wb.save(out)
    out.seek(0)
    return out


def _money(value: Decimal | None):
    return None if value is None else float(value) if value == value.quantize(Decimal("0.01")) else str(value)


def _dec(value: Decimal | None):
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


# --- exports -----------------------------------------------------------------------------------


def _write_project_sheets(wb: Workbook, ids_query, lang: str, extra: bool = True) -> int:
    """The Projects, Budget and Indicators sheets for the projects of ids_query (a select of ids)."""
    ws = wb.create_sheet(SHEETS["projects"][0 if lang == "zh" else 1])
    headers = [_h(c, lang) for c in PROJECT_COLUMNS] + ([_h(c, lang) for c in PROJECT_EXTRA] if extra else [])
    ws.append(headers)
    count = 0
    if ids_query is not None:
        from ..models import Organization

        rows = db.session.execute(
            select(Project, Plan.level, Plan.name, Organization.name)
            .join(Plan, Plan.id == Project.plan_id)
            .join(Organization, Organization.id == Project.organization_id)
            .where(Project.id.in_(ids_query))
            .order_by(Project.key_tracking.desc(), Project.id.desc())
            .execution_options(yield_per=1000)
        )
        for p, level, plan_name, org_name in rows:
            count += 1
            row = [
                p.code,
                p.title,
                p.plan_id,
                p.organization_id,
                p.owner_id,
                p.start_date,
                p.end_date,
                p.industry,
                p.responsible_staff_id,
                ",".join(p.flags) or None,
                _money(p.special_funds),
                _money(p.self_raised_committed),
            ]
            if extra:
                row += [_word(level.value, LEVEL_ZH, lang), plan_name, org_name, _word(p.state.value, STATE_ZH, lang)]
            ws.append(row)
            db.session.expunge(p)
    ws = wb.create_sheet(SHEETS["budget"][0 if lang == "zh" else 1])
    ws.append([_h(c, lang) for c in BUDGET_COLUMNS])
    if ids_query is not None:
        lines = db.session.execute(
            select(Project.code, BudgetLine.category, BudgetLine.special, BudgetLine.self_raised)
            .join(Project, Project.id == BudgetLine.project_id)
            .where(Project.id.in_(ids_query))
            .order_by(Project.id.desc(), BudgetLine.id)
            .execution_options(yield_per=2000)
        )
        for code, category, special, self_raised in lines:
            ws.append([code, category.value, _money(special), _money(self_raised)])
    ws = wb.create_sheet(SHEETS["indicators"][0 if lang == "zh" else 1])
    ws.append([_h(c, lang) for c in INDICATOR_COLUMNS])
    if ids_query is not None:
        inds = db.session.execute(
            select(Project.code, Indicator.key, Indicator.name, Indicator.unit, Indicator.target, Indicator.weight)
            .join(Project, Project.id == Indicator.project_id)
            .where(Project.id.in_(ids_query))
            .order_by(Project.id.desc(), Indicator.id)
            .execution_options(yield_per=2000)
        )
        for code, key, name, unit, target, weight in inds:
            ws.append([code, key, name, unit, _dec(target), _dec(weight)])
    return count


def export_projects(user: User, filters: ProjectFilters, lang: str):
    """The project list with its filters, with budget lines and indicators: re-importable."""
    if not user.can_read_all:
        raise Forbidden(_("Exports are for bureau staff and leaders."))
    ids = project_query(user, filters).with_only_columns(Project.id).order_by(None)
    wb = _temp_book()
    _write_project_sheets(wb, ids, lang)
    return _save(wb)


def template(lang: str):
    """The empty import template: the three sheets the import reads, then a sheet of instructions
    and of the ids to fill in (plans, organizations, owners, staff) and the words it accepts for
    budget categories and flags. The import reads its three sheets by name and ignores the rest."""
    wb = _temp_book()
    _write_project_sheets(wb, None, lang, extra=False)
    _write_reference_sheet(wb, lang)
    return _save(wb)


REFERENCE_SHEET = ("填写说明", "How to fill in")


def _write_reference_sheet(wb: Workbook, lang: str) -> None:
    from ..models import Organization, Role

    zh = lang == "zh"
    ws = wb.create_sheet(REFERENCE_SHEET[0 if zh else 1])

    def section(title: str, header: list[str], rows) -> None:
        ws.append([])
        ws.append([title])
        ws.append(header)
        for row in rows:
            ws.append(list(row))

    for line in (
        [
            "每个项目在“项目”表占一行；其经费预算和绩效指标按项目编号写在“经费预算”“绩效指标”表（每个项目至少一行预算、一项指标）。",
            "日期写作 2026-01-31；金额以元为单位，最多两位小数；重点跟踪可填 重大项目、实施中存在问题、季节性强（多个用逗号分隔）。",
            "任何一行有错时整个文件都不导入，错误会列出工作表、行和列。本表不会被导入。",
        ]
        if zh
        else [
            "One row per project on 'Projects'; its budget lines and indicators go on 'Budget' and 'Indicators' "
            "under its code (at least one budget line and one indicator per project).",
            "Dates as 2026-01-31; money in yuan with at most two decimals; key tracking may name major, "
            "problematic, seasonal (comma-separated).",
            "If any row is wrong nothing is imported, and every error is listed with sheet, row and column. "
            "This sheet is not imported.",
        ]
    ):
        ws.append([line])
    section(
        "科技计划" if zh else "Plans",
        ["计划ID", "计划名称", "级别", "年度"] if zh else ["Plan ID", "Name", "Level", "Year"],
        (
            (p.id, p.name, _word(p.level.value, LEVEL_ZH, lang), p.year)
            for p in db.session.scalars(select(Plan).order_by(Plan.year.desc(), Plan.id))
        ),
    )
    section(
        "承担单位" if zh else "Organizations",
        ["承担单位ID", "名称", "统一社会信用代码"] if zh else ["Organization ID", "Name", "Credit code"],
        db.session.execute(
            select(Organization.id, Organization.name, Organization.credit_code).order_by(Organization.id)
        ),
    )
    section(
        "项目负责人" if zh else "Project owners",
        ["项目负责人ID", "姓名", "用户名", "承担单位ID"] if zh else ["Owner ID", "Name", "Username", "Organization ID"],
        db.session.execute(
            select(User.id, User.display_name, User.username, User.organization_id)
            .where(User.role == Role.owner, User.active.is_(True))
            .order_by(User.organization_id, User.id)
        ),
    )
    section(
        "责任人（科技局工作人员）" if zh else "Responsible officers (bureau staff)",
        ["责任人ID", "姓名", "用户名"] if zh else ["Staff ID", "Name", "Username"],
        db.session.execute(
            select(User.id, User.display_name, User.username)
            .where(User.role == Role.staff, User.active.is_(True))
            .order_by(User.id)
        ),
    )
    section(
        "预算科目（填中文名称或代码）" if zh else "Budget categories (the Chinese name or the key)",
        ["名称", "代码"] if zh else ["Name", "Key"],
        CATEGORY_WORDS.items(),
    )


def export_overdue(user: User, as_of: date, lang: str, **filters):
    if not user.can_read_all:
        raise Forbidden(_("Exports are for bureau staff and leaders."))
    cols = [
        ("code", "项目编号", "Code"),
        ("title", "项目名称", "Title"),
        ("level", "级别", "Level"),
        ("kind", "待办事项", "Due item"),
        ("due_date", "到期日", "Due date"),
        ("days", "逾期天数", "Days overdue"),
        ("flags", "重点跟踪", "Key tracking"),
        ("staff", "责任人", "Responsible officer"),
    ]
    wb = _temp_book()
    ws = wb.create_sheet("逾期事项" if lang == "zh" else "Overdue")
    ws.append([_h(c, lang) for c in cols])
    staff_names = dict(db.session.execute(select(User.id, User.display_name)).all())
    for item, project, level in db.session.execute(overdue_query(as_of, **filters).execution_options(yield_per=1000)):
        ws.append(
            [
                project.code,
                project.title,
                _word(level.value, LEVEL_ZH, lang),
                _word(item.kind.value, DUE_ZH, lang),
                item.due_date,
                days_overdue(item.due_date, as_of),
                ",".join(project.flags) or None,
                staff_names.get(project.responsible_staff_id),
            ]
        )
    return _save(wb)


LEDGER_COLUMNS = [
    ("id", "ID", "ID", "int"),
    ("parent_id", "上级目标ID", "Parent ID", "int"),
    ("year", "年度", "Year", "int"),
    ("title", "目标", "Target", "text"),
    ("unit", "单位", "Unit", "text"),
    ("target_value", "目标值", "Target value", "decimal"),
    ("cumulative", "累计型", "Cumulative", "bool"),
    ("metric", "计算指标", "Metric", "text"),
    ("responsible", "责任人（用户名）", "Responsible (username)", "text"),
    ("value", "完成值", "Achieved", "decimal"),
    ("note", "备注", "Note", "text"),
]
LEDGER_READONLY = [
    ("progress", "完成进度", "Progress"),
    ("expected", "时间进度", "Share of year gone"),
    ("status", "状态", "Status"),
]


def export_ledger(year: int, as_of: date, settings: RuleSettings, lang: str):
    views = ledger_service.flatten(ledger_service.ledger(year, as_of, settings))
    wb = _temp_book()
    ws = wb.create_sheet(f"{year}目标台账" if lang == "zh" else f"Ledger {year}")
    ws.append([_h(c, lang) for c in LEDGER_COLUMNS] + [_h(c, lang) for c in LEDGER_READONLY])
    for v in views:
        t = v.target
        ws.append(
            [
                t.id,
                t.parent_id,
                t.year,
                ("　" * v.depth) + t.title,
                t.unit,
                _dec(t.target_value),
                ("是" if t.cumulative else "否") if lang == "zh" else ("yes" if t.cumulative else "no"),
                t.metric,
                t.responsible.username if t.responsible else None,
                _dec(v.value),
                t.note,
                float(round(v.progress, 4)),
                float(round(v.expected, 4)),
                _word(v.status, STATUS_ZH, lang),
            ]
        )
    return _save(wb)


def export_evaluation(year: int, lang: str):
    cols = [
        ("code", "项目编号", "Code"),
        ("title", "项目名称", "Title"),
        ("level", "级别", "Level"),
        ("on_time", "按时履约", "On time"),
        ("survey", "调研通过", "Survey returns"),
        ("indicators", "指标进度", "Indicator progress"),
        ("execution", "资金执行率", "Fund execution"),
        ("score", "得分", "Score"),
        ("proposed", "建议等次", "Proposed grade"),
        ("grade", "考评等次", "Grade"),
        ("reason", "调整理由", "Reason"),
    ]
    wb = _temp_book()
    ws = wb.create_sheet(f"{year}年终考评" if lang == "zh" else f"Evaluation {year}")
    ws.append([_h(c, lang) for c in cols])
    for ev in db.session.scalars(evaluations_query(year)):
        f = ev.factors

        def num(key, f=f):
            return None if f.get(key) is None else float(round(Decimal(f[key]), 4))

        ws.append(
            [
                ev.project.code,
                ev.project.title,
                _word(ev.project.plan.level.value, LEVEL_ZH, lang),
                num("on_time"),
                num("survey"),
                num("indicators"),
                num("execution"),
                None if ev.score is None else float(round(ev.score, 2)),
                _word(ev.proposed_grade.value, GRADE_ZH, lang),
                _word(ev.grade.value, GRADE_ZH, lang) if ev.grade else None,
                ev.reason,
            ]
        )
    return _save(wb)


# --- import ------------------------------------------------------------------------------------


@dataclass
class Cell:
    sheet: str
    row: int
    column: str | None  # the letter
    header: str | None

    def error(self, message: str) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header, "message": message}


@dataclass
class SheetRow:
    sheet: str
    row: int
    values: dict
    positions: dict  # key -> (letter, header)

    def cell(self, key: str | None) -> Cell:
        letter, header = self.positions.get(key, (None, None)) if key else (None, None)
        return Cell(self.sheet, self.row, letter, header)


@dataclass
class Pending:
    row: SheetRow
    budget: list[SheetRow] = field(default_factory=list)
    indicators: list[SheetRow] = field(default_factory=list)


class ImportRefused(ValidationFailed):
    """Every error of a refused import: details = [{sheet, row, column, header, message}]."""

    def __init__(self, details: list[dict]):
        super().__init__(
            details,
            ngettext(
                "Nothing was imported: %(num)s error in the file.",
                "Nothing was imported: %(num)s errors in the file.",
                len(details),
            ),
        )


def _find_sheet(wb, key: str):
    names = {n.strip(): n for n in wb.sheetnames}
    for candidate in (*SHEETS[key], key):
        if candidate in names:
            return wb[names[candidate]]
    return None


def _read_sheet(ws, columns, sheet_label: str, errors: list) -> list[SheetRow]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    lookup = {}
    for col in columns:
        for word in (col[0], col[1], col[2]):
            lookup[word.strip().lower()] = col[0]
    positions = {}
    for i, h in enumerate(header):
        if h is not None and str(h).strip().lower() in lookup:
            key = lookup[str(h).strip().lower()]
            positions.setdefault(key, (i, get_column_letter(i + 1), str(h).strip()))
    out = []
    missing = [c for c in columns if c[0] not in positions and c[3] != "optional"]
    required = {"code", "title", "plan_id", "organization_id", "owner_id", "start_date", "end_date"}
    required |= {"special_funds", "self_raised_committed", "category", "special", "self_raised", "key", "name"}
    required |= {"unit", "target"}
    for c in missing:
        if c[0] in required:
            errors.append(
                Cell(sheet_label, 1, None, c[1]).error(_("Missing column '%(zh)s' / '%(en)s'.", zh=c[1], en=c[2]))
            )
    for n, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        data = {key: values[i] if i < len(values) else None for key, (i, _, _) in positions.items()}
        out.append(SheetRow(sheet_label, n, data, {k: (letter, h) for k, (_, letter, h) in positions.items()}))
    return out


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
    return CATEGORY_WORDS.get(text, text)


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
    import re

    m = re.match(r"^(budget|indicators)\[(\d+)\]\.(\w+)$", field_path or "")
    if m:
        return (m.group(1), int(m.group(2)), m.group(3))
    return (field_path,)


@dataclass
class ImportResult:
    created: list[str]


def _self_raised_mismatch(data: ProjectInput) -> str:
    """The service's message when the self-raised budget lines miss the commitment (in any language)."""
    return _(
        "Self-raised budget lines sum to %(sum)s, not the commitment %(commitment)s.",
        sum=format(sum((line.self_raised for line in data.budget), Decimal("0")), ".2f"),
        commitment=format(data.self_raised_committed, ".2f"),
    )


@contextmanager
def _uploaded_workbook(stream):
    """An uploaded workbook, read-only, for the body of the with-block. Read-only workbooks parse
    the rows lazily, so a damaged sheet fails while the body reads it: whatever fails, opening or
    reading, the upload is refused as not a workbook."""
    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
        yield wb
        wb.close()
    except Exception:  # noqa: BLE001 - any unreadable upload is the same user error
        raise ImportRefused([Cell("-", 0, None, None).error(_("The file is not an .xlsx workbook."))]) from None


def import_projects(user: User, stream, settings: RuleSettings, as_of: date) -> ImportResult:
    """Import the workbook's projects, all or nothing (see the module's docstring)."""
    from ..schemas import ProjectIn

    if not user.is_staff:
        raise Forbidden(_("Only bureau staff import projects."))
    errors: list[dict] = []
    sheets = {}
    with _uploaded_workbook(stream) as wb:
        for key, columns in (
            ("projects", PROJECT_COLUMNS),
            ("budget", BUDGET_COLUMNS),
            ("indicators", INDICATOR_COLUMNS),
        ):
            ws = _find_sheet(wb, key)
            if ws is None:
                errors.append(
                    Cell(SHEETS[key][0], 0, None, None).error(
                        _("Missing sheet '%(zh)s' / '%(en)s'.", zh=SHEETS[key][0], en=SHEETS[key][1])
                    )
                )
                sheets[key] = []
            else:
                sheets[key] = _read_sheet(ws, columns, ws.title, errors)
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
                loc = _service_loc(d.get("field", ""))
                cell = _locate(p, loc)
                if loc == ("budget",) and d["message"] == _self_raised_mismatch(data):
                    cell = p.row.cell("self_raised_committed")
                errors.append(cell.error(d["message"]))
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


# --- ledger import: the exported ledger, edited ------------------------------------------------


def import_ledger(user: User | None, stream, as_of: date, settings: RuleSettings) -> dict:
    """Apply an edited ledger export: rows with an ID update that target, rows without one add a
    target; a changed achieved value of a hand-kept target is recorded as a progress entry.
    All or nothing, with every error's sheet, row and column."""
    if user is not None and not user.is_staff:
        raise Forbidden(_("Only bureau staff keep the target ledger."))
    errors: list[dict] = []
    with _uploaded_workbook(stream) as wb:
        ws = wb.worksheets[0]
        rows = _read_sheet(
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
        recorder = user or db.session.scalar(select(User).where(User.role.in_(("staff", "admin"))).order_by(User.id))
        for _row, target, data, value in actions:
            before = current.get(target.id) if target is not None else None
            if target is None:
                target = ledger_service.create_target(None, data)
                created += 1
            elif _target_differs(target, data):
                ledger_service.update_target(None, target, data)
                updated += 1
            changed = value is not None and (before is None or before.value is None or before.value != value)
            if changed and target.metric is None and recorder is not None:
                ledger_service.add_progress(
                    recorder, target, value, _("Imported from Excel"), min(as_of, date(data.year, 12, 31))
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
