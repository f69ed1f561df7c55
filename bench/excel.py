"""Benchmark of the Excel export and import.

    .venv/bin/python bench/excel.py [--export 10000] [--import 1000]

In a temporary SQLite database built by the real migrations: bulk-seeds N projects (each with two
budget lines and one indicator), times the project export (all three sheets, write-only workbook),
then times importing M new projects from a workbook through the full validation and registration
(services.excel.import_projects: pydantic per row, register_project per row, one savepoint), and
prints both times. Then moves in a bureau's own M-row workbook (tests/data/make_workbooks.py:
title row, 万元, periods, Chinese states, 20 new organizations and their owners) through the
preview and the commit (services.moving_in), timing each (target: both under 10 s together).
"""

import argparse
import io
import logging.config
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from projectmgr import create_app  # noqa: E402
from projectmgr.extensions import db  # noqa: E402
from projectmgr.models import BudgetLine, Indicator, Level, OrgKind, Project, Role  # noqa: E402
from projectmgr.permissions import SYSTEM  # noqa: E402
from projectmgr.rules.credit_code import make_credit_code  # noqa: E402
from projectmgr.services import excel, moving_in, registry, settings  # noqa: E402
from projectmgr.services.projects import ProjectFilters  # noqa: E402
from tests.data.make_workbooks import bureau_rows  # noqa: E402


def seed(n: int, plan_id: int, org_id: int, owner_id: int, staff_id: int) -> None:
    for start in range(0, n, 5000):
        rows = [
            {
                "code": f"B-{i:06d}",
                "title": f"基准项目{i}",
                "plan_id": plan_id,
                "organization_id": org_id,
                "owner_id": owner_id,
                "responsible_staff_id": staff_id,
                "industry": "装备制造",
                "start_date": date(2026, 1, 1),
                "end_date": date(2027, 12, 31),
                "original_end_date": date(2027, 12, 31),
                "special_funds": Decimal("100000.00"),
                "self_raised_committed": Decimal("100000.00"),
                "state": "in_progress",
                "version": 1,
                "flag_major": i % 10 == 0,
                "flag_problematic": False,
                "flag_seasonal": False,
                "key_tracking": i % 10 == 0,
                "rectification_count": 0,
            }
            for i in range(start, min(n, start + 5000))
        ]
        db.session.execute(insert(Project), rows)
    ids = db.session.scalars(select(Project.id)).all()
    db.session.execute(
        insert(BudgetLine),
        [
            {"project_id": pid, "category": c, "special": Decimal("50000"), "self_raised": Decimal("50000")}
            for pid in ids
            for c in ("equipment", "materials")
        ],
    )
    db.session.execute(
        insert(Indicator),
        [
            {"project_id": pid, "key": "sales", "name": "销售收入", "unit": "万元", "target": Decimal(100), "weight": 1}
            for pid in ids
        ],
    )
    db.session.commit()


def import_book(m: int, plan_id: int, org_id: int, owner_id: int, staff_id: int) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "项目"
    ws.append([c[1] for c in excel.PROJECT_COLUMNS])
    budget = wb.create_sheet("经费预算")
    budget.append([c[1] for c in excel.BUDGET_COLUMNS])
    inds = wb.create_sheet("绩效指标")
    inds.append([c[1] for c in excel.INDICATOR_COLUMNS])
    for i in range(m):
        code = f"IMP-{i:05d}"
        ws.append(
            [code, f"导入{i}", plan_id, org_id, owner_id, date(2026, 3, 1), date(2027, 2, 28), "生物科技", staff_id]
            + [None, 200000, 200000]
        )
        budget.append([code, "equipment", 120000, 150000])
        budget.append([code, "labor", 80000, 50000])
        inds.append([code, "patents", "专利申请", "件", 3, 1])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", type=int, default=10_000, help="projects to export")
    parser.add_argument("--import", dest="imports", type=int, default=1_000, help="projects to import")
    parser.add_argument("--moving-in", dest="moving_in", type=int, default=1_000, help="rows of a bureau workbook")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="projectmgr-bench-excel-")
    url = f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
    # migrations/env.py configures logging from alembic.ini; keep the benchmark's output quiet.
    logging.config.fileConfig = lambda *a, **k: None
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    with app.app_context():
        upgrade()
        rules = settings()
        org = registry.create_organization("联创化工", OrgKind.enterprise, make_credit_code("914100000000000BE"))
        db.session.flush()
        owner = registry.create_user(
            SYSTEM, username="owner", password="x" * 10, role=Role.owner, display_name="o", organization_id=org.id
        )
        staff = registry.create_user(SYSTEM, username="staff", password="x" * 10, role=Role.staff, display_name="s")
        plan = registry.create_plan(rules, name="市级计划", level=Level.municipal, year=2026)
        db.session.commit()
        seed(args.export, plan.id, org.id, owner.id, staff.id)

        with app.test_request_context():
            t0 = time.perf_counter()
            stream = excel.export_projects(staff, ProjectFilters(), "zh")
            size = stream.seek(0, 2)
            stream.close()
            export_s = time.perf_counter() - t0
        print(f"export {args.export} projects: {export_s:.2f} s ({size / 1e6:.1f} MB)")

        book = import_book(args.imports, plan.id, org.id, owner.id, staff.id)
        t0 = time.perf_counter()
        result = excel.import_projects(staff, book, rules, date(2026, 1, 15))
        db.session.commit()
        import_s = time.perf_counter() - t0
        print(f"import {len(result.created)} projects: {import_s:.2f} s")

        bench_moving_in(app, staff, args.moving_in, Path(tmp))


def bench_moving_in(app, staff, rows: int, tmp: Path) -> None:
    content = bureau_rows(tmp / "bureau.xlsx", rows).read_bytes()
    with app.test_request_context():
        t0 = time.perf_counter()
        workbook, sheets = moving_in.upload(staff, "bureau.xlsx", content)
        columns = {c["letter"]: c["suggested_field"] for c in sheets[0]["columns"]}
        mapping = moving_in.Mapping(sheet=sheets[0]["name"], columns=columns)
        preview = moving_in.set_mapping(staff, workbook.id, mapping, date(2026, 6, 30))
        db.session.commit()
        preview_s = time.perf_counter() - t0
        assert not preview.errors, preview.errors[:3]
        t0 = time.perf_counter()
        result = moving_in.commit(staff, workbook.id, date(2026, 6, 30), settings())
        db.session.commit()
        commit_s = time.perf_counter() - t0
    created = len(result["created"]["projects"])
    print(f"moving in {rows} rows: upload + preview {preview_s:.2f} s, commit {commit_s:.2f} s ({created} projects)")


if __name__ == "__main__":
    main()
