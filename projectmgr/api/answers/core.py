"""Answers of the registry, plans, projects, money, reports, evaluations, the ledger,
notifications, overdue items and the acceptance panel."""

from .shapes import ANY, BOOL, DAY, INT, MONEY, NUMBER, OBJ, STR, array, obj, opt, page

USER = obj(
    ("id", "username", "role", "display_name", "organization_id"),
    id=INT,
    username=STR,
    role=STR,
    display_name=STR,
    organization_id=opt(INT),
    expert=OBJ,
)
ORGANIZATION = obj(id=INT, name=STR, kind=STR, credit_code=STR)
PLAN = obj(
    id=INT,
    name=STR,
    level=STR,
    year=INT,
    min_self_raised_ratio=STR,
    panel_min_size=opt(INT),
    panel_min_finance=opt(INT),
    aggregation=STR,
)
PROJECT_SUMMARY = obj(
    ("id", "code", "title", "level", "plan_id", "organization_id", "owner_id", "state", "version"),
    id=INT,
    code=STR,
    title=STR,
    level=STR,
    plan_id=INT,
    organization_id=INT,
    owner_id=INT,
    responsible_staff_id=opt(INT),
    industry=opt(STR),
    state=STR,
    version=INT,
    start_date=DAY,
    end_date=DAY,
    flags=array(STR),
    special_funds=MONEY,
    self_raised_committed=MONEY,
)
PROJECT = obj(
    (*PROJECT_SUMMARY["required"], "totals", "binding_checks", "due_items", "allowed_triggers"),
    **PROJECT_SUMMARY["properties"],
    totals=OBJ,
    binding_checks=array(OBJ),
    indicator_completion=ANY,
    due_items=array(OBJ),
    allowed_triggers=array(STR),
)
# A row of a project's history: the application's rows come first (`record` "application", with the
# application's id), then the project's own (`record` "project", `application_id` null).
HISTORY = obj(
    trigger=STR,
    from_state=opt(STR),
    to_state=STR,
    actor=STR,
    at=STR,
    comment=opt(STR),
    details=opt(OBJ),
    record={"type": "string", "enum": ["application", "project"]},
    application_id=opt(INT),
)
EVALUATION = obj(
    ("id", "project_id", "year", "proposed_grade", "grade"),
    id=INT,
    project_id=INT,
    code=STR,
    title=STR,
    year=INT,
    score=opt(STR),
    proposed_grade=STR,
    grade=opt(STR),
)
TARGET = obj(
    ("id", "year", "parent_id", "title", "unit", "target_value"),
    id=INT,
    year=INT,
    parent_id=opt(INT),
    depth=INT,
    title=STR,
    unit=STR,
    target_value=NUMBER,
    cumulative=BOOL,
    metric=opt(STR),
    responsible_id=opt(INT),
    note=opt(STR),
)
ENTRY = obj(("id", "value", "recorded_on"), id=INT, value=NUMBER, note=opt(STR), recorded_on=DAY, evidence=opt(OBJ))
NOTIFICATION = obj(("id", "rule", "project_id", "as_of"), id=INT, rule=STR, project_id=opt(INT), as_of=DAY)
OVERDUE = obj(
    ("project_id", "code", "kind", "due_date", "days_overdue"),
    project_id=INT,
    code=STR,
    title=STR,
    kind=STR,
    due_date=DAY,
    days_overdue=INT,
    very_late=BOOL,
)
PANEL = obj(("round", "members"), round=INT, year=INT, concluded=BOOL, members=array(OBJ))
SCORE = obj(("total", "recommendation"), total=STR, recommendation=STR, integrity_concern=BOOL)
FILE = {"type": "string", "format": "binary"}

RESPONSES: dict[tuple[str, str], dict] = {
    ("POST", "/auth/token"): obj(token=STR, user=obj(id=INT, username=STR, role=STR)),
    ("DELETE", "/auth/token"): obj(revoked=BOOL),
    ("GET", "/me"): USER,
    ("POST", "/organizations"): ORGANIZATION,
    ("GET", "/organizations"): page(ORGANIZATION),
    ("POST", "/users"): USER,
    ("GET", "/users"): page(USER),
    ("POST", "/plans"): PLAN,
    ("GET", "/plans"): page(PLAN),
    ("GET", "/plans/<int:plan_id>"): PLAN,
    ("POST", "/evaluations/run"): obj(year=INT, count=INT, confirmed=INT, items=array(EVALUATION)),
    ("GET", "/evaluations"): page(EVALUATION),
    ("GET", "/evaluations/report"): obj(("year", "total", "confirmed"), year=INT, total=INT, confirmed=INT),
    ("GET", "/evaluations/<int:evaluation_id>"): EVALUATION,
    ("POST", "/evaluations/<int:evaluation_id>/confirm"): EVALUATION,
    ("POST", "/projects"): PROJECT,
    ("GET", "/projects"): page(PROJECT_SUMMARY),
    ("GET", "/projects/<int:project_id>"): PROJECT,
    ("PUT", "/projects/<int:project_id>/flags"): PROJECT,
    ("PUT", "/projects/<int:project_id>/indicators"): PROJECT,
    ("POST", "/projects/<int:project_id>/transitions"): PROJECT,
    ("GET", "/projects/<int:project_id>/history"): page(HISTORY),
    ("POST", "/projects/<int:project_id>/disbursements"): obj(id=INT, project_id=INT, date=DAY, amount=MONEY),
    ("POST", "/projects/<int:project_id>/self-raised"): obj(
        id=INT, project_id=INT, date=DAY, amount=MONEY, note=opt(STR)
    ),
    ("POST", "/projects/<int:project_id>/expenditures"): obj(
        id=INT, project_id=INT, date=DAY, category=STR, source=STR, amount=MONEY, voucher=opt(STR)
    ),
    ("POST", "/projects/<int:project_id>/reports"): obj(
        ("id", "project_id", "kind"), id=INT, project_id=INT, kind=STR, submitted_at=STR
    ),
    ("POST", "/projects/<int:project_id>/extension"): obj(project_id=INT, new_end_date=DAY, reason=STR, status=STR),
    ("POST", "/projects/<int:project_id>/extension/decision"): PROJECT,
    ("GET", "/exports/projects.xlsx"): FILE,
    ("GET", "/exports/overdue.xlsx"): FILE,
    ("GET", "/exports/ledger.xlsx"): FILE,
    ("GET", "/exports/evaluation.xlsx"): FILE,
    ("GET", "/imports/projects/template.xlsx"): FILE,
    ("POST", "/imports/projects"): obj(created=array(ANY), count=INT),
    ("POST", "/imports/ledger"): obj(created=INT, updated=INT, progress_entries=INT),
    ("GET", "/ledger"): obj(year=INT, as_of=DAY, items=array(TARGET)),
    ("GET", "/ledger/metrics"): obj(items=array(obj(key=STR, label=STR, unit=STR, cumulative=BOOL))),
    ("POST", "/ledger/targets"): TARGET,
    ("GET", "/ledger/targets/<int:target_id>"): obj(
        (*TARGET["required"], "entries"), **TARGET["properties"], entries=array(ENTRY)
    ),
    ("PUT", "/ledger/targets/<int:target_id>"): TARGET,
    ("POST", "/ledger/targets/<int:target_id>/progress"): ENTRY,
    ("GET", "/notifications"): page(NOTIFICATION, unread=INT),
    ("POST", "/notifications/<int:notification_id>/read"): NOTIFICATION,
    ("POST", "/notifications/read-all"): obj(marked=INT),
    ("PUT", "/me/email-reminders"): obj(email_reminders=BOOL),
    ("GET", "/openapi.json"): obj(("openapi", "paths"), openapi=STR, paths=OBJ),
    ("GET", "/overdue"): page(OVERDUE),
    ("POST", "/sweep"): obj(as_of=DAY, changed=array(ANY), count=INT),
    ("GET", "/scoresheet"): obj(criteria=array(OBJ)),
    ("PUT", "/projects/<int:project_id>/panel"): PANEL,
    ("GET", "/projects/<int:project_id>/panel"): PANEL,
    ("POST", "/projects/<int:project_id>/panel/conflict"): obj(expert_id=INT, conflict_declared=BOOL),
    ("PUT", "/projects/<int:project_id>/scores/me"): SCORE,
    ("GET", "/projects/<int:project_id>/scores"): {"type": "object", "minProperties": 1},
    ("GET", "/reviews"): page(
        obj((*PROJECT_SUMMARY["required"], "round", "scored"), **PROJECT_SUMMARY["properties"], round=INT, scored=BOOL)
    ),
}
