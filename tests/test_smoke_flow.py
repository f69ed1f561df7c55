"""One municipal project driven through the whole lifecycle over the API."""

from projectmgr.models import Role


def test_municipal_project_from_registration_to_evaluation(api, make):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    s, o = api.as_(staff), api.as_(owner)
    pid = project.id

    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "start"})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "in_progress"
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "open_survey", "due_date": "2099-06-30"})
    assert r.json["state"] == "mid_year_survey", r.json
    r = o.post(f"/projects/{pid}/transitions", json={"trigger": "submit_survey"})
    assert r.status_code == 422 and r.json["error"]["details"][0]["check"] == "survey_report"
    r = o.post(
        f"/projects/{pid}/reports",
        json={"kind": "survey", "summary": "进展顺利", "indicators": [{"key": "sales", "achieved": 50}]},
    )
    assert r.status_code == 201, r.json
    r = o.post(f"/projects/{pid}/transitions", json={"trigger": "submit_survey"})
    assert r.json["state"] == "survey_submitted", r.json
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "accept_survey"})
    assert r.json["state"] == "in_progress"
    assert s.post(f"/projects/{pid}/disbursements", json={"date": "2026-02-01", "amount": "100000"}).status_code == 201
    assert o.post(f"/projects/{pid}/self-raised", json={"date": "2026-02-01", "amount": 100000}).status_code == 201
    r = o.post(
        f"/projects/{pid}/expenditures",
        json={"date": "2026-03-01", "category": "equipment", "source": "special", "amount": "90000.00"},
    )
    assert r.status_code == 201, r.json
    r = o.post(
        f"/projects/{pid}/reports",
        json={
            "kind": "acceptance",
            "summary": "完成",
            "indicators": [{"key": "sales", "achieved": "120"}],
            "separate_account": True,
        },
    )
    assert r.status_code == 201
    r = o.post(f"/projects/{pid}/transitions", json={"trigger": "apply_acceptance"})
    assert r.json["state"] == "acceptance_applied", r.json
    assert all(c["passed"] for c in r.json["binding_checks"]), r.json["binding_checks"]

    experts = [make.user(Role.expert, finance=i < 2, fields=["装备制造"]) for i in range(5)]
    r = s.put(f"/projects/{pid}/panel", json={"draw": {"size": 5, "seed": "audit-1"}})
    assert r.status_code == 200, r.json
    assert r.json["seed"] == "audit-1"
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "form_panel"})
    assert r.json["state"] == "under_review", r.json
    sheet = {
        "task_content": 18,
        "technical_indicators": 18,
        "economic_indicators": 9,
        "deliverables": 18,
        "funds_in_place": 9,
        "fund_usage": 9,
        "management": 9,
    }
    for e in experts:
        r = api.as_(e).put(
            f"/projects/{pid}/scores/me", json={"scores": sheet, "recommendation": "pass", "comment": "好"}
        )
        assert r.status_code == 200, r.json
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "conclude"})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "accepted"
    assert r.json["decision"]["rule"] == 5
    r = o.get(f"/projects/{pid}/scores")
    assert r.json["aggregate"] == "90.00" and r.json["grade"] == "excellent" and "members" not in r.json
    r = s.post(f"/projects/{pid}/transitions", json={"trigger": "evaluate", "grade": "excellent"})
    assert r.json["state"] == "evaluated"
    r = s.get(f"/projects/{pid}/history")
    assert [h["trigger"] for h in r.json["items"]] == [
        "start",
        "open_survey",
        "submit_survey",
        "accept_survey",
        "apply_acceptance",
        "form_panel",
        "conclude",
        "evaluate",
    ]
