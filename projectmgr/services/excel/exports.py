"""Exports: the project list (re-importable), its empty template, overdue items, the target ledger
and the annual evaluation. Written row by row (write-only workbooks) to a temporary file, so
10,000 projects never sit in memory as cells."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from ...extensions import db
from ...models import BudgetLine, Indicator, Organization, Plan, Project, Role, User
from ...permissions import can_export, require
from ...rules.deadlines import days_overdue
from ...rules.settings import RuleSettings
from .. import ledger as ledger_service
from ..due_items import overdue_query
from ..evaluation import evaluations_query
from ..projects import ProjectFilters, project_query
from .columns import (
    BUDGET_COLUMNS,
    CATEGORY_WORDS,
    EVALUATION_COLUMNS,
    INDICATOR_COLUMNS,
    LEDGER_COLUMNS,
    LEDGER_READONLY,
    OVERDUE_COLUMNS,
    PROJECT_COLUMNS,
    PROJECT_EXTRA,
    SHEETS,
)
from .workbook import heading, money, new_book, number, save, word


def _project_cell(p: Project, key: str, kind: str):
    """A project's field as its import column reads it back."""
    value = getattr(p, key)
    if kind == "flags":
        return ",".join(value) or None
    return money(value) if kind == "money" else value


def _write_project_sheets(wb: Workbook, ids_query, lang: str, extra: bool = True) -> int:
    """The Projects, Budget and Indicators sheets for the projects of ids_query (a select of ids)."""
    ws = wb.create_sheet(SHEETS["projects"][0 if lang == "zh" else 1])
    headers = [heading(c, lang) for c in PROJECT_COLUMNS] + ([heading(c, lang) for c in PROJECT_EXTRA] if extra else [])
    ws.append(headers)
    count = 0
    if ids_query is not None:
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
            row = [_project_cell(p, key, kind) for key, _zh, _en, kind in PROJECT_COLUMNS]
            if extra:
                row += [word("level", level.value, lang), plan_name, org_name, word("state", p.state.value, lang)]
            ws.append(row)
            db.session.expunge(p)
    ws = wb.create_sheet(SHEETS["budget"][0 if lang == "zh" else 1])
    ws.append([heading(c, lang) for c in BUDGET_COLUMNS])
    if ids_query is not None:
        lines = db.session.execute(
            select(Project.code, BudgetLine.category, BudgetLine.special, BudgetLine.self_raised)
            .join(Project, Project.id == BudgetLine.project_id)
            .where(Project.id.in_(ids_query))
            .order_by(Project.id.desc(), BudgetLine.id)
            .execution_options(yield_per=2000)
        )
        for code, category, special, self_raised in lines:
            ws.append([code, category.value, money(special), money(self_raised)])
    ws = wb.create_sheet(SHEETS["indicators"][0 if lang == "zh" else 1])
    ws.append([heading(c, lang) for c in INDICATOR_COLUMNS])
    if ids_query is not None:
        inds = db.session.execute(
            select(Project.code, Indicator.key, Indicator.name, Indicator.unit, Indicator.target, Indicator.weight)
            .join(Project, Project.id == Indicator.project_id)
            .where(Project.id.in_(ids_query))
            .order_by(Project.id.desc(), Indicator.id)
            .execution_options(yield_per=2000)
        )
        for code, key, name, unit, target, weight in inds:
            ws.append([code, key, name, unit, number(target), number(weight)])
    return count


def export_projects(user: User, filters: ProjectFilters, lang: str):
    """The project list with its filters, with budget lines and indicators: re-importable."""
    require(can_export(user), _("Exports are for bureau staff and leaders."))
    ids = project_query(user, filters).with_only_columns(Project.id).order_by(None)
    wb = new_book()
    _write_project_sheets(wb, ids, lang)
    return save(wb)


def template(lang: str):
    """The empty import template: the three sheets the import reads, then a sheet of instructions
    and of the ids to fill in (plans, organizations, owners, staff) and the words it accepts for
    budget categories and flags. The import reads its three sheets by name and ignores the rest."""
    wb = new_book()
    _write_project_sheets(wb, None, lang, extra=False)
    _write_reference_sheet(wb, lang)
    return save(wb)


REFERENCE_SHEET = ("填写说明", "How to fill in")


def _write_reference_sheet(wb: Workbook, lang: str) -> None:
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
            (p.id, p.name, word("level", p.level.value, lang), p.year)
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
    require(can_export(user), _("Exports are for bureau staff and leaders."))
    wb = new_book()
    ws = wb.create_sheet("逾期事项" if lang == "zh" else "Overdue")
    ws.append([heading(c, lang) for c in OVERDUE_COLUMNS])
    staff_names = dict(db.session.execute(select(User.id, User.display_name)).all())
    for item, project, level in db.session.execute(overdue_query(as_of, **filters).execution_options(yield_per=1000)):
        ws.append(
            [
                project.code,
                project.title,
                word("level", level.value, lang),
                word("due", item.kind.value, lang),
                item.due_date,
                days_overdue(item.due_date, as_of),
                ",".join(project.flags) or None,
                staff_names.get(project.responsible_staff_id),
            ]
        )
    return save(wb)


def export_ledger(year: int, as_of: date, settings: RuleSettings, lang: str):
    views = ledger_service.flatten(ledger_service.ledger(year, as_of, settings))
    wb = new_book()
    ws = wb.create_sheet(f"{year}目标台账" if lang == "zh" else f"Ledger {year}")
    ws.append([heading(c, lang) for c in LEDGER_COLUMNS] + [heading(c, lang) for c in LEDGER_READONLY])
    for v in views:
        t = v.target
        ws.append(
            [
                t.id,
                t.parent_id,
                t.year,
                ("　" * v.depth) + t.title,
                t.unit,
                number(t.target_value),
                ("是" if t.cumulative else "否") if lang == "zh" else ("yes" if t.cumulative else "no"),
                t.metric,
                t.responsible.username if t.responsible else None,
                number(v.value),
                t.note,
                float(round(v.progress, 4)),
                float(round(v.expected, 4)),
                word("ledger_status", v.status, lang),
            ]
        )
    return save(wb)


def export_evaluation(year: int, lang: str):
    wb = new_book()
    ws = wb.create_sheet(f"{year}年终考评" if lang == "zh" else f"Evaluation {year}")
    ws.append([heading(c, lang) for c in EVALUATION_COLUMNS])
    for ev in db.session.scalars(evaluations_query(year)):
        f = ev.factors

        def num(key, f=f):
            return None if f.get(key) is None else float(round(Decimal(f[key]), 4))

        ws.append(
            [
                ev.project.code,
                ev.project.title,
                word("level", ev.project.plan.level.value, lang),
                num("on_time"),
                num("survey"),
                num("indicators"),
                num("execution"),
                None if ev.score is None else float(round(ev.score, 2)),
                word("grade", ev.proposed_grade.value, lang),
                word("grade", ev.grade.value, lang) if ev.grade else None,
                ev.reason,
            ]
        )
    return save(wb)
