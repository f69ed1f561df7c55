"""The Chinese catalog covers every user-visible string, pages follow the chosen language, and the
bureau's words (GLOSSARY.md) are the ones the labels show."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from projectmgr import labels
from projectmgr.models import Role

ROOT = Path(__file__).resolve().parent.parent
ZH_PO = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
# The keywords of `make extract-messages`: Babel's defaults, plus the lazy forms.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,  # rule messages (projectmgr.rules.money.Message)
    "_l": None,
    "lazy_gettext": None,
    "_lp": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")


def _extracted() -> dict[tuple[str | None, str], str | tuple]:
    """Every message in the current sources, as `make extract-messages` finds them."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if ".venv" in Path(filename).parts:
            continue
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found[(context, key)] = message
    return found


@pytest.fixture(scope="module")
def zh_catalog():
    with open(ZH_PO, "rb") as f:
        return read_po(f, locale="zh")


def test_the_sources_are_extracted():
    # A guard against an extraction that silently finds nothing (a wrong babel.cfg or keyword).
    found = _extracted()
    assert len(found) > 300
    assert (None, "Sign in") in found and ("recommendation", "Pass") in found


def test_every_message_has_a_chinese_translation(zh_catalog):
    problems = []
    for (context, key), message in sorted(_extracted().items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        entry = zh_catalog.get(key, context=context)
        if entry is None:
            problems.append(f"missing: {key!r} (run `make extract-messages` and translate)")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(s.strip() for s in strings):
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        ids = message if isinstance(message, tuple) else (message,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != wanted:
                problems.append(f"placeholders differ: {key!r} -> {s!r}")
    assert not problems, "\n".join(problems)


def test_no_chinese_entry_is_left_english(zh_catalog):
    # A translator who copies the msgid leaves English on a Chinese page.
    copied = [m.id for m in zh_catalog if m.id and m.string and m.string == m.id and re.search("[A-Za-z]{3}", m.id)]
    assert not copied


@pytest.mark.parametrize(
    ("accept", "lang", "present", "absent"),
    [
        ("zh-CN,zh;q=0.9", "zh-CN", ["登录", "用户名", "密码", "科技局"], ["Sign in", "Username"]),
        ("en-US,en;q=0.9", "en", ["Sign in", "Username", "Password"], ["登录", "用户名"]),
        ("", "zh-CN", ["登录"], ["Sign in"]),  # no preference: Chinese, the bureau's language
    ],
)
def test_login_page_speaks_the_browsers_language(client, accept, lang, present, absent):
    response = client.get("/login", headers={"Accept-Language": accept} if accept else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


def test_project_page_in_chinese_uses_the_glossary(make, client):
    staff = make.user(Role.staff)
    project = make.project(staff=staff)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    html = client.get(f"/projects/{project.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    for word in ("已立项", "启动实施", "约束性指标", "绩效指标", "承担单位", "项目负责人", "专项资金不超预算"):
        assert word in html, word
    # The binding indicators' details are sentences in the page's language, not the rules' English.
    assert "自筹资金已到位" in html and "self-raised arrived" not in html


def test_api_speaks_english_unless_asked(make, api):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    refused = api.as_(owner).post(f"/projects/{project.id}/transitions", json={"trigger": "start"})
    assert refused.status_code in (403, 409, 422)
    assert re.search("[A-Za-z]", refused.get_json()["error"]["message"])
    assert not re.search("[\u4e00-\u9fff]", refused.get_data(as_text=True))


@pytest.mark.parametrize(
    ("kind", "key", "zh"),
    [
        ("state", "approved", "已立项"),
        ("state", "rectifying", "整改中"),
        ("state", "accepted", "通过验收"),
        ("state", "failed", "不通过验收"),
        ("state", "closed_out", "结题"),
        ("trigger", "start", "启动实施"),
        ("trigger", "open_survey", "发起半年调研"),
        ("trigger", "return_survey", "退回修改"),
        ("trigger", "form_panel", "组建专家组"),
        ("trigger", "conclude", "形成验收结论"),
        ("trigger", "record_conclusion", "登记上级验收结论"),
        ("trigger", "reapply", "整改后重新申请"),
        ("trigger", "expire", "逾期未验收（视为不通过）"),
        ("category", "testing", "测试化验加工费"),
        ("category", "travel_meeting", "差旅/会议/国际合作交流费"),
        ("category", "publication_ip", "出版/文献/信息传播/知识产权事务费"),
        ("category", "other", "其他支出"),
        ("org_kind", "other", "其他"),
        ("grade", "pass", "合格"),
        ("recommendation", "pass", "通过"),
        ("recommendation", "fail", "不通过"),
        ("source", "special", "专项资金"),
        ("binding", "self_raised_in_place", "自筹资金到位"),
        ("flag", "seasonal", "季节性强"),
        ("role", "owner", "项目负责人"),
        ("role", "expert", "评审专家"),
    ],
)
def test_glossary_words(app, kind, key, zh):
    with app.test_request_context(), force_locale("zh"):
        assert labels.label(kind, key) == zh


def test_every_label_translates_to_chinese(app):
    with app.test_request_context():
        with force_locale("en"):
            english = {(kind, key): str(text) for kind, texts in labels.ALL.items() for key, text in texts.items()}
        with force_locale("zh"):
            chinese = {(kind, key): str(text) for kind, texts in labels.ALL.items() for key, text in texts.items()}
    untranslated = [k for k, text in chinese.items() if not re.search("[\u4e00-\u9fff]", text)]
    assert not untranslated
    assert english[("state", "approved")] == "Approved"


def test_placeholders_are_filled_in_chinese(app):
    with app.test_request_context(), force_locale("zh"):
        text = gettext("The panel has %(size)s members; it needs at least %(min)s and an odd number.", size=4, min=5)
    assert text == "专家组现有 4 人，须不少于 5 人且为单数。"


def test_missing_catalogs_fall_back_to_english(app, monkeypatch):
    # A fresh clone before `make translations` has no .mo files: the pages still work, in English.
    from flask_babel import get_babel

    config = get_babel(app)
    monkeypatch.setattr(config, "translation_directories", [str(ROOT / "no-such-directory")])
    monkeypatch.setattr(config.instance.domain_instance, "cache", {})
    with app.test_request_context(), force_locale("zh"):
        assert labels.label("state", "approved") == "Approved"
        assert gettext("Your total: %(t)s", t="88.50") == "Your total: 88.50"
    monkeypatch.undo()
    with app.test_request_context(), force_locale("zh"):
        assert labels.label("state", "approved") == "已立项"


def test_money_errors_beside_a_field_follow_the_page_language(make, client):
    """The rules' own messages (rules.money) are translated where they reach a page."""
    from tests.web.test_staff_pages import form_data

    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    plan = make.plan(min_self_raised_ratio=1)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    for lang, text in (("zh-CN", "最多保留 2 位小数"), ("en", "must have at most 2 decimal places")):
        r = client.post(
            "/projects/new", data=form_data(owner, plan, special_funds="1.234"), headers={"Accept-Language": lang}
        )
        assert r.status_code == 422
        error = re.search(r'<p class="error" id="special_funds-error">([^<]*)</p>', r.get_data(as_text=True))
        assert error and error.group(1) == text


@pytest.mark.parametrize(
    ("body", "field", "zh", "en"),
    [
        ({"code": "X"}, "title", "必填。", "Required."),
        ({"unknown": 1}, "unknown", "未知字段。", "Unknown field."),
        ({"plan_id": "one"}, "plan_id", "须为整数。", "Must be a whole number."),
        ({"plan_id": 0}, "plan_id", "不能小于 1。", "Must be at least 1."),
        ({"start_date": "2026-13-01"}, "start_date", "请按 YYYY-MM-DD 格式填写日期。", "A date as YYYY-MM-DD."),
        ({"indicators": []}, "indicators", "至少需要一项绩效指标。", "At least one indicator is required."),
        ({"special_funds": "1.234"}, "special_funds", "最多保留 2 位小数", "must have at most 2 decimal places"),
    ],
)
def test_api_validation_messages_in_the_asked_language(make, api, body, field, zh, en):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    for lang, text in (("zh-CN", zh), ("en", en)):
        r = s.client.post("/api/v1/projects", json=body, headers={**s._headers(), "Accept-Language": lang})
        assert r.status_code == 422, r.json
        messages = {d["field"]: d["message"] for d in r.json["error"]["details"]}
        assert messages.get(field) == text, messages


def test_score_errors_follow_the_language(app):
    from projectmgr.i18n import translate
    from projectmgr.rules.scoring import DEFAULT_SCORESHEET, validate_scores

    _parsed, errors = validate_scores(DEFAULT_SCORESHEET, {c.key: "1" for c in DEFAULT_SCORESHEET} | {"x": 1})
    first = DEFAULT_SCORESHEET[0]
    _parsed, over = validate_scores(DEFAULT_SCORESHEET, {c.key: "0" for c in DEFAULT_SCORESHEET} | {first.key: 999})
    with app.test_request_context(), force_locale("zh"):
        assert [translate(m) for _f, m in errors] == ["不是本评分表的评分项"]
        assert [translate(m) for _f, m in over] == [f"须在 0 至 {first.max} 之间"]
    assert [str(m) for _f, m in over] == [f"must be between 0 and {first.max}"]
