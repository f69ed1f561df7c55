"""Defects found by probing the running app as an outside tester would (issue 13 items 10, 11, 16,
17, 18): each test failed on the code before its fix."""

import re

import pytest

from projectmgr.converters import ID_MAX, IdConverter
from projectmgr.models import Role

HUGE = "99999999999999999999"  # past SQLite's 64-bit integers, let alone the 32-bit ids


def _huge_urls(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IdConverter) for c in rule._converters.values()):
            url = re.sub(r"<int:\w+>", HUGE, rule.rule)
            url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302
    return client


def test_every_int_route_uses_the_id_converter(app):
    int_rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(int_rules) > 30
    for rule in int_rules:
        converters = [c for name, c in rule._converters.items() if f"<int:{name}>" in rule.rule]
        assert converters and all(type(c) is IdConverter and c.max == ID_MAX for c in converters), rule.rule


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/v1/evaluations/{}"),
        ("POST", "/api/v1/evaluations/{}/confirm"),
        ("POST", "/api/v1/notifications/{}/read"),
        ("GET", "/api/v1/ledger/targets/{}"),
        ("GET", "/api/v1/projects/{}"),
        ("GET", "/api/v1/projects/2147483648"),
    ],
)
def test_too_large_ids_are_404_in_the_api(api, make, method, url):
    s = api.as_(make.user(Role.staff))
    r = s.client.open(url.format(HUGE), method=method, headers=s._headers(), json={})
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "url", ["/ledger/targets/{}", "/evaluation/{}", "/attachments/{}", "/ledger/evidence/{}", "/projects/{}"]
)
def test_too_large_ids_are_404_on_the_pages(app, make, url):
    assert signed_in(app, make.user(Role.staff)).get(url.format(HUGE)).status_code == 404


def test_too_large_ids_are_404_on_every_route(app, api, make):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    page_client = signed_in(app, staff)
    seen = 0
    for method, url in _huge_urls(app):
        client = s.client if url.startswith("/api/") else page_client
        headers = s._headers() if url.startswith("/api/") else {}
        r = client.open(url, method=method, headers=headers)
        assert r.status_code == 404, (method, url, r.status_code)
        seen += 1
    assert seen > 40


def test_the_id_pattern_admits_exactly_0_to_id_max():
    pattern = re.compile(IdConverter.regex)
    for n in (0, 7, 10, 99, 2**31 - 2, ID_MAX, 1999999999, 2147483639, 2147483640):
        assert pattern.fullmatch(str(n)), n
    for n in (ID_MAX + 1, 2147483650, 2200000000, 3000000000, 9999999999, 10**10):
        assert not pattern.fullmatch(str(n)), n
