"""The application side's lists cost the same number of SQL statements at 10 and at 1,000
applications: the staff's and the owner's application lists, a call's ranking, the public notice
and the recommendations."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import (
    Application,
    ApplicationBudgetLine,
    ApplicationIndicator,
    ApplicationState,
    Call,
    Level,
    Role,
    UpwardRecommendation,
    User,
)

from .test_query_counts import MAX_STATEMENTS, counted_get, statements  # noqa: F401  (fixture)

STATES = list(ApplicationState)


class Seed:
    def __init__(self, make):
        self.plan = make.plan(Level.municipal)
        self.staff = make.user(Role.staff)
        self.owners = [make.user(Role.owner) for _ in range(3)]
        today = date.today()
        self.call = Call(
            plan_id=self.plan.id,
            title="指南",
            opens_on=today - timedelta(days=5),
            closes_on=today + timedelta(days=5),
            created_by_id=self.staff.id,
        )
        db.session.add(self.call)
        db.session.commit()
        # Ids, not objects: each counted request starts on a new session.
        self.call_id, self.staff_id = self.call.id, self.staff.id
        self.owner_ids = [(o.id, o.organization_id) for o in self.owners]
        self.count = 0

    def grow(self, upto: int) -> None:
        today = date.today()
        for n in range(self.count, upto):
            owner_id, organization_id = self.owner_ids[n % 3]
            state = STATES[n % len(STATES)]
            if state == ApplicationState.approved:
                state = ApplicationState.reviewed  # an approved one needs its project
            db.session.add(
                Application(
                    call_id=self.call_id,
                    organization_id=organization_id,
                    owner_id=owner_id,
                    title=f"申报{n}",
                    summary="s",
                    start_date=today,
                    end_date=today + timedelta(days=365),
                    special_funds=Decimal(1000 + n),
                    self_raised_committed=Decimal(1000 + n),
                    state=state,
                    score=Decimal(n % 97),
                    notice_until=today + timedelta(days=3) if state == ApplicationState.publicized else None,
                    budget_lines=[
                        ApplicationBudgetLine(
                            category="equipment", special=Decimal(1000 + n), self_raised=Decimal(1000 + n)
                        )
                    ],
                    indicators=[ApplicationIndicator(key="sales", name="销售", unit="万元", target=Decimal(1))],
                )
            )
            db.session.add(
                UpwardRecommendation(
                    organization_id=organization_id,
                    title=f"推荐{n}",
                    level=Level.provincial,
                    programme="省计划",
                    year=today.year,
                    submitted_on=today,
                    created_by_id=self.staff_id,
                )
            )
        db.session.commit()
        self.count = upto


@pytest.mark.parametrize(
    ("who", "url", "params"),
    [
        ("staff", "/applications", {}),
        ("staff", "/applications", {"state": "submitted"}),
        ("owner", "/applications", {}),
        ("staff", "/calls/{call}/ranking", {}),
        ("owner", "/notice", {}),
        ("staff", "/recommendations", {}),
        ("owner", "/calls", {}),
    ],
)
def test_lists_cost_the_same_at_10_and_1000_applications(api, make, statements, who, url, params):  # noqa: F811
    seed = Seed(make)
    counts = {}
    for size in (10, 1000):
        seed.grow(size)
        user_id = seed.staff_id if who == "staff" else seed.owner_ids[0][0]
        caller = api.as_(db.session.get(User, user_id))
        path = url.format(call=seed.call_id)
        body, counts[size] = counted_get(caller, statements, path, params)
        if "total" in body and path.startswith("/applications") and who == "owner" and not params:
            assert body["total"] == len(range(0, size, 3))
    assert counts[10] == counts[1000], counts
    assert counts[1000] <= MAX_STATEMENTS
