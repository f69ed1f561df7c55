"""Bulk seeding for the benchmarks: organizations, owners, staff, plans and N projects with their
due items, with realistic variety (DESIGN §7 rules), straight into the tables (the services would take
hours at 100,000 projects). Every seeded account's password is BENCH_PASSWORD."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from projectmgr.extensions import db
from projectmgr.models import DueItem, DueKind, Grade, Level, Organization, Plan, Project, Role, State, User
from projectmgr.rules.credit_code import make_credit_code
from projectmgr.rules.deadlines import acceptance_due, add_months, annual_evaluation_due
from projectmgr.rules.settings import RuleSettings

BENCH_PASSWORD = "bench-password"

INDUSTRIES = ["矿用机电", "装备制造", "生物科技", "PVC深加工", "铅锌延伸加工", "畜禽养殖加工", "硅伏材料"]
TOPICS = ["关键技术研究", "产业化示范", "新工艺开发", "智能化改造", "新产品研制", "检测平台建设", "节能减排技术"]
LEVEL_PREFIX = {Level.national: "GJ", Level.provincial: "SJ", Level.municipal: "SHI"}
CHUNK = 20_000


# --- seeding ------------------------------------------------------------------------------------


def _state_for(rng: random.Random, end: date, today: date, rules: RuleSettings) -> State:
    """A state plausible for a project whose end date is `end`, by shares; some projects are late."""
    r = rng.random()
    # fmt: off
    if acceptance_due(end, rules) < today:  # the application deadline has passed
        shares = {State.accepted: 0.40, State.closed_out: 0.05, State.failed: 0.05, State.evaluated: 0.20,
                  State.terminated: 0.05, State.acceptance_applied: 0.03, State.under_review: 0.03,
                  State.rectifying: 0.02,
                  State.in_progress: 0.17}  # no application: overdue, the sweep has not run yet
    elif end < today:  # in the grace months
        shares = {State.in_progress: 0.45, State.acceptance_applied: 0.35, State.under_review: 0.15,
                  State.accepted: 0.05}
    else:
        shares = {State.approved: 0.06, State.in_progress: 0.70, State.mid_year_survey: 0.12,
                  State.survey_submitted: 0.08, State.terminated: 0.04}
    # fmt: on
    for state, share in shares.items():
        r -= share
        if r < 0:
            return state
    return state


def seed(n_projects: int, today: date, rules: RuleSettings, seed_value: int = 20261126) -> dict:
    """Bulk-insert organizations, owners, staff, plans, N projects and their due items."""
    rng = random.Random(seed_value)
    now = datetime(today.year, today.month, today.day)
    password = generate_password_hash(BENCH_PASSWORD)  # one hash for all: hashing is slow

    n_orgs = max(10, min(2000, n_projects // 50))
    db.session.execute(
        insert(Organization),
        [
            {
                "id": i,
                "name": f"{rng.choice(INDUSTRIES)}企业{i}",
                "kind": "enterprise",
                "credit_code": make_credit_code(f"91410000{i:09d}"),
                "created_at": now,
            }
            for i in range(1, n_orgs + 1)
        ],
    )
    users = [
        {
            "id": i,
            "username": f"owner{i}",
            "password_hash": password,
            "role": Role.owner,
            "display_name": f"负责人{i}",
            "organization_id": i,
            "active": True,
            "created_at": now,
        }
        for i in range(1, n_orgs + 1)
    ]
    staff_ids = list(range(n_orgs + 1, n_orgs + 21))
    users += [
        {
            "id": i,
            "username": f"staff{i}",
            "password_hash": password,
            "role": Role.staff,
            "display_name": f"科技局{i}",
            "organization_id": None,
            "active": True,
            "created_at": now,
        }
        for i in staff_ids
    ]
    db.session.execute(insert(User), users)

    plans = []
    plan_level = {}
    for year in range(today.year - 7, today.year + 3):
        for level in Level:
            pid = len(plans) + 1
            plan_level[(year, level)] = pid
            plans.append(
                {
                    "id": pid,
                    "name": f"{year}年{level.value}计划",
                    "level": level,
                    "year": year,
                    "min_self_raised_ratio": Decimal("1.00"),
                    "panel_min_size": 5,
                    "panel_min_finance": 2,
                    "aggregation": "mean",
                }
            )
    db.session.execute(insert(Plan), plans)

    levels = [Level.national] * 1 + [Level.provincial] * 3 + [Level.municipal] * 6
    projects: list[dict] = []
    items: list[dict] = []
    next_item = 1

    def flush():
        if projects:
            db.session.execute(insert(Project), projects)
            projects.clear()
        if items:
            db.session.execute(insert(DueItem), items)
            items.clear()

    for pid in range(1, n_projects + 1):
        level = rng.choice(levels)
        end = today + timedelta(days=rng.randint(-3 * 365, 3 * 365))
        start = end - timedelta(days=rng.randint(365, 3 * 365))
        start = max(start, date(today.year - 7, 1, 1))
        org = rng.randint(1, n_orgs)
        state = _state_for(rng, end, today, rules)
        flags = {
            "flag_major": rng.random() < 0.05,
            "flag_problematic": rng.random() < 0.04,
            "flag_seasonal": rng.random() < 0.02,
        }
        key_tracking = any(flags.values())
        due = acceptance_due(end, rules)
        concluded = state in (State.accepted, State.closed_out, State.failed, State.evaluated)
        concluded_on = min(today, due - timedelta(days=rng.randint(0, 60))) if concluded else None
        applied_on = min(today, end + timedelta(days=rng.randint(0, 80)))
        special = Decimal(rng.randrange(10, 500) * 10_000)
        projects.append(
            {
                "id": pid,
                "code": f"{LEVEL_PREFIX[level]}{start.year}-{pid:06d}",
                "title": f"{rng.choice(INDUSTRIES)}{rng.choice(TOPICS)}与示范（{pid}）",
                "plan_id": plan_level[(start.year, level)],
                "organization_id": org,
                "owner_id": org,
                "responsible_staff_id": rng.choice(staff_ids),
                "industry": rng.choice(INDUSTRIES),
                **flags,
                "key_tracking": key_tracking,
                "start_date": start,
                "end_date": end,
                "original_end_date": end,
                "special_funds": special,
                "self_raised_committed": special,
                "state": state,
                "state_changed_at": now,
                "version": 1,
                "survey_due_date": today + timedelta(days=rng.randint(-20, 30))
                if state == State.mid_year_survey
                else None,
                "rectification_started_on": today - timedelta(days=rng.randint(0, 120))
                if state == State.rectifying
                else None,
                "rectification_count": 1 if state == State.rectifying else 0,
                "concluded_on": concluded_on,
                "evaluation_grade": rng.choice(list(Grade)) if state == State.evaluated else None,
                "termination_reason": "经费无法落实" if state == State.terminated else None,
                "created_at": now,
            }
        )

        owed = {"project_id": pid, "level": level, "key_tracking": key_tracking, "created_at": now}

        def item(kind, due_date, closed_on=None, year=None, owed=owed):
            nonlocal next_item
            items.append(
                {**owed, "id": next_item, "kind": kind, "due_date": due_date, "year": year, "closed_on": closed_on}
            )
            next_item += 1

        # The application is owed until the owner applies, the bureau concludes or terminates.
        if state in (State.approved, State.in_progress, State.mid_year_survey, State.survey_submitted):
            app_closed = None
        elif state == State.terminated:
            app_closed = min(today, start + timedelta(days=200))
        else:
            app_closed = concluded_on or applied_on
        item(DueKind.acceptance_application, due, app_closed)
        stopped = concluded_on or (app_closed if state == State.terminated else None)
        for year in range(start.year, due.year + 1):
            eval_due = annual_evaluation_due(year)
            if stopped is not None and year > stopped.year:
                closed = stopped  # not active that year (close_after_conclusion)
            elif eval_due < today and rng.random() < 0.9:
                closed = eval_due + timedelta(days=rng.randint(-20, 25))  # most are done, some late
            else:
                closed = None
            item(DueKind.annual_evaluation, eval_due, closed, year)
        if state == State.mid_year_survey:
            item(DueKind.survey_report, projects[-1]["survey_due_date"])
        if state == State.rectifying:
            item(DueKind.rectification, add_months(projects[-1]["rectification_started_on"], 3))

        if len(projects) >= CHUNK:
            flush()
    flush()
    db.session.commit()
    return {"organizations": n_orgs, "staff_id": staff_ids[0], "due_items": next_item - 1}


def seed_panel(project_id: int, today: date) -> None:
    """A full acceptance panel for one project (the project page's case): five experts, two of
    them finance experts, each with a submitted scoresheet (DEFAULT_SCORESHEET, 80% of each mark)."""
    from sqlalchemy import func, select

    from projectmgr.models import ExpertProfile, Panel, PanelMember, Recommendation, Score
    from projectmgr.rules.scoring import DEFAULT_SCORESHEET

    password = generate_password_hash(BENCH_PASSWORD)
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    now = datetime(today.year, today.month, today.day)
    experts = list(range(first, first + 5))
    db.session.execute(
        insert(User),
        [
            {"id": i, "username": f"expert{i}", "password_hash": password, "role": Role.expert}
            | {"display_name": f"专家{i}", "organization_id": None, "active": True, "created_at": now}
            for i in experts
        ],
    )
    db.session.execute(
        insert(ExpertProfile),
        [
            {"user_id": i, "fields": ["装备制造"], "finance": n < 2, "title": "高级工程师"}
            for n, i in enumerate(experts)
        ],
    )
    panel = Panel(
        project_id=project_id,
        round=1,
        year=today.year,
        formed_on=today - timedelta(days=10),
        scoring_due=today + timedelta(days=5),
        concluded=False,
    )
    db.session.add(panel)
    db.session.flush()
    marks = {c.key: str(c.max * Decimal("0.8")) for c in DEFAULT_SCORESHEET}
    total = sum(c.max * Decimal("0.8") for c in DEFAULT_SCORESHEET)
    for n, expert in enumerate(experts):
        member = PanelMember(panel_id=panel.id, expert_id=expert, finance=n < 2)
        db.session.add(member)
        db.session.flush()
        db.session.add(
            Score(member_id=member.id, scores=marks, total=total, recommendation=Recommendation.pass_, comment="")
        )
    db.session.commit()
