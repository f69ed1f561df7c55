"""The official documents as PDF (issue 15): read back with pdftotext, checked for their figures
and names; who may have which; 404 before a document exists; nothing written to disk."""

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import Certificate, Project, Role
from projectmgr.services import documents
from tests.test_conclusion_api import run_conclusion
from tests.test_panels import applied_project, experts, formed_panel

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")

ROOT = Path(__file__).resolve().parent.parent
# DOCS_PNG=1 refreshes the page images in docs/documents/ (pdftoppm -png -r 60).
PNG_DIR = ROOT / "docs" / "documents" if os.environ.get("DOCS_PNG") == "1" else None


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def flat(pdf: bytes) -> str:
    """The text without spaces and line breaks (table cells and wrapped lines split words)."""
    return "".join(text_of(pdf).split())


def page_png(pdf: bytes, name: str) -> None:
    if PNG_DIR is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(src), str(Path(tmp) / "p")], check=True
        )
        page = next(Path(tmp).glob("p-*.png"))
        shutil.copy(page, PNG_DIR / f"{name}.png")


def concluded(make, api, totals=(90, 88, 92, 86, 94)):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    r = run_conclusion(case, members, totals)
    assert r.status_code == 200 and r.json["state"] == "accepted", r.json
    return case, members


def pdf(api_client, url):
    r = api_client.get(url)
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/pdf"
    return r.data


def test_acceptance_certificate_carries_the_figures_and_a_number_kept_for_good(api, make):
    case, _members = concluded(make, api)
    project = db.session.get(Project, case.pid)
    year = project.concluded_on.year

    data = pdf(case.s, case.url("/documents/acceptance-certificate.pdf"))
    page_png(data, "acceptance-certificate")
    text = flat(data)

    number = f"P-YS-{year}-001"
    assert number in text
    for wanted in (
        project.code,
        project.title,
        project.organization.name,
        project.owner.display_name,
        project.plan.name,
    ):
        assert "".join(wanted.split()) in text
    assert "验收证书" in text
    assert "100,000.00" in text  # granted, disbursed, committed, arrived
    assert "90,000.00" in text  # special funds spent
    assert "90.00" in text and "优秀" in text  # the aggregate (mean of 90, 88, 92, 86, 94) and grade
    assert "100.0%" in text  # indicator completion
    assert "通过验收" in text or "验收通过" in text or "已验收" in text
    assert "—1—" in text  # page number after GB/T 9704

    # The owner reads the same certificate: the number does not change and is not used twice.
    again = flat(pdf(case.o, case.url("/documents/acceptance-certificate.pdf")))
    assert number in again
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_second_project_of_the_plan_code_and_year_takes_the_next_number(api, make):
    first, _ = concluded(make, api)
    second, _ = concluded(make, api)
    year = db.session.get(Project, first.pid).concluded_on.year
    assert f"P-YS-{year}-001" in flat(pdf(second.s, second.url("/documents/acceptance-certificate.pdf")))
    assert f"P-YS-{year}-002" in flat(pdf(first.s, first.url("/documents/acceptance-certificate.pdf")))


def test_certificate_before_the_conclusion_is_404_and_numbers_nothing(api, make):
    case = applied_project(make, api)
    r = case.s.get(case.url("/documents/acceptance-certificate.pdf"))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = case.s.get(case.url("/documents/panel-opinion.pdf"))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_panel_opinion_names_the_members_for_staff_only(api, make):
    case, members = concluded(make, api)
    staff_copy = flat(pdf(case.s, case.url("/documents/panel-opinion.pdf")))
    owner_pdf = pdf(case.o, case.url("/documents/panel-opinion.pdf"))
    owner_copy = flat(owner_pdf)
    page_png(owner_pdf, "panel-opinion-owner-copy")
    page_png(pdf(case.s, case.url("/documents/panel-opinion.pdf")), "panel-opinion")

    for copy in (staff_copy, owner_copy):
        assert "专家组验收意见" in copy
        assert "90.00" in copy
        for i in range(5):
            assert f"意见{i}" in copy  # every comment, without its author
        assert "0/5" not in copy
    for m in members:
        assert "".join(m.display_name.split()) in staff_copy
        assert "".join(m.display_name.split()) not in owner_copy
    # The recommendation counts: five "pass".
    assert "通过" in staff_copy


def test_task_book_lists_budget_indicators_and_due_items(api, make):
    staff = make.user(Role.staff)
    project = make.project(
        staff=staff,
        special="120000.00",
        self_raised="80000.00",
        indicators=(("sales", "销售收入", "万元", "100"), ("patents", "发明专利", "件", "3")),
    )
    s = api.as_(staff)
    data = pdf(s, f"/projects/{project.id}/documents/task-book.pdf")
    page_png(data, "task-book")
    text = flat(data)
    assert "任务书" in text
    for wanted in (
        "120,000.00",
        "80,000.00",
        "200,000.00",
        "销售收入",
        "发明专利",
        "设备费",
        "验收申请",
        "年终考评（2026）",
    ):
        assert wanted in text, wanted
    assert "".join(project.organization.name.split()) in text


@pytest.mark.parametrize("kind", ["task-book", "acceptance-certificate", "panel-opinion"])
def test_who_may_have_which_document(api, make, kind):
    case, members = concluded(make, api)
    leader = make.user(Role.leader)
    assert api.as_(leader).get(case.url(f"/documents/{kind}.pdf")).status_code == 200
    # A panel member sees the project but not its documents.
    r = api.as_(members[0]).get(case.url(f"/documents/{kind}.pdf"))
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    # The owner: their certificate and their copy of the opinion, not the task book.
    r = case.o.get(case.url(f"/documents/{kind}.pdf"))
    assert r.status_code == (403 if kind == "task-book" else 200)
    # An owner of another organization does not learn the project exists.
    other = api.as_(make.user(Role.owner))
    r = other.get(case.url(f"/documents/{kind}.pdf"))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_unknown_kind_is_404(api, make):
    staff = make.user(Role.staff)
    project = make.project(staff=staff)
    r = api.as_(staff).get(f"/projects/{project.id}/documents/budget.pdf")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_evaluation_notice_lists_the_grades_by_level(api, make):
    case, _ = concluded(make, api)
    year = db.session.get(Project, case.pid).concluded_on.year
    r = case.s.post("/evaluations/run", json={"year": year, "confirm": True})
    assert r.status_code == 200, r.json
    data = pdf(case.s, f"/evaluations/{year}/notice.pdf")
    page_png(data, "evaluation-notice")
    text = flat(data)
    project = db.session.get(Project, case.pid)
    assert f"{year}" in text and "市级" in text and project.code in text
    grade = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}[project.evaluation_grade.value]
    assert grade in text

    assert case.o.get(f"/evaluations/{year}/notice.pdf").status_code == 403
    r = case.s.get(f"/evaluations/{year - 5}/notice.pdf")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_no_document_is_written_to_disk(api, make, tmp_path, monkeypatch):
    case, _ = concluded(make, api)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None
    try:
        before = set(tmp_path.iterdir())
        for kind in ("acceptance-certificate", "panel-opinion", "task-book"):
            pdf(case.s, case.url(f"/documents/{kind}.pdf"))
        assert set(tmp_path.iterdir()) == before
    finally:
        tempfile.tempdir = None


def test_concurrent_first_generations_assign_distinct_numbers(app, api, make):
    """Two projects numbered at once (two threads, two sessions) take 001 and 002, never the same."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    a, _ = concluded(make, api)
    b, _ = concluded(make, api)
    ids = [a.pid, b.pid]

    def number(project_id):
        with app.app_context():
            project = db.session.get(Project, project_id)
            cert = documents.certificate.assign_number(project, date.today())
            value = cert.number
            db.session.remove()
            return value

    with ThreadPoolExecutor(2) as pool:
        numbers = list(pool.map(number, ids))
    year = db.session.get(Project, a.pid).concluded_on.year
    assert sorted(numbers) == [f"P-YS-{year}-001", f"P-YS-{year}-002"]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_command_line_writes_a_years_certificates(api, make, runner, tmp_path):
    first, _ = concluded(make, api)
    second, _ = concluded(make, api)
    pending = applied_project(make, api)  # not concluded: no certificate
    year = db.session.get(Project, first.pid).concluded_on.year
    out = tmp_path / "certs"

    result = runner.invoke(args=["documents", "certificates", "--year", str(year), "--output", str(out)])

    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"P-YS-{year}-001.pdf", f"P-YS-{year}-002.pdf"]
    codes = {db.session.get(Project, c.pid).code for c in (first, second)}
    texts = [flat((out / n).read_bytes()) for n in names]
    assert all(sum(f"项目编号{c}项目名称" in t for t in texts) == 1 for c in codes)
    assert db.session.get(Project, pending.pid).state.value == "acceptance_applied"
    # A second run writes the same numbers again.
    result = runner.invoke(args=["documents", "certificates", "--year", str(year), "--output", str(out)])
    assert result.exit_code == 0 and sorted(p.name for p in out.iterdir()) == names


def test_openapi_documents_the_pdf_routes_with_their_media_type(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/projects/{project_id}/documents/{kind}.pdf", "/api/v1/evaluations/{year}/notice.pdf"):
        ok = doc["paths"][path]["get"]["responses"]["200"]["content"]
        assert list(ok) == ["application/pdf"]
        assert ok["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert "/api/v1/experts" in doc["paths"] and "post" in doc["paths"]["/api/v1/experts/{expert_id}/deactivate"]
