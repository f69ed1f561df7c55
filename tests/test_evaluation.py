"""Annual evaluation (DESIGN §9): the proposal at its factor boundaries, the service's factors from
a project's records, confirmation with a reason kept in the history, and the API."""

from datetime import date
from decimal import Decimal

import pytest

from projectmgr.errors import ValidationFailed
from projectmgr.extensions import db
from projectmgr.models import DueItem, DueKind, Evaluation, Role, State
from projectmgr.rules.evaluation import Factors, propose
from projectmgr.rules.settings import RuleSettings
from projectmgr.services import evaluation as service
from projectmgr.services import funds, settings
from projectmgr.services.transitions import transition

S = RuleSettings()
ONE = Decimal(1)


def all_factors(v: str) -> Factors:
    d = Decimal(v)
    return Factors(d, d, d, d)


@pytest.mark.parametrize(
    ("share", "grade"),
    [
        ("0.9", "excellent"),
        ("0.89999", "good"),
        ("0.8", "good"),
        ("0.79999", "pass"),
        ("0.6", "pass"),
        ("0.59999", "fail"),
        ("0", "fail"),
    ],
)
def test_grade_bands_at_their_boundaries(share, grade):
    p = propose(all_factors(share), S)
    assert p.score == Decimal(share) * 100
    assert p.grade == grade


def test_weights_come_from_settings_and_are_renormalised_over_present_factors():
    # on_time 1, survey missing, indicators 0.5, execution 0 → (0.3*1 + 0.3*0.5 + 0.2*0) / 0.8 = 0.5625
    p = propose(Factors(ONE, None, Decimal("0.5"), Decimal(0)), S)
    assert p.score == Decimal("56.25")
    assert p.grade == "fail"
    assert set(p.weights) == {"on_time", "indicators", "execution"}
    assert sum(p.weights.values()) == ONE
    # Execution weighted alone: the same facts grade by execution only.
    only_execution = RuleSettings(
        evaluation_weight_on_time=Decimal(0),
        evaluation_weight_survey=Decimal(0),
        evaluation_weight_indicators=Decimal(0),
        evaluation_weight_execution=Decimal(1),
    )
    assert propose(Factors(ONE, None, ONE, Decimal("0.6")), only_execution).grade == "pass"
    assert propose(Factors(ONE, None, ONE, Decimal("0.59")), only_execution).grade == "fail"


def test_failed_acceptance_is_proposed_fail_whatever_the_score():
    assert propose(Factors(ONE, ONE, ONE, ONE, failed_acceptance=True), S).grade == "fail"
    assert propose(Factors(ONE, ONE, ONE, ONE, failed_acceptance=False), S).grade == "excellent"


def test_thresholds_are_settings():
    strict = RuleSettings(evaluation_excellent_from=Decimal(95))
    assert propose(all_factors("0.94"), strict).grade == "good"
    assert propose(all_factors("0.95"), strict).grade == "excellent"


def test_settings_read_from_config_keys():
    s = RuleSettings.from_mapping({"RULE_EVALUATION_WEIGHT_SURVEY": "0.5", "RULE_LEDGER_AT_RISK_MARGIN": "0.05"})
    assert s.evaluation_weight_survey == Decimal("0.5")
    assert s.ledger_at_risk_margin == Decimal("0.05")


# --- the service ---------------------------------------------------------------------------------

YEAR = date.today().year


def _running(make, staff, *, special="100000.00", start=None, end=None, **kw):
    start = start or date(YEAR, 1, 1)
    end = end or date(YEAR, 12, 31)
    p = make.project(staff=staff, start=start, end=end, special=special, responsible_staff_id=staff.id, **kw)
    transition(p, "start", staff, settings(), start)
    db.session.commit()
    return p


def test_factors_from_records(make):
    staff = make.user(Role.staff)
    p = _running(make, staff, start=date(YEAR - 1, 1, 1), end=date(YEAR + 1, 12, 30))
    rules = settings()
    # Funds: 80,000 disbursed, 60,000 spent → execution 0.75.
    funds.record_disbursement(staff, p, date(YEAR, 2, 1), Decimal("80000"))
    funds.record_expenditure(p.owner, p, date(YEAR, 3, 1), "equipment", "special", Decimal("60000"), "V-1")
    # A survey: opened, returned once, accepted → survey 1 of 2 = 0.5; submitted on time.
    transition(p, "open_survey", staff, rules, date(YEAR, 3, 1), {"due_date": date(YEAR, 3, 20)})
    funds.submit_report(p.owner, p, "survey", "进展", [("sales", Decimal("25"))], None)
    transition(p, "submit_survey", p.owner, rules, date(YEAR, 3, 10))
    transition(p, "return_survey", staff, rules, date(YEAR, 3, 11), {"comment": "补充"})
    funds.submit_report(p.owner, p, "survey", "补充后", [("sales", Decimal("25"))], None)
    transition(p, "submit_survey", p.owner, rules, date(YEAR, 3, 15))
    transition(p, "accept_survey", staff, rules, date(YEAR, 3, 16))
    db.session.commit()
    as_of = date(YEAR, 12, 31)
    f = service.factors_of(p, YEAR, as_of, rules)
    assert f.execution == Decimal("0.75")
    assert f.survey == Decimal("0.5")
    assert f.on_time == ONE  # the survey report, closed on 15 March, due 20 March
    # Indicators: 25 of 100 achieved; two thirds of the project's span elapsed at 31 Dec → 0.375.
    span = (p.end_date - p.start_date).days
    elapsed = Decimal((as_of - p.start_date).days) / Decimal(span)
    assert f.indicators == Decimal("0.25") / elapsed
    assert f.failed_acceptance is False


def test_nothing_to_measure_gives_none_and_overdue_item_counts_late(make):
    staff = make.user(Role.staff)
    p = _running(make, staff, start=date(YEAR - 2, 1, 1), end=date(YEAR - 1, 6, 30))
    # The acceptance application was due 30 Sept of last year... make one due this year instead:
    item = db.session.query(DueItem).filter_by(project_id=p.id, kind=DueKind.acceptance_application).one()
    item.due_date = date(YEAR, 1, 31)
    db.session.commit()
    f = service.factors_of(p, YEAR, date(YEAR, 6, 1), settings())
    assert f.on_time == Decimal(0)  # open after its due date: late
    assert f.survey is None and f.execution is None


def test_run_confirm_change_with_reason_and_history(make, api):
    staff = make.user(Role.staff)
    active = _running(make, staff)
    concluded = _running(make, staff)
    # The second one concluded this year (set directly: the conclusion paths have their own tests).
    concluded.state, concluded.concluded_on = State.accepted, date(YEAR, 6, 1)
    db.session.commit()
    s = api.as_(staff)
    r = s.post("/evaluations/run", json={"year": YEAR})
    assert r.status_code == 200, r.json
    assert r.json["count"] == 2
    by_code = {i["code"]: i for i in r.json["items"]}
    ev_active = by_code[active.code]
    assert set(ev_active["factors"]) == {"on_time", "survey", "indicators", "execution"}
    proposed = ev_active["proposed_grade"]
    other = "excellent" if proposed != "excellent" else "good"
    # Changing the grade needs a reason; nothing is written without one.
    r = s.post(f"/evaluations/{ev_active['id']}/confirm", json={"grade": other})
    assert r.status_code == 422 and r.json["error"]["details"][0]["field"] == "reason"
    assert db.session.get(Evaluation, ev_active["id"]).grade is None
    r = s.post(f"/evaluations/{ev_active['id']}/confirm", json={"grade": other, "reason": "重点突破"})
    assert r.status_code == 200, r.json
    assert r.json["grade"] == other and r.json["history"][0]["kind"] == "change"
    assert r.json["history"][0]["reason"] == "重点突破"
    assert r.json["state"] == "in_progress"  # not concluded: stays
    # The concluded project is confirmed as proposed and moves to evaluated with its grade.
    ev_c = by_code[concluded.code]
    r = s.post(f"/evaluations/{ev_c['id']}/confirm", json={})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "evaluated" and r.json["grade"] == ev_c["proposed_grade"]
    db.session.expire_all()
    assert db.session.get(type(concluded), concluded.id).evaluation_grade.value == ev_c["proposed_grade"]
    # The year's annual-evaluation item is closed for both.
    open_items = db.session.query(DueItem).filter_by(kind=DueKind.annual_evaluation, year=YEAR, closed_on=None).count()
    assert open_items == 0
    # Report: by grade, level, plan, industry.
    r = s.get(f"/evaluations/report?year={YEAR}")
    assert r.json["total"] == 2 and r.json["confirmed"] == 2
    assert sum(r.json["by_level"]["municipal"].values()) == 2
    # Owners may not see or run it.
    owner = api.as_(active.owner)
    assert owner.get(f"/evaluations?year={YEAR}").status_code == 403
    assert owner.post("/evaluations/run", json={"year": YEAR}).status_code == 403
    leader = api.as_(make.user(Role.leader))
    assert leader.get(f"/evaluations?year={YEAR}").json["total"] == 2
    assert leader.post("/evaluations/run", json={"year": YEAR}).status_code == 403


def test_projects_not_active_in_the_year_are_not_evaluated(make, api):
    staff = make.user(Role.staff)
    _running(make, staff, start=date(YEAR + 1, 1, 1), end=date(YEAR + 1, 12, 31))
    r = api.as_(staff).post("/evaluations/run", json={"year": YEAR})
    assert r.json["count"] == 0


def test_cli_run_and_confirm(make, runner):
    staff = make.user(Role.staff, username="evalstaff")
    p = _running(make, staff)
    result = runner.invoke(args=["evaluation", "run", "--year", str(YEAR), "--confirm", "--as", "evalstaff"])
    assert result.exit_code == 0, result.output
    assert p.code in result.output and "1 confirmed" in result.output
    ev = db.session.query(Evaluation).one()
    assert ev.grade == ev.proposed_grade and ev.changes[0].actor.username == "evalstaff"


def test_openapi_documents_evaluation_and_ledger(api):
    paths = api.get("/openapi.json").json["paths"]
    for path in (
        "/api/v1/evaluations/run",
        "/api/v1/ledger",
        "/api/v1/exports/projects.xlsx",
        "/api/v1/imports/projects",
    ):
        assert path in paths


def test_a_past_year_is_graded_on_that_years_figures(make, app):
    """Spending recorded after the evaluated year does not change that year's execution rate."""
    from datetime import date
    from decimal import Decimal

    from projectmgr.extensions import db
    from projectmgr.models import Role
    from projectmgr.services import funds, settings
    from projectmgr.services.evaluation import factors_of

    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    project = make.project(owner=owner, staff=staff, start=date(2024, 1, 1), end=date(2026, 12, 31))
    funds.record_disbursement(staff, project, date(2024, 3, 1), Decimal("100000"))
    funds.record_expenditure(owner, project, date(2024, 6, 1), "equipment", "special", Decimal("20000"), None)
    funds.record_expenditure(owner, project, date(2025, 6, 1), "equipment", "special", Decimal("60000"), None)
    db.session.commit()
    as_of = date(2026, 11, 26)
    assert factors_of(project, 2024, as_of, settings()).execution == Decimal("0.2")
    assert factors_of(project, 2025, as_of, settings()).execution == Decimal("0.8")


def test_a_bogus_grade_is_a_field_error(make, api, client):
    staff = make.user(Role.staff)
    p = _running(make, staff)
    ev = service.run_evaluation(staff, YEAR, date(YEAR, 12, 31), settings())[0]
    db.session.commit()
    r = api.as_(staff).post(f"/evaluations/{ev.id}/confirm", json={"grade": "bogus"})
    assert r.status_code == 422 and r.json["error"]["details"][0]["field"] == "grade"
    with pytest.raises(ValidationFailed) as refused:
        service.confirm(staff, ev, "bogus", "why", date(YEAR, 12, 31), settings())
    assert refused.value.details[0]["field"] == "grade"
    client.post("/login", data={"username": staff.username, "password": "password123"})
    page = client.post(
        f"/evaluation/{ev.id}", data={"grade": "bogus", "reason": "x"}, headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert "One of excellent, good, pass, fail." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Evaluation, ev.id).grade is None and p.state == State.in_progress


def test_an_earlier_years_evaluation_does_not_conclude_the_evaluation(make, api):
    """A project concluded this year: last year's grade is recorded; only this year's moves it to evaluated."""
    staff = make.user(Role.staff)
    p = _running(make, staff, start=date(YEAR - 1, 1, 1))
    p.state, p.concluded_on = State.accepted, date(YEAR, 6, 1)
    db.session.commit()
    s = api.as_(staff)
    earlier = s.post("/evaluations/run", json={"year": YEAR - 1}).json["items"][0]
    r = s.post(f"/evaluations/{earlier['id']}/confirm", json={"grade": "fail", "reason": "去年进度滞后"})
    assert r.status_code == 200, r.json
    assert r.json["grade"] == "fail" and r.json["state"] == "accepted"
    db.session.expire_all()
    assert db.session.get(type(p), p.id).evaluation_grade is None
    final = s.post("/evaluations/run", json={"year": YEAR}).json["items"][0]
    r = s.post(f"/evaluations/{final['id']}/confirm", json={"grade": "good", "reason": "按期验收"})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "evaluated"
    db.session.expire_all()
    assert db.session.get(type(p), p.id).evaluation_grade.value == "good"


def test_the_page_states_the_weights_of_the_settings(app, make, client, monkeypatch):
    staff = make.user(Role.staff)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    html = client.get("/evaluation", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "obligations met on time (30%)" in html and "Excellent ≥ 90, good ≥ 80, pass ≥ 60." in html
    custom = RuleSettings.from_mapping(
        {
            "RULE_EVALUATION_WEIGHT_ON_TIME": "0.25",
            "RULE_EVALUATION_WEIGHT_SURVEY": "0.25",
            "RULE_EVALUATION_WEIGHT_INDICATORS": "0.25",
            "RULE_EVALUATION_WEIGHT_EXECUTION": "0.25",
            "RULE_EVALUATION_EXCELLENT_FROM": "95",
        }
    )
    monkeypatch.setitem(app.extensions, "projectmgr.rules", custom)
    html = client.get("/evaluation", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "按时履行义务（25%）" in html and "95 分及以上为优秀" in html


def test_an_earlier_year_confirmed_after_the_final_grade_leaves_it(make, api):
    """Evaluated with its final grade (the `evaluate` transition); confirming an earlier year afterwards
    records that year's grade and does not touch the project's."""
    staff = make.user(Role.staff)
    p = _running(make, staff, start=date(YEAR - 2, 1, 1))
    p.state, p.concluded_on = State.accepted, date(YEAR, 6, 1)
    db.session.commit()
    s = api.as_(staff)
    r = s.post(f"/projects/{p.id}/transitions", json={"trigger": "evaluate", "grade": "excellent"})
    assert r.status_code == 200 and r.json["state"] == "evaluated", r.json
    earlier = s.post("/evaluations/run", json={"year": YEAR - 1}).json["items"][0]
    r = s.post(f"/evaluations/{earlier['id']}/confirm", json={"grade": "fail", "reason": "去年进度滞后"})
    assert r.status_code == 200 and r.json["grade"] == "fail", r.json
    db.session.expire_all()
    project = db.session.get(type(p), p.id)
    assert project.state == State.evaluated and project.evaluation_grade.value == "excellent"


def test_changing_the_final_grade_of_an_evaluated_project_is_in_its_history(make, api):
    staff = make.user(Role.staff)
    project = _running(make, staff)
    project.state, project.concluded_on = State.accepted, date(YEAR, 6, 1)
    db.session.commit()
    s = api.as_(staff)
    [ev] = s.post("/evaluations/run", json={"year": YEAR}).json["items"]
    assert s.post(f"/evaluations/{ev['id']}/confirm", json={}).json["state"] == "evaluated"
    other = "excellent" if ev["proposed_grade"] != "excellent" else "good"
    r = s.post(f"/evaluations/{ev['id']}/confirm", json={"grade": other, "reason": "复核后调整"})
    assert r.status_code == 200, r.json
    db.session.expire_all()
    assert db.session.get(type(project), project.id).evaluation_grade.value == other
    history = s.get(f"/projects/{project.id}/history").json["items"]
    assert [h["trigger"] for h in history] == ["start", "evaluate", "regrade"]
    last = history[-1]
    assert (last["from_state"], last["to_state"], last["actor"], last["comment"]) == (
        "evaluated",
        "evaluated",
        staff.username,
        "复核后调整",
    )
    assert last["details"] == {"year": YEAR, "from_grade": ev["proposed_grade"], "grade": other}
    # Confirming the same grade again changes nothing and records nothing.
    assert s.post(f"/evaluations/{ev['id']}/confirm", json={"grade": other, "reason": "再次确认"}).status_code == 200
    assert len(s.get(f"/projects/{project.id}/history").json["items"]) == 3
