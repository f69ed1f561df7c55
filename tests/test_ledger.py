"""The target ledger (DESIGN §10): status rules at their boundaries, metrics against hand-counted
projects, decomposition, hand-entered progress with evidence, the API and the CLI round trip."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from projectmgr.errors import Forbidden
from projectmgr.extensions import db
from projectmgr.models import Flag, LedgerProgress, LedgerTarget, Level, Role
from projectmgr.rules import ledger as rules
from projectmgr.rules.settings import RuleSettings
from projectmgr.services import ledger as service
from projectmgr.services import settings
from projectmgr.services.transitions import transition

S = RuleSettings()
D = Decimal


@pytest.mark.parametrize(
    ("as_of", "share"),
    [
        (date(2009, 12, 31), D(0)),
        (date(2010, 1, 1), D(1) / D(365)),
        (date(2010, 7, 2), D(183) / D(365)),
        (date(2010, 12, 31), D(1)),
        (date(2011, 3, 1), D(1)),
    ],
)
def test_share_of_year_gone(as_of, share):
    assert rules.year_gone(2010, as_of) == share


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [
        ("0.5", "0.5", "on_track"),
        ("0.49999", "0.5", "at_risk"),
        ("0.35", "0.5", "at_risk"),
        ("0.34999", "0.5", "behind"),
        ("1", "1", "on_track"),
        ("0.85", "1", "at_risk"),
        ("0.84999", "1", "behind"),
    ],
)
def test_status_boundaries(progress, expected, status):
    assert rules.status(D(progress), D(expected), S) == status


def test_level_targets_expect_their_full_value_all_year():
    assert rules.expected(False, 2010, date(2010, 2, 1)) == 1
    assert rules.expected(True, 2010, date(2010, 2, 1)) == D(32) / D(365)
    assert rules.progress(D("190"), D("180")) == 1
    assert rules.progress(None, D("180")) == 0


# --- metrics against hand-counted projects ---------------------------------------------------

Y = date.today().year


def _setup_projects(make):
    staff = make.user(Role.staff)
    nat = make.plan(Level.national)
    prov = make.plan(Level.provincial)
    muni = make.plan(Level.municipal)
    for plan in (nat, prov, muni):
        plan.year = Y
    old = make.plan(Level.national)
    old.year = Y - 1
    db.session.commit()
    start, end = date(Y, 1, 1), date(Y, 12, 31)
    kw = {"staff": staff, "start": start, "end": end}
    ind = (("patents", "专利申请", "件", "10"),)
    a = make.project(plan=nat, flags=[Flag.major], indicators=ind, **kw)
    b = make.project(plan=prov, indicators=ind, **kw)
    c = make.project(plan=muni, flags=[Flag.major], **kw)
    d = make.project(plan=muni, **kw)
    e = make.project(plan=old, flags=[Flag.major], start=date(Y - 2, 1, 1), end=date(Y - 2, 6, 30), staff=staff)
    rules_ = settings()
    for p in (a, b, c):
        transition(p, "start", staff, rules_, start)
    transition(d, "terminate", staff, rules_, start, {"comment": "撤项"})
    db.session.commit()
    from projectmgr.services import funds

    funds.submit_report(a.owner, a, "acceptance", "一", [("patents", D("3"))], None)
    funds.submit_report(a.owner, a, "acceptance", "二", [("patents", D("7"))], None)  # the latest counts
    funds.submit_report(b.owner, b, "acceptance", "一", [("patents", D("4"))], None)
    db.session.commit()
    return staff, (a, b, c, d, e)


def test_metrics_against_hand_counted_projects(make):
    _setup_projects(make)
    today = date.today()
    assert service.METRICS["national_provincial_won"].compute(Y, today) == 2  # a (national), b (provincial)
    # Active this year: a, b, c and d (terminated this year); e ended two years ago. Major among them: a, c.
    assert service.METRICS["major_projects_active"].compute(Y, today) == 2
    assert service.METRICS["projects_active"].compute(Y, today) == 4
    # Plans of the year: a, b, c started; d terminated → 3 / 4.
    assert service.METRICS["implementation_rate"].compute(Y, today) == D(75)
    # Patents: a's latest 7 + b's 4.
    assert service.METRICS["patent_applications"].compute(Y, today) == 11
    assert service.METRICS["national_provincial_won"].compute(Y - 1, today) == 1  # e


def test_tree_progress_from_metric_children_and_hand(make):
    staff, _ = _setup_projects(make)
    when = date(Y, 7, 2)
    top = service.create_target(staff, service.TargetInput(Y, "争取项目", "项", D(4), metric="national_provincial_won"))
    training = service.create_target(staff, service.TargetInput(Y, "科技培训", "人次", D(1000)))
    rural = service.create_target(staff, service.TargetInput(Y, "农村", "人次", D(600), parent_id=training.id))
    firm = service.create_target(staff, service.TargetInput(Y, "企业", "人次", D(400), parent_id=training.id))
    deep = service.create_target(staff, service.TargetInput(Y, "车间", "人次", D(100), parent_id=firm.id))
    service.add_progress(staff, rural, D(300), "上半年", date(Y, 6, 30))
    service.add_progress(staff, firm, D(100), "上半年", date(Y, 6, 30))
    service.add_progress(staff, firm, D(150), "晚了", date(Y, 8, 1))  # after as_of: not counted yet
    service.add_progress(staff, deep, D(90), "", date(Y, 6, 1))
    db.session.commit()
    views = {v.target.id: v for v in service.flatten(service.ledger(Y, when, settings()))}
    assert views[top.id].value == 2 and views[top.id].source == "metric"
    assert views[top.id].progress == D("0.5")
    assert views[rural.id].value == 300 and views[firm.id].value == 100
    assert views[deep.id].depth == 2
    # The parent sums its children (same unit): 400 of 1000, against 183/365 of the year gone.
    assert views[training.id].value == 400 and views[training.id].source == "children"
    assert views[training.id].status == rules.status(D("0.4"), D(183) / D(365), S) == "at_risk"
    assert views[rural.id].status == "at_risk"  # 0.5 vs 0.5014
    assert views[deep.id].status == "on_track"


def test_target_validation_and_metric_targets_refuse_hand_entries(make):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    from projectmgr.errors import Forbidden, ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        service.create_target(staff, service.TargetInput(Y, "", "项", D(0), metric="nope", responsible_id=owner.id))
    assert {d["field"] for d in exc.value.details} == {"title", "target_value", "metric", "responsible_id"}
    with pytest.raises(Forbidden):
        service.create_target(owner, service.TargetInput(Y, "x", "项", D(1)))
    t = service.create_target(staff, service.TargetInput(Y, "专利", "件", D(10), metric="patent_applications"))
    with pytest.raises(ValidationFailed):
        service.add_progress(staff, t, D(1), "", date.today())
    other_year = service.create_target(staff, service.TargetInput(Y - 1, "去年", "件", D(1)))
    with pytest.raises(ValidationFailed) as exc:
        service.create_target(staff, service.TargetInput(Y, "子", "件", D(1), parent_id=other_year.id))
    assert exc.value.details[0]["field"] == "parent_id"


def test_api_ledger_and_progress(make, api):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    r = s.post(
        "/ledger/targets", json={"year": Y, "title": "推广示范", "unit": "个", "target_value": "4", "cumulative": True}
    )
    assert r.status_code == 201, r.json
    tid = r.json["id"]
    r = s.post(
        f"/ledger/targets/{tid}/progress", json={"value": "2", "note": "两个示范点", "recorded_on": f"{Y}-06-30"}
    )
    assert r.status_code == 201, r.json
    r = s.get(f"/ledger?year={Y}&as_of={Y}-12-31")
    item = r.json["items"][0]
    assert item["value"] == "2" and item["progress"] == "0.5000" and item["expected"] == "1.0000"
    assert item["status"] == "behind"
    r = s.post("/ledger/targets", json={"year": Y, "title": "x", "unit": "个", "target_value": "-1"})
    assert r.status_code == 422 and r.json["error"]["details"][0]["field"] == "target_value"
    owner = api.as_(make.user(Role.owner))
    assert owner.get(f"/ledger?year={Y}").status_code == 403
    assert (
        api.as_(make.user(Role.leader)).post(f"/ledger/targets/{tid}/progress", json={"value": "3"}).status_code == 403
    )
    assert len(s.get("/ledger/metrics").json["items"]) == len(service.METRICS)


def test_evidence_is_checked_by_content_and_stored(make, app, tmp_path):
    app.config["ATTACHMENT_DIR"] = str(tmp_path)
    try:
        staff = make.user(Role.staff)
        t = service.create_target(staff, service.TargetInput(Y, "科普", "项", D(8)))
        from projectmgr.errors import ValidationFailed

        with pytest.raises(ValidationFailed) as exc:
            service.add_progress(
                staff, t, D(1), "", date.today(), filename="x.pdf", stream=io.BytesIO(b"MZ\x90 not a pdf")
            )
        assert exc.value.details[0]["field"] == "file"
        e = service.add_progress(
            staff, t, D(2), "批文", date.today(), filename="批复.pdf", stream=io.BytesIO(b"%PDF-1.4 x")
        )
        db.session.commit()
        assert e.evidence_kind == "pdf" and (tmp_path / "ledger" / e.evidence_stored_name).read_bytes() == b"%PDF-1.4 x"
    finally:
        app.config.pop("ATTACHMENT_DIR", None)


def test_cli_export_edit_import_round_trip(make, runner, tmp_path):
    staff = make.user(Role.staff, username="ledgerstaff")
    t = service.create_target(staff, service.TargetInput(Y, "新建研发中心", "个", D(5), responsible_id=staff.id))
    service.add_progress(staff, t, D(1), "", date(Y, 3, 1))
    db.session.commit()
    path = tmp_path / "ledger.xlsx"
    result = runner.invoke(args=["ledger", "export", str(path), "--year", str(Y)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["ID", "上级目标ID", "年度", "目标"]
    ws.cell(row=2, column=headers.index("完成值") + 1, value=3)
    ws.cell(row=2, column=headers.index("目标值") + 1, value=6)
    ws.append([None, t.id, Y, "新子目标", "个", 2, "是", None, "ledgerstaff", None, None])
    wb.save(path)
    result = runner.invoke(args=["ledger", "import", str(path), "--as", "ledgerstaff"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(LedgerTarget, t.id).target_value == 6
    assert db.session.query(LedgerProgress).filter_by(target_id=t.id).count() == 2
    child = db.session.query(LedgerTarget).filter_by(parent_id=t.id).one()
    assert child.title == "新子目标" and child.responsible_id == staff.id
    # A broken row: nothing changes, the error names the row and column.
    ws.cell(row=2, column=headers.index("目标值") + 1, value="lots")
    ws.cell(row=3, column=headers.index("责任人（用户名）") + 1, value="nobody")
    ws.cell(row=2, column=headers.index("完成值") + 1, value=4)
    wb.save(path)
    result = runner.invoke(args=["ledger", "import", str(path), "--as", "ledgerstaff"])
    assert result.exit_code != 0
    assert "row 2 column F: Not a number." in result.output
    assert "row 3 column I: No user nobody." in result.output
    db.session.expire_all()
    assert db.session.query(LedgerProgress).filter_by(target_id=t.id).count() == 2


def test_demo_ledger_has_the_twelve_targets(app):
    from projectmgr.demo import load

    load(date.today())
    db.session.commit()
    tops = db.session.query(LedgerTarget).filter_by(parent_id=None).all()
    assert len(tops) == 12
    assert db.session.query(LedgerTarget).filter(LedgerTarget.parent_id.isnot(None)).count() >= 4
    assert {t.metric for t in tops} >= {"national_provincial_won", "implementation_rate", "patent_applications"}


def test_indicator_metrics_take_each_indicators_latest_report_in_one_query(make):
    from datetime import datetime

    from sqlalchemy import event

    from projectmgr.models import Indicator, IndicatorValue, Report, ReportKind

    staff = make.user(Role.staff)
    ind = (("patents", "专利申请", "件", "10"),)
    a, b = (make.project(staff=staff, start=date(Y, 1, 1), end=date(Y, 12, 31), indicators=ind) for _ in "ab")
    make.project(staff=staff, start=date(Y - 2, 1, 1), end=date(Y - 2, 6, 30), indicators=ind)  # not active

    def report(project, at, value):
        r = Report(project_id=project.id, kind=ReportKind.survey, summary="-", submitted_by_id=project.owner_id)
        r.submitted_at = at
        indicator = db.session.query(Indicator).filter_by(project_id=project.id).one()
        r.values.append(IndicatorValue(indicator_id=indicator.id, achieved=D(value)))
        db.session.add(r)
        db.session.flush()

    # Submitted out of id order: the one submitted last counts for a (3), whatever its id.
    report(a, datetime(Y, 6, 2), "3")
    report(a, datetime(Y, 6, 1), "7")
    report(b, datetime(Y, 5, 1), "4.5")
    db.session.commit()
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        total = service.METRICS["patent_applications"].compute(Y, date.today())
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert total == D("7.5")
    # One statement, summed in the database: not every reported value fetched into Python.
    assert len(statements) == 1 and "sum(" in statements[0]
    assert service.METRICS["people_trained"].compute(Y, date.today()) == 0


def test_a_target_with_sub_targets_keeps_its_year(make, api, client):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    parent = s.post("/ledger/targets", json={"year": Y, "title": "培训", "unit": "人次", "target_value": "10"}).json
    child = s.post(
        "/ledger/targets",
        json={"year": Y, "title": "农村", "unit": "人次", "target_value": "5", "parent_id": parent["id"]},
    ).json
    body = {"title": "培训", "unit": "人次", "target_value": "10"}
    r = s.put(f"/ledger/targets/{parent['id']}", json={**body, "year": Y + 1})
    assert r.status_code == 422 and [d["field"] for d in r.json["error"]["details"]] == ["year"]
    assert db.session.get(LedgerTarget, parent["id"]).year == Y
    assert s.get(f"/ledger/targets/{child['id']}").status_code == 200
    assert s.put(f"/ledger/targets/{parent['id']}", json={**body, "year": Y, "title": "科技培训"}).status_code == 200
    # A target without sub-targets may move to another year.
    r = s.put(f"/ledger/targets/{child['id']}", json={**body, "year": Y + 1})
    assert r.status_code == 200, r.json
    assert s.put(f"/ledger/targets/{parent['id']}", json={**body, "year": Y + 1}).status_code == 200
    # A sub-target left under a parent of another year (data from before the rule): not found, not a crash.
    orphan = LedgerTarget(year=Y, parent_id=parent["id"], position=1, title="旧", unit="人次", target_value=D(1))
    db.session.add(orphan)
    db.session.commit()
    assert s.get(f"/ledger/targets/{orphan.id}").status_code == 404
    client.post("/login", data={"username": staff.username, "password": "password123"})
    assert client.get(f"/ledger/targets/{orphan.id}").status_code == 404


@pytest.mark.parametrize(("field", "value"), [("parent_id", "abc"), ("responsible_id", "x1")])
def test_new_target_page_refuses_an_id_that_is_not_a_number(make, client, field, value):
    staff = make.user(Role.staff)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    form = {"title": "科普", "unit": "项", "target_value": "8", "parent_id": "", "responsible_id": "", "metric": ""}
    r = client.post(f"/ledger/targets/new?year={Y}", data={**form, field: value}, headers={"Accept-Language": "en"})
    assert r.status_code == 200
    assert f'id="{field}-error">Not a whole number.<' in r.get_data(as_text=True)  # beside the field
    assert db.session.query(LedgerTarget).count() == 0


def test_ledger_page_year_choice_holds_the_year_shown(make, client):
    """A year without targets (here 2010) is still the one selected, not the first year listed."""
    staff = make.user(Role.staff)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    html = client.get("/ledger?year=2010").get_data(as_text=True)
    assert re.search(r'<option value="2010"\s+selected>', html)
    assert not re.search(rf'<option value="{date.today().year}"\s+selected>', html)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("77.7778"), "77.78"),
        (D("15000"), "15000"),
        (D("1500000.00"), "1500000"),
        (D("0.005"), "0.01"),
        (D("12.50"), "12.5"),
        (0, "0"),
        (None, "—"),
    ],
)
def test_ledger_quantities_are_shown_with_at_most_two_decimals_and_no_exponent(value, shown):
    from projectmgr.web import quantity

    assert quantity(value) == shown


def test_import_counts_only_the_targets_a_row_changes(make):
    from projectmgr.services import excel

    staff = make.user(Role.staff, username="counter")
    a = service.create_target(staff, service.TargetInput(Y, "科技培训", "人次", D(15000), note="2010年工作目标"))
    b = service.create_target(staff, service.TargetInput(Y, "专利申请", "件", D(180)))
    service.add_progress(staff, a, D(9800), "", date(Y, 3, 1))
    db.session.commit()
    when = date(Y, 6, 30)

    def reimport(edit) -> dict:
        with excel.export_ledger(Y, when, settings(), "zh") as exported:
            wb = load_workbook(exported)
        ws = wb.worksheets[0]
        headers = [c.value for c in ws[1]]
        edit(ws, headers)
        out = io.BytesIO()
        wb.save(out)
        out.seek(0)
        result = excel.import_ledger(staff, out, when, settings())
        db.session.commit()
        return result

    # The export imported back unchanged: nothing updated, no progress entry.
    assert reimport(lambda ws, h: None) == {"created": 0, "updated": 0, "progress_entries": 0}
    # A new achieved value only: a progress entry, the target itself unchanged.
    assert reimport(lambda ws, h: ws.cell(row=2, column=h.index("完成值") + 1, value=10200)) == {
        "created": 0,
        "updated": 0,
        "progress_entries": 1,
    }
    # A new target value on the second row: that target is updated.
    assert reimport(lambda ws, h: ws.cell(row=3, column=h.index("目标值") + 1, value=200)) == {
        "created": 0,
        "updated": 1,
        "progress_entries": 0,
    }
    db.session.expire_all()
    assert db.session.get(LedgerTarget, b.id).target_value == 200
    assert db.session.get(LedgerTarget, a.id).note == "2010年工作目标"


def test_staff_change_a_target_on_its_page(make, client):
    staff = make.user(Role.staff)
    other = make.user(Role.staff)
    parent = service.create_target(staff, service.TargetInput(Y, "培育企业研发机构", "家", D(6)))
    t = service.create_target(staff, service.TargetInput(Y, "工程中心", "家", D(4), parent_id=parent.id))
    db.session.commit()
    client.post("/login", data={"username": staff.username, "password": "password123"})
    page = client.get(f"/ledger/targets/{t.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"/ledger/targets/{t.id}/edit" in page
    form = client.get(f"/ledger/targets/{t.id}/edit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Change target" in form and 'value="工程中心"' in form
    assert re.search(rf'<option selected value="{parent.id}">|<option value="{parent.id}" selected>', form)
    data = {
        "title": "工程技术研究中心",
        "unit": "家",
        "target_value": "5",
        "parent_id": str(parent.id),
        "responsible_id": str(other.id),
        "metric": "",
        "cumulative": "y",
        "note": "",
    }
    bad = client.post(f"/ledger/targets/{t.id}/edit", data={**data, "target_value": "-1"})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(LedgerTarget, t.id).title == "工程中心"  # nothing saved
    r = client.post(f"/ledger/targets/{t.id}/edit", data=data)
    assert r.status_code == 302
    db.session.expire_all()
    changed = db.session.get(LedgerTarget, t.id)
    assert (changed.title, changed.target_value, changed.responsible_id) == ("工程技术研究中心", 5, other.id)
    assert changed.year == Y and changed.parent_id == parent.id


def test_a_leader_may_not_change_a_target(make, client):
    t = service.create_target(make.user(Role.staff), service.TargetInput(Y, "专利申请", "件", D(180)))
    db.session.commit()
    leader = make.user(Role.leader)
    client.post("/login", data={"username": leader.username, "password": "password123"})
    assert client.get(f"/ledger/targets/{t.id}/edit").status_code == 403
    assert f"/ledger/targets/{t.id}/edit" not in client.get(f"/ledger/targets/{t.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing option '--as'"),
        (["--as", "nobody"], "No user nobody."),
        (["--as", "ledgerowner"], "ledgerowner is not an active bureau staff or admin account."),
    ],
)
def test_cli_import_is_credited_to_the_staff_account_it_names(make, runner, tmp_path, args, message):
    make.user(Role.staff, username="ledgerstaff")
    make.user(Role.owner, make.organization(), username="ledgerowner")
    db.session.commit()
    path = tmp_path / "ledger.xlsx"
    assert runner.invoke(args=["ledger", "export", str(path), "--year", str(Y)]).exit_code == 0
    result = runner.invoke(args=["ledger", "import", str(path), *args])
    assert result.exit_code != 0 and message in result.output, result.output


def test_ledger_refuses_a_missing_user(make):
    """No user is no longer the system's licence: the staff check applies to every caller."""
    staff = make.user(Role.staff)
    t = service.create_target(staff, service.TargetInput(Y, "专利申请", "件", D(5)))
    with pytest.raises(Forbidden):
        service.create_target(None, service.TargetInput(Y, "专利授权", "件", D(5)))
    with pytest.raises(Forbidden):
        service.update_target(None, t, service.TargetInput(Y, "专利申请", "件", D(6)))
