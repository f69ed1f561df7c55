"""Accounts and organizations in the browser: staff create owners and experts, admins anyone;
errors beside the fields, nothing written on any error (DESIGN §11)."""

import re

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import ExpertProfile, Organization, Role, User
from projectmgr.rules.credit_code import is_valid_credit_code, make_credit_code


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _error(html: str, field: str) -> str | None:
    m = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return m.group(1) if m else None


def test_staff_create_an_owner_of_a_new_organization(make, browser):
    staff = make.user(Role.staff)
    b = browser().login(staff)
    code = make_credit_code("91410000700000123")
    assert is_valid_credit_code(code)
    r = b.post("/organizations/new", data={"name": "济源市新材料有限公司", "kind": "enterprise", "credit_code": code})
    assert r.status_code == 302
    org = db.session.scalar(select(Organization).where(Organization.credit_code == code))
    assert org is not None and org.name == "济源市新材料有限公司"
    r = b.post(
        "/accounts/new",
        data={
            "username": "xincailiao",
            "display_name": "钱新材",
            "password": "secret-123",
            "role": "owner",
            "organization_id": str(org.id),
            "email": "qian@example.com",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    owner = db.session.scalar(select(User).where(User.username == "xincailiao"))
    assert owner.role == Role.owner and owner.organization_id == org.id and owner.email == "qian@example.com"
    assert owner.check_password("secret-123")
    page = b.get("/accounts?q=xincailiao", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'data-username="xincailiao"' in page and "济源市新材料有限公司" in page


def test_staff_create_an_expert_with_profile_and_conflicts(make, browser):
    staff = make.user(Role.staff)
    org = make.organization("清水源")
    b = browser().login(staff)
    r = b.post(
        "/accounts/new",
        data={
            "username": "expert-new",
            "display_name": "冯审计",
            "password": "secret-123",
            "role": "expert",
            "fields": "财务审计，矿用机电",
            "title": "高级会计师",
            "finance": "y",
            "conflicts": [str(org.id)],
        },
    )
    assert r.status_code == 302
    expert = db.session.scalar(select(User).where(User.username == "expert-new"))
    profile = db.session.get(ExpertProfile, expert.id)
    assert profile.fields == ["财务审计", "矿用机电"] and profile.finance and profile.title == "高级会计师"
    assert [c.organization_id for c in profile.conflicts] == [org.id]
    page = b.get("/accounts?role=expert", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    row = re.search(r'<tr data-username="expert-new".*?</tr>', page, re.S).group(0)
    assert "财务审计、矿用机电" in row and "高级会计师" in row and "回避单位： 清水源" in row


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "short"}, "password", "Field must be between 8 and 200 characters long."),
        ({"username": "has space"}, "username", "Letters, digits, '.', '_' and '-' only."),
        ({"username": "taken"}, "username", "The username taken is taken."),
        ({"organization_id": ""}, "organization_id", "A project owner belongs to an organization."),
        ({"email": "not-an-address"}, "email", "Not an email address."),
        ({"role": "staff"}, "role", "Not a valid choice."),  # staff may not create staff
    ],
)
def test_refused_account_keeps_the_input_and_writes_nothing(make, browser, overrides, field, message):
    staff = make.user(Role.staff)
    make.user(Role.expert, username="taken")
    org = make.organization()
    before = _count(User)
    data = {
        "username": "newowner",
        "display_name": "新负责人",
        "password": "secret-123",
        "role": "owner",
        "organization_id": str(org.id),
    }
    r = browser().login(staff).post("/accounts/new", data={**data, **overrides}, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert _error(html, field) == message, html[html.find("<main") : html.find("<main") + 3000]
    assert 'value="新负责人"' in html  # kept
    assert _count(User) == before


def test_admin_may_create_staff_and_leaders(make, browser):
    admin = make.user(Role.admin)
    html = browser().login(admin).get("/accounts/new").get_data(as_text=True)
    for role in ("owner", "expert", "staff", "leader", "admin"):
        assert f'<option value="{role}"' in html
    staff_page = browser().login(make.user(Role.staff)).get("/accounts/new").get_data(as_text=True)
    assert '<option value="owner"' in staff_page and '<option value="staff"' not in staff_page


def test_a_wrong_or_taken_credit_code_is_refused_beside_the_field(make, browser):
    staff = make.user(Role.staff)
    org = make.organization()
    b = browser().login(staff)
    before = _count(Organization)
    bad = org.credit_code[:-1] + ("0" if org.credit_code[-1] != "0" else "1")
    for code, message in (
        (bad, "Not a valid unified social credit code (GB 32100-2015 check digit)."),
        (org.credit_code, f"An organization with credit code {org.credit_code} exists already."),
    ):
        r = b.post(
            "/organizations/new",
            data={"name": "某公司", "kind": "enterprise", "credit_code": code},
            headers={"Accept-Language": "en"},
        )
        assert r.status_code == 422
        assert _error(r.get_data(as_text=True), "credit_code") == message
    assert _count(Organization) == before


@pytest.mark.parametrize("role", [Role.owner, Role.expert, Role.leader])
def test_accounts_are_for_staff_only(make, browser, role):
    user = make.user(role)
    b = browser().login(user)
    assert b.get("/accounts").status_code == 403
    assert b.post("/accounts/new", data={"username": "x"}).status_code == 403
    assert b.post("/organizations/new", data={"name": "x"}).status_code == 403


def test_search_takes_underscores_literally_and_fields_split_on_the_chinese_comma(make, browser):
    staff = make.user(Role.staff)
    b = browser().login(staff)
    r = b.post(
        "/accounts/new",
        data={
            "username": "li_wei",
            "display_name": "李伟",
            "password": "secret-123",
            "role": "expert",
            "fields": "财务审计、矿用机电；装备制造",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/accounts?q=li_wei")
    make.user(Role.expert, username="lixwei")  # would match if "_" were a wildcard
    page = b.get("/accounts?q=li_wei").get_data(as_text=True)
    assert 'data-username="li_wei"' in page and 'data-username="lixwei"' not in page
    expert = db.session.scalar(select(User).where(User.username == "li_wei"))
    assert db.session.get(ExpertProfile, expert.id).fields == ["财务审计", "矿用机电", "装备制造"]


def test_a_pasted_credit_code_is_trimmed(make, browser):
    code = make_credit_code("91410000700000456")
    r = (
        browser()
        .login(make.user(Role.staff))
        .post(
            "/organizations/new", data={"name": "某公司", "kind": "enterprise", "credit_code": f"  {code.lower()} \n"}
        )
    )
    assert r.status_code == 302
    assert db.session.scalar(select(Organization).where(Organization.credit_code == code)) is not None
