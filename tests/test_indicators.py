"""Staff set or adjust a running project's task-book indicators (PUT /projects/{id}/indicators and
the project page): a project moved in from a workbook arrives without them and can then be accepted
against them. Keys keep their reported values; a reported key cannot be dropped; the change is one
history row; only staff, only before the acceptance is applied for; bad bodies write nothing."""

from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import Indicator, IndicatorValue, Level, Project, Role, State, TransitionRecord, User
from tests.test_api_validation import assert_error, writes_nothing
from tests.test_moving_in import AS_OF, _fixed_2024, _map, _suggested, _upload
from tests.test_panels import applied_project

SALES = {"key": "sales", "name": "销售收入", "unit": "万元", "target": "100"}
PATENTS = {"key": "patents", "name": "发明专利", "unit": "件", "target": "3", "weight": "2"}


def body(*indicators, comment="任务书调整：按专家论证意见补充考核指标"):
    return {"indicators": list(indicators), "comment": comment}


def indicators_and_history(project_id: int):
    keys = db.session.scalars(select(Indicator.key).where(Indicator.project_id == project_id)).all()
    triggers = db.session.scalars(
        select(TransitionRecord.trigger).where(TransitionRecord.project_id == project_id)
    ).all()
    return sorted(keys), sorted(triggers)


def running(make, api):
    staff, owner = make.user(Role.staff), make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    s = api.as_(staff)
    assert s.post(f"/projects/{project.id}/transitions", json={"trigger": "start"}).status_code == 200
    return project, s, api.as_(owner)


def test_staff_add_and_adjust_indicators_with_one_history_row(make, api):
    project, s, _o = running(make, api)
    sales_id = db.session.scalar(select(Indicator.id).where(Indicator.project_id == project.id))
    r = s.put(f"/projects/{project.id}/indicators", json=body({**SALES, "target": "120"}, PATENTS))
    assert r.status_code == 200, r.json
    assert [(i["key"], i["target"], i["weight"]) for i in r.json["indicators"]] == [
        ("sales", "120", "1"),
        ("patents", "3", "2"),
    ]
    # The same key is the same indicator (its reported values stay attached to it).
    assert db.session.scalar(select(Indicator.id).where(Indicator.key == "sales")) == sales_id
    history = db.session.scalars(
        select(TransitionRecord).where(TransitionRecord.project_id == project.id).order_by(TransitionRecord.id)
    ).all()
    last = history[-1]
    assert (last.trigger, last.from_state, last.to_state) == ("set_indicators", State.in_progress, State.in_progress)
    assert last.comment.startswith("任务书调整")
    assert [i["target"] for i in last.details["before"]] == ["100"]
    assert [i["key"] for i in last.details["after"]] == ["sales", "patents"]
    h = s.get(f"/projects/{project.id}/history").json["items"]
    assert h[-1]["trigger"] == "set_indicators"


def test_a_reported_indicator_cannot_be_dropped_but_can_be_adjusted(make, api):
    project, s, o = running(make, api)
    r = o.post(
        f"/projects/{project.id}/reports",
        json={"kind": "acceptance", "summary": "进展", "indicators": [{"key": "sales", "achieved": "60"}]},
    )
    assert r.status_code == 201, r.json
    with writes_nothing():
        details = assert_error(s.put(f"/projects/{project.id}/indicators", json=body(PATENTS)), 422, "validation_error")
    assert [d["field"] for d in details] == ["indicators"] and "sales" in details[0]["message"]
    r = s.put(f"/projects/{project.id}/indicators", json=body({**SALES, "target": "50"}, PATENTS))
    assert r.status_code == 200, r.json
    sales = next(i for i in r.json["indicators"] if i["key"] == "sales")
    assert (sales["achieved"], sales["completion"]) == ("60", "1")  # 60 of 50: complete (capped at 1)
    assert db.session.scalar(select(IndicatorValue.achieved)) == 60


def test_bad_bodies_are_named_and_write_nothing(make, api):
    project, s, _o = running(make, api)
    url = f"/projects/{project.id}/indicators"
    cases = [
        (body(SALES, {**SALES, "name": "另一个"}), "indicators[1].key"),
        (body(), "indicators"),
        (body({**SALES, "target": "0"}), "indicators[0].target"),
        (body({**SALES, "key": "Sales Revenue"}), "indicators[0].key"),
        (body(SALES, comment=""), "comment"),
        ({"indicators": [SALES]}, "comment"),
        ({**body(SALES), "extra": 1}, "extra"),
    ]
    for payload, field in cases:
        with writes_nothing():
            details = assert_error(s.put(url, json=payload), 422, "validation_error")
        assert field in [d["field"] for d in details], (payload, details)


def test_only_staff_and_only_before_the_acceptance_is_applied_for(make, api):
    project, s, o = running(make, api)
    url = f"/projects/{project.id}/indicators"
    before = indicators_and_history(project.id)
    for role in (Role.owner, Role.expert, Role.leader, Role.auditor, Role.security_officer):
        user = o if role is Role.owner else api.as_(make.user(role))
        r = user.put(url, json=body(PATENTS))
        assert r.status_code in (403, 404), (role, r.status_code)
    assert_error(o.put(url, json=body(PATENTS)), 403, "forbidden")
    assert indicators_and_history(project.id) == before
    case = applied_project(make, api)
    with writes_nothing():
        assert_error(case.s.put(case.url("/indicators"), json=body(SALES, PATENTS)), 409, "conflict")


def test_a_moved_in_project_gets_its_indicators_and_reports_against_them(api, make, tmp_path):
    make.plan(Level.municipal)
    staff = make.user(Role.staff)
    s = api.as_(staff)
    upload = _upload(s, _fixed_2024(tmp_path)).get_json()
    _map(s, upload["id"], "2024年项目", _suggested(upload["sheets"][0]))
    assert s.post(f"/imports/workbooks/{upload['id']}/commit?as_of={AS_OF}").status_code == 200
    project = db.session.scalar(select(Project).where(Project.code == "AYKJ2022-007"))
    assert project.state == State.in_progress and project.indicators == []
    # Without indicators the acceptance report has nothing to measure: staff set them first.
    r = s.put(f"/projects/{project.id}/indicators?as_of={AS_OF}", json=body(SALES, PATENTS))
    assert r.status_code == 200, r.json
    owner = db.session.get(User, project.owner_id)
    owner.active = True  # invited
    db.session.commit()
    r = api.as_(owner).post(
        f"/projects/{project.id}/reports",
        json={
            "kind": "acceptance",
            "summary": "已完成",
            "indicators": [{"key": "sales", "achieved": "100"}, {"key": "patents", "achieved": "3"}],
        },
    )
    assert r.status_code == 201, r.json
    detail = s.get(f"/projects/{project.id}").json
    assert detail["indicator_completion"] == "1"
    assert [h["trigger"] for h in s.get(f"/projects/{project.id}/history").json["items"]] == [
        "migrate",
        "set_indicators",
    ]


# --- the page -------------------------------------------------------------------------------


def rows(*indicators) -> dict:
    form = {}
    for n, ind in enumerate(indicators):
        for key, value in ind.items():
            form[f"indicator_rows-{n}-{key}"] = value
    return form


def test_the_page_adjusts_the_indicators_and_names_bad_rows(make, api, app):
    from tests.web.conftest import Browser

    project, _s, _o = running(make, api)
    staff = make.user(Role.staff)
    b = Browser(app.test_client()).login(staff)
    page = b.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="set-indicators"' in page
    form = b.get(f"/projects/{project.id}/indicators").get_data(as_text=True)
    assert 'value="sales"' in form and 'name="indicator_rows-3-key"' in form  # the row and three free ones

    r = b.post(
        f"/projects/{project.id}/indicators",
        data={**rows(SALES, {"key": "patents", "name": "发明专利"}), "comment": "调整"},
    )
    assert r.status_code == 422
    named = r.get_data(as_text=True)
    assert 'id="indicator_rows-1-unit-error"' in named and 'id="indicator_rows-1-target-error"' in named
    r = b.post(f"/projects/{project.id}/indicators", data={**rows(SALES, SALES), "comment": "调整"})
    assert r.status_code == 422 and "sales" in r.get_data(as_text=True).split('id="indicators-error">')[1][:80]
    assert indicators_and_history(project.id) == (["sales"], ["start"])

    r = b.post(f"/projects/{project.id}/indicators", data={**rows(SALES, PATENTS), "comment": "补充专利指标"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/projects/{project.id}#indicators")
    assert indicators_and_history(project.id) == (["patents", "sales"], ["set_indicators", "start"])
    page = b.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "发明专利" in page


def test_the_page_is_for_staff_and_closed_after_the_application(make, api, app):
    from tests.web.conftest import Browser

    project, _s, _o = running(make, api)
    owner = db.session.get(User, project.owner_id)
    b = Browser(app.test_client()).login(owner)
    assert b.get(f"/projects/{project.id}/indicators").status_code == 403
    assert 'id="set-indicators"' not in b.get(f"/projects/{project.id}").get_data(as_text=True)
    case = applied_project(make, api)
    s = Browser(app.test_client()).login(case.staff)
    assert 'id="set-indicators"' not in s.get(case.url()).get_data(as_text=True)
    r = s.post(case.url("/indicators"), data={**rows(SALES, PATENTS), "comment": "调整"})
    assert r.status_code == 409
    assert indicators_and_history(case.pid)[0] == ["sales"]
