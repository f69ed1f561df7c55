"""The pages a staff member opens most cost a fixed number of SQL statements whatever the size of
the data (issue 11 item 5): a project page with a full panel and the ledger page, at two sizes;
and under an unchanged data version each of the four pages (the dashboard, the project list, the
project page, the ledger) is answered from what the version already holds — for the dashboard,
the list and the ledger one statement: the signed-in user with the data version."""

import re
from datetime import date

from sqlalchemy import event, insert

from projectmgr.extensions import db
from projectmgr.models import Project, Role, User
from projectmgr.web.header import NAV_PREDICATES
from tests.test_panels import applied_project, experts, formed_panel, score

Y = date.today().year
# First view after a write: the user with the version; the project; its panel with members,
# experts and scores; the experts' profiles and conflicts and their year's panels (the panel
# rules); the project's fund and report records once (not once for the page and again for its
# guards); budget, indicators, extension, application, due items, history, the unread count,
# the organization, owner and staff, attachments and messages.
# With main since: the recommendation that registered it, and the application's history rows (2).
PROJECT_PAGE_STATEMENTS = 28  # before: 44 (the records read twice, the panel seven times)
# Asked again under the same version: the guards' answers and the figures come from the cache;
# the page still reads the project, its panel, history, people, attachments and messages.
PROJECT_PAGE_CACHED = 12  # before: 44 again (with the recommendation and the application history since)


def _counting():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    return seen, record


def counted(client, url: str) -> tuple[str, int]:
    """The page's body (form tokens left out) and the statements it took, with an empty session
    as a server starts each request with."""
    seen, record = _counting()
    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url, headers={"Accept-Language": "en"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", response.get_data(as_text=True)), len(seen)


FIELDS = (
    "plan_id",
    "organization_id",
    "owner_id",
    "responsible_staff_id",
    "start_date",
    "end_date",
    "original_end_date",
    "special_funds",
    "self_raised_committed",
    "state",
)


def more_projects(like: dict, n: int) -> None:
    """n more projects like `like` (bulk-inserted: other projects the page must not read)."""
    first = db.session.query(Project).count() + 1
    rows = [like | {"code": f"BULK-{first + i}", "title": f"批量项目{i}", "version": 1} for i in range(n)]
    db.session.execute(insert(Project), rows)
    db.session.commit()


def test_a_project_page_with_a_full_panel_costs_the_same_at_two_sizes(client, api, make):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    for member in members[:4]:
        assert score(case, member, 85).status_code == 200
    client.post("/login", data={"username": case.staff.username, "password": "password123"})
    url = f"/projects/{case.pid}"
    counts, cached, pages = {}, {}, {}
    like = {f: getattr(db.session.get(Project, case.pid), f) for f in FIELDS}
    for size in (10, 1000):
        more_projects(like, size - db.session.query(Project).count())
        assert db.session.query(Project).count() == size
        pages[size], counts[size] = counted(client, url)  # a new data version: computed afresh
        again, cached[size] = counted(client, url)
        assert again == pages[size]
        assert 'data-trigger="conclude"' in again  # greyed out: one member has not scored
    assert counts[10] == counts[1000] == PROJECT_PAGE_STATEMENTS
    assert cached[10] == cached[1000] == PROJECT_PAGE_CACHED


def _targets(staff_api, n: int) -> None:
    """n targets: the first three computed from the projects (one metric each), the others with
    a progress entry."""
    metrics = ["projects_active", "major_projects_active", "national_provincial_won"]
    for i in range(n):
        body = {"year": Y, "title": f"目标{i}", "unit": "项", "target_value": "10", "cumulative": True}
        if i < len(metrics):
            body["metric"] = metrics[i]
        r = staff_api.post("/ledger/targets", json=body)
        assert r.status_code == 201, r.json
        if i >= len(metrics):
            r = staff_api.post(
                f"/ledger/targets/{r.json['id']}/progress", json={"value": str(i), "recorded_on": f"{Y}-01-01"}
            )
            assert r.status_code == 201, r.json


def test_the_ledger_page_costs_the_same_at_two_sizes(client, api, make):
    staff = make.user(Role.staff)
    project = make.project(staff=staff)
    like, staff_id = {f: getattr(project, f) for f in FIELDS}, staff.id
    client.post("/login", data={"username": staff.username, "password": "password123"})
    counts, cached = {}, {}
    for size, targets in ((10, 5), (1000, 30)):
        more_projects(like, size - db.session.query(Project).count())
        _targets(api.as_(db.session.get(User, staff_id)), targets - len(counts) * 5)
        page, counts[size] = counted(client, "/ledger")
        assert page.count("<tr data-target=") == targets
        again, cached[size] = counted(client, "/ledger")
        assert again == page
    # The user with the version, the years with targets, the targets, their entries, the three
    # metrics' counts over the projects, the unread count (before: 10 at 1,000 projects, each
    # request), and the security officer's stored settings (read once per version); asked again
    # under the same version only the user with the version.
    assert counts[10] == counts[1000] == 10
    assert cached[10] == cached[1000] == 1


def test_the_dashboard_and_the_project_list_under_an_unchanged_version_cost_one_statement(client, make):
    staff = make.user(Role.staff)
    make.project(staff=staff)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    for url in ("/dashboard", "/projects"):
        first, fresh = counted(client, url)
        again, cached = counted(client, url)
        assert again == first
        assert fresh > cached == 1, url


def test_the_header_menu_is_keyed_on_every_question_it_asks():
    """The menu is drawn once per set of answers (web/header.py): a question the template asks
    but the key leaves out would show one user another's menu."""
    with open("templates/_nav.html", encoding="utf-8") as f:
        asked = set(re.findall(r"\b(can_[a-z_]+)\(", f.read()))
    assert asked == {p.__name__ for p in NAV_PREDICATES}
