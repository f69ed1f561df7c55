"""The expert reviewer's pages: my reviews, the blind scoresheet, scoring, the freeze after the
conclusion, and declaring a conflict (DESIGN §6, §11; issue 4 item 3)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import Panel, PanelMember, Project, Role, Score
from projectmgr.rules.scoring import DEFAULT_SCORESHEET
from tests.test_panels import applied_project, experts, formed_panel, score

CRITERIA = [c.key for c in DEFAULT_SCORESHEET]


@pytest.fixture
def review(make, api):
    """A municipal project under review with a formed panel of five."""
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    return case, members


def form_data(points: dict | None = None, **extra) -> dict:
    values = {c.key: str(c.max) for c in DEFAULT_SCORESHEET}  # 100 points
    values.update(points or {})
    data = {f"score_{k}": v for k, v in values.items()}
    data.update({"recommendation": "pass", "comment": "材料齐全"})
    data.update(extra)
    return data


def score_row(expert):
    return db.session.scalar(
        select(Score).join(PanelMember, PanelMember.id == Score.member_id).where(PanelMember.expert_id == expert.id)
    )


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


# --- my reviews -------------------------------------------------------------------------------


def test_reviews_lists_the_panels_with_their_state(review, browser):
    case, members = review
    page = browser().login(members[0]).get("/reviews")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    project = db.session.get(Project, case.pid)
    assert project.code in html and project.title in html and project.organization.name in html
    assert f"/projects/{case.pid}/score" in html
    assert "score-total" not in html
    assert 'class="tag todo"' in html and 'class="tag ok"' not in html

    assert score(case, members[0], 87).status_code == 200
    html = browser().login(members[0]).get("/reviews").get_data(as_text=True)
    assert 'class="tag ok"' in html and "87.00" in html


def test_reviews_shows_a_declared_conflict(review, browser):
    case, members = review
    r = case.api.as_(members[1]).post(case.url("/panel/conflict"), json={"reason": "同一课题组"})
    assert r.status_code == 200, r.json
    html = browser().login(members[1]).get("/reviews").get_data(as_text=True)
    assert 'class="tag warn"' in html
    assert f"/projects/{case.pid}/score" not in html


@pytest.mark.parametrize("role", [Role.owner, Role.staff, Role.leader])
def test_reviews_is_for_experts_only(make, browser, role):
    user = make.user(role)
    assert browser().login(user).get("/reviews").status_code == 403


def test_an_expert_with_no_panel_sees_an_empty_list(make, browser):
    page = browser().login(make.user(Role.expert)).get("/reviews")
    assert page.status_code == 200
    assert 'class="empty"' in page.get_data(as_text=True)


# --- the scoresheet ---------------------------------------------------------------------------


def test_scoresheet_shows_each_criterion_with_its_maximum_and_a_live_total(review, browser):
    case, members = review
    html = browser().login(members[0]).get(f"/projects/{case.pid}/score").get_data(as_text=True)
    for c in DEFAULT_SCORESHEET:
        assert c.name_zh in html  # the default locale is Chinese
        tag = re.search(rf'<input[^>]*name="score_{c.key}"[^>]*>', html).group(0)
        assert f'max="{c.max}"' in tag and 'min="0"' in tag and 'step="0.5"' in tag
        assert f'data-criterion="{c.key}"' in tag and 'type="number"' in tag
    assert 'id="score-total"' in html
    # The materials: indicators with target and achieved, the funds, the binding indicators.
    assert "销售收入" in html and "100000.00" in html
    assert 'name="recommendation"' in html and 'name="integrity_concern"' in html and 'name="comment"' in html


def test_scoresheet_in_english_shows_english_criterion_names(review, browser):
    case, members = review
    b = browser().login(members[0])
    b.post("/lang", data={"lang": "en"})
    html = b.get(f"/projects/{case.pid}/score").get_data(as_text=True)
    assert all(c.name_en in html for c in DEFAULT_SCORESHEET)


def test_scoresheet_shows_own_previous_scores_and_nothing_of_other_members(review, browser):
    case, members = review
    assert score(case, members[0], 83, comment="本人意见：经济指标偏弱").status_code == 200
    assert score(case, members[1], 61, comment="另一位专家的秘密意见", integrity_concern=True).status_code == 200
    html = browser().login(members[0]).get(f"/projects/{case.pid}/score").get_data(as_text=True)
    assert "本人意见：经济指标偏弱" in html
    assert "83.00" in html  # own total
    assert input_value(html, "score_task_content") == "20"
    assert "另一位专家的秘密意见" not in html
    assert "61.00" not in html
    assert members[1].display_name not in html
    # Before the conclusion the integrity check's figures would count the others' flags.
    assert "panel members flagged" not in html


def test_posting_valid_scores_saves_them(review, browser):
    case, members = review
    data = form_data({"task_content": "18.5", "management": "7"}, recommendation="rectify", integrity_concern="y")
    page = browser().login(members[0]).post(f"/projects/{case.pid}/score", data=data)
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/projects/{case.pid}/score")
    row = score_row(members[0])
    assert row is not None
    assert row.total == Decimal("95.50")
    assert Decimal(row.scores["task_content"]) == Decimal("18.5")
    assert row.recommendation.value == "rectify" and row.integrity_concern is True and row.comment == "材料齐全"


@pytest.mark.parametrize(
    "value, ok",
    [
        ("0", True),
        ("20", True),
        ("19.75", True),
        ("20.01", False),
        ("25", False),
        ("-1", False),
        ("abc", False),
        ("", False),
    ],
)
def test_a_score_outside_the_criterion_range_is_refused_beside_it(review, browser, value, ok):
    case, members = review
    page = browser().login(members[0]).post(f"/projects/{case.pid}/score", data=form_data({"task_content": value}))
    if ok:
        assert page.status_code == 302
        assert Decimal(score_row(members[0]).scores["task_content"]) == Decimal(value)
        return
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    error = re.search(r'<p class="error" id="score_task_content-error">([^<]*)</p>', html)
    assert error and "20" in error.group(1)
    assert 'id="score_deliverables-error"' not in html  # only the bad criterion
    assert input_value(html, "score_task_content") == value  # what was entered stays
    assert input_value(html, "score_deliverables") == "20"
    assert score_row(members[0]) is None


def test_an_invalid_edit_keeps_the_previous_scores(review, browser):
    case, members = review
    assert score(case, members[0], 90, comment="第一次").status_code == 200
    page = (
        browser()
        .login(members[0])
        .post(f"/projects/{case.pid}/score", data=form_data({"funds_in_place": "11"}, comment="第二次"))
    )
    assert page.status_code == 422
    assert 'id="score_funds_in_place-error"' in page.get_data(as_text=True)
    db.session.expire_all()
    row = score_row(members[0])
    assert row.total == Decimal("90.00") and row.comment == "第一次"


def test_a_missing_recommendation_is_reported_beside_it(review, browser):
    case, members = review
    page = browser().login(members[0]).post(f"/projects/{case.pid}/score", data=form_data(recommendation=""))
    assert page.status_code == 422
    assert 'id="recommendation-error"' in page.get_data(as_text=True)
    assert score_row(members[0]) is None


def test_after_the_conclusion_the_scoresheet_is_frozen(review, browser):
    case, members = review
    for i, m in enumerate(members):
        assert score(case, m, 90, comment=f"意见{i}").status_code == 200
    r = case.fire("conclude")
    assert r.status_code == 200 and r.json["state"] == "accepted", r.json
    b = browser().login(members[0])
    html = b.get(f"/projects/{case.pid}/score").get_data(as_text=True)
    sheet = html.split('id="scoresheet"')[1].split("</section>")[0]
    assert 'class="notice"' in sheet and "<button" not in sheet
    assert all(" disabled" in tag for tag in re.findall(r'<input[^>]*name="score_[^>]*>', sheet))
    assert f'action="/projects/{case.pid}/conflict"' not in html

    page = b.post(f"/projects/{case.pid}/score", data=form_data({"task_content": "1"}, comment="改分"))
    assert page.status_code == 409
    assert 'class="flash error"' in page.get_data(as_text=True)
    db.session.expire_all()
    row = score_row(members[0])
    assert row.total == Decimal("90.00") and row.comment == "意见0"


def test_a_draft_panel_member_sees_a_closed_scoresheet(make, api, browser):
    case = applied_project(make, api)
    members = experts(make, 5)
    assert case.s.put(case.url("/panel"), json={"expert_ids": [m.id for m in members]}).status_code == 200
    b = browser().login(members[0])
    assert 'class="notice"' in b.get(f"/projects/{case.pid}/score").get_data(as_text=True)
    assert b.post(f"/projects/{case.pid}/score", data=form_data()).status_code == 409
    assert score_row(members[0]) is None


def test_other_users_cannot_open_the_scoresheet(review, make, browser):
    case, members = review
    outsider = make.user(Role.expert)
    assert browser().login(outsider).get(f"/projects/{case.pid}/score").status_code == 404
    assert browser().login(outsider).post(f"/projects/{case.pid}/score", data=form_data()).status_code == 404
    assert browser().login(case.owner).get(f"/projects/{case.pid}/score").status_code == 403
    assert browser().login(case.staff).get(f"/projects/{case.pid}/score").status_code == 403
    assert browser().login(members[0]).get("/projects/999999/score").status_code == 404
    assert score_row(outsider) is None


# --- conflict of interest ---------------------------------------------------------------------


def test_declaring_a_conflict_withdraws_the_expert(review, browser):
    case, members = review
    assert score(case, members[2], 80).status_code == 200
    b = browser().login(members[2])
    html = b.get(f"/projects/{case.pid}/score").get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="/projects/{case.pid}/conflict"[^>]*>', html).group(0)
    assert "data-confirm=" in form

    page = b.post(f"/projects/{case.pid}/conflict", data={"reason": "曾在该单位任职"})
    assert page.status_code == 302 and page.headers["Location"].endswith("/reviews")
    member = db.session.scalar(select(PanelMember).where(PanelMember.expert_id == members[2].id))
    assert member.conflict_declared_at is not None and member.conflict_reason == "曾在该单位任职"
    assert score_row(members[2]) is None  # the withdrawn expert's scores no longer count
    assert b.get(f"/projects/{case.pid}/score").status_code == 403
    assert b.post(f"/projects/{case.pid}/score", data=form_data()).status_code == 403


def test_a_conflict_needs_a_reason(review, browser):
    case, members = review
    page = browser().login(members[0]).post(f"/projects/{case.pid}/conflict", data={"reason": ""})
    assert page.status_code == 422
    assert 'id="reason-error"' in page.get_data(as_text=True)
    member = db.session.scalar(select(PanelMember).where(PanelMember.expert_id == members[0].id))
    assert member.conflict_declared_at is None


def test_only_panel_members_declare_conflicts(review, make, browser):
    case, _members = review
    assert (
        browser().login(make.user(Role.expert)).post(f"/projects/{case.pid}/conflict", data={"reason": "x"}).status_code
        == 404
    )
    assert browser().login(case.owner).post(f"/projects/{case.pid}/conflict", data={"reason": "x"}).status_code == 403


def test_reviews_marks_scores_past_their_deadline(review, browser):
    case, members = review
    panel = db.session.scalar(select(Panel).where(Panel.project_id == case.pid))
    panel.scoring_due = date.today() - timedelta(days=1)
    db.session.commit()
    assert 'class="tag warn"' in browser().login(members[0]).get("/reviews").get_data(as_text=True)
    assert score(case, members[1], 80).status_code == 200  # a member who scored is not late
    assert 'class="tag warn"' not in browser().login(members[1]).get("/reviews").get_data(as_text=True)
