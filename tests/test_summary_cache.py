"""Cached figures are exact (issue 11): every write that changes what the radar or the dashboard
shows is followed by a read that shows the new figures — the same figures as computed from
nothing — and a tampered or foreign `cursor` is refused."""

import re
from datetime import date, timedelta

import pytest

from projectmgr.extensions import db
from projectmgr.models import DueItem, Level, Role
from projectmgr.services import due_items
from tests.test_excel import _template_rows, _workbook
from tests.test_lifecycle import params_for

TODAY = date.today()
Y = TODAY.year
RADAR_QUERIES = ("", "flag=major", "kind=annual_evaluation", "level=provincial", "per_page=2&page=2")


def _section(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return found.group(0)


def _page(client, url: str) -> str:
    """A page as the staff member sees it, the form tokens (new every request) left out."""
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", response.get_data(as_text=True))


def figures(client, staff_api, project_id: int) -> dict:
    """What the radar and the dashboard show (the dashboard's counts, list and charts), the
    ledger's table and a project's page (its figures, due items, what may be fired, the header's
    unread count)."""
    radar = {}
    for query in RADAR_QUERIES:
        response = staff_api.get(f"/overdue?{query}")
        assert response.status_code == 200, response.get_json()
        radar[query] = response.get_json()
    page = client.get("/dashboard").get_data(as_text=True)
    return {
        "radar": radar,
        "tiles": _section(page, r'<section class="radar-summary".*?</section>'),
        "list": _section(page, r'<table class="list radar">.*?</table>'),
        "charts": _section(page, r'<section class="charts".*?</section>'),
        "applications": _section(page, r'<section class="card application-radar".*?</section>'),
        "ledger": _section(_page(client, "/ledger"), r'<div class="stats">.*?</table>'),
        "project": _page(client, f"/projects/{project_id}"),
    }


@pytest.fixture
def world(make, api, client):
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    late = make.project(
        Level.provincial, staff=staff, owner=owner, start=TODAY - timedelta(days=700), end=TODAY - timedelta(days=200)
    )
    make.project(Level.municipal, staff=staff, start=TODAY - timedelta(days=30), end=TODAY + days_(300))
    client.post("/login", data={"username": staff.username, "password": "password123"})
    return {"staff": staff, "owner": owner, "late": late, "staff_api": api.as_(staff), "make": make, "api": api}


def days_(n: int) -> timedelta:
    return timedelta(days=n)


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def register(w):
    w["make"].project(Level.national, staff=w["staff"], start=TODAY - days_(500), end=TODAY - days_(120))


def fire(trigger: str):
    def write(w):
        body = {"trigger": trigger, **params_for(trigger)}
        _ok(w["staff_api"].post(f"/projects/{w['late'].id}/transitions", json=body))

    return write


def due_item_flags(w):
    _ok(w["staff_api"].put(f"/projects/{w['late'].id}/flags", json={"flags": ["major"]}))


def due_item_closed(w):
    from projectmgr.unit_of_work import committing

    with committing():
        item = db.session.get(DueItem, due_items.items_of(w["late"])[0].id)
        item.closed_on = TODAY - days_(1)


def ledger_change(w):
    _ok(
        w["staff_api"].post(
            "/ledger/targets", json={"year": Y, "title": "推广示范", "unit": "个", "target_value": "4"}
        ),
        201,
    )


def evaluation_run(w):
    _ok(w["staff_api"].post("/evaluations/run", json={"year": Y}))


def evaluation_confirm(w):
    listing = _ok(w["staff_api"].get(f"/evaluations?year={Y}"))
    [first, *_rest] = listing["items"]
    grade = "excellent" if first.get("grade") != "excellent" else "good"
    _ok(w["staff_api"].post(f"/evaluations/{first['id']}/confirm", json={"grade": grade, "reason": "重点突破"}))


def project_import(w):
    make = w["make"]
    org = make.organization()
    owner = make.user(Role.owner, organization=org)
    plan = make.plan(Level.national)
    row = _template_rows(
        plan, org, owner, w["staff"], "IMP-1", start_date=TODAY - days_(600), end_date=TODAY - days_(150)
    )
    book = _workbook([row], [["IMP-1", "equipment", 100000, 50000]], [["IMP-1", "sales", "销售收入", "万元", 5, 1]])
    response = w["staff_api"].post(
        "/imports/projects", data={"file": (book, "p.xlsx")}, content_type="multipart/form-data"
    )
    assert _ok(response, 201)["created"] == ["IMP-1"]


def disbursement(w):
    body = {"date": (TODAY - days_(1)).isoformat(), "amount": "1234.50"}
    _ok(w["staff_api"].post(f"/projects/{w['late'].id}/disbursements", json=body), 201)


def start_late(w):
    _ok(w["staff_api"].post(f"/projects/{w['late'].id}/transitions", json={"trigger": "start"}))


def run_sweep(w):
    _ok(w["staff_api"].post("/sweep"))


WRITES = [
    pytest.param(None, register, id="register"),
    pytest.param(None, fire("start"), id="transition-start"),
    pytest.param(start_late, fire("open_survey"), id="transition-open-survey"),
    pytest.param(start_late, fire("terminate"), id="transition-terminate"),
    pytest.param(None, due_item_flags, id="due-item-flags"),
    pytest.param(None, due_item_closed, id="due-item-closed"),
    pytest.param(start_late, run_sweep, id="sweep"),
    pytest.param(start_late, evaluation_run, id="evaluation-run"),
    pytest.param(evaluation_run, evaluation_confirm, id="evaluation-confirm"),
    pytest.param(None, ledger_change, id="ledger"),
    pytest.param(None, project_import, id="import"),
    pytest.param(start_late, disbursement, id="disbursement"),
]


@pytest.mark.parametrize("prepare, write", WRITES)
def test_a_write_shows_in_the_next_read(app, client, world, prepare, write):
    if prepare:
        prepare(world)
    pid = world["late"].id
    before = figures(client, world["staff_api"], pid)
    assert figures(client, world["staff_api"], pid) == before  # the second read comes from the cache

    write(world)

    after = figures(client, world["staff_api"], pid)
    assert after != before
    app.extensions.pop("projectmgr.summary_cache", None)  # computed from nothing: the same
    assert figures(client, world["staff_api"], pid) == after


def test_the_radar_and_dashboard_answer_304_until_a_write(client, world):
    bearer = {"Authorization": f"Bearer {world['staff_api'].token}"}

    def radar(**headers):
        return client.get("/api/v1/overdue", headers={**bearer, **headers})

    etag = radar().headers["ETag"]
    assert radar(**{"If-None-Match": etag}).status_code == 304
    page = client.get("/dashboard")
    assert client.get("/dashboard", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304

    due_item_flags(world)

    again = radar(**{"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert client.get("/dashboard", headers={"If-None-Match": page.headers["ETag"]}).status_code == 200


def test_cursor_pages_match_numbered_pages_and_refuse_tampering(world):
    make, api = world["make"], world["staff_api"]
    for n in range(5):
        make.project(staff=world["staff"], code=f"CUR-{n}", title=f"游标项目{n}")
    numbered = [_ok(api.get(f"/projects?per_page=3&page={p}")) for p in (1, 2, 3)]
    walked, cursor = [], None
    while True:
        body = _ok(api.get("/projects?per_page=3" + (f"&cursor={cursor}" if cursor else "")))
        walked += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert walked == [item for page in numbered for item in page["items"]]
    assert numbered[0]["total"] == len(walked) == 7

    token = numbered[0]["next_cursor"]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for url in (f"/projects?per_page=3&cursor={tampered}", f"/projects?per_page=3&state=approved&cursor={token}"):
        response = api.get(url)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "bad_request" and error["details"][0]["field"] == "cursor"


@pytest.mark.parametrize("q", ["PVC", "pvc", "深加工", "Z%", "CUR_1", "不存在的词"])
def test_search_finds_what_like_finds(world, q):
    make, api = world["make"], world["staff_api"]
    titles = ["PVC深加工关键技术", "pvc管材", "硅伏材料", "Z%折扣", "CUR_1项目", "CURX1项目"]
    for n, title in enumerate(titles):
        make.project(staff=world["staff"], code=f"S-{n}", title=title)
    found = {i["title"] for i in _ok(api.get(f"/projects?q={q}&per_page=200"))["items"]}
    ascii_fold = db.engine.dialect.name == "sqlite"  # SQLite's LIKE ignores ASCII case, PostgreSQL's does not
    expected = {t for t in titles + ["测试项目"] if (q.lower() in t.lower() if ascii_fold else q in t)}
    assert found == expected


def test_workers_share_figures_through_redis_and_a_write_moves_them_on(app, make, summary_redis):
    """Two apps over the same database and Redis stand for two workers: what one computed the
    other reads, until a write bumps the version."""

    from projectmgr import create_app
    from projectmgr.summary_cache import cached
    from tests.conftest import DATABASE_URL

    url = summary_redis
    workers = [create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "SUMMARY_CACHE_URL": url}) for _ in range(2)]
    computed = []

    def figure(worker):
        with worker.app_context():
            try:
                return cached(("shared-test",), lambda: computed.append(1) or len(computed))
            finally:
                db.session.remove()

    assert figure(workers[0]) == 1
    assert figure(workers[1]) == 1 and computed == [1]  # from Redis, not computed again
    make.user(Role.staff)  # a write bumps the version
    assert figure(workers[1]) == 2 and figure(workers[0]) == 2 and computed == [1, 1]
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
