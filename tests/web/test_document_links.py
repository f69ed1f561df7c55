"""The project page links the documents the reader may open now; the links serve the PDFs."""

import re

from projectmgr.models import Role
from tests.test_conclusion_api import run_conclusion
from tests.test_panels import applied_project, experts, formed_panel


def links(page) -> list[str]:
    return re.findall(r'data-document="([a-z-]+)"', page.get_data(as_text=True))


def test_links_follow_who_may_have_which_document(make, api, browser):
    case = applied_project(make, api)
    staff, owner = browser().login(case.staff), browser().login(case.owner)
    assert links(staff.get(f"/projects/{case.pid}")) == ["task-book"]
    assert links(owner.get(f"/projects/{case.pid}")) == []

    members = experts(make, 5)
    formed_panel(case, members)
    assert run_conclusion(case, members, [85] * 5).json["state"] == "accepted"

    assert links(staff.get(f"/projects/{case.pid}")) == ["acceptance-certificate", "panel-opinion", "task-book"]
    assert links(owner.get(f"/projects/{case.pid}")) == ["acceptance-certificate", "panel-opinion"]
    assert links(browser().login(members[0]).get(f"/projects/{case.pid}")) == []

    r = owner.get(f"/projects/{case.pid}/documents/acceptance-certificate.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF-")
    assert owner.get(f"/projects/{case.pid}/documents/task-book.pdf").status_code == 403
    assert owner.get(f"/projects/{case.pid}/documents/nothing.pdf").status_code == 404
    other = browser().login(make.user(Role.owner))
    assert other.get(f"/projects/{case.pid}/documents/acceptance-certificate.pdf").status_code == 404
