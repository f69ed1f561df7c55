"""Answers of the registry, plans, projects, money, reports, evaluations, the ledger,
notifications, overdue items and the acceptance panel."""

from .shapes import extend, obj, page

USER = obj("id:int username:str role:str display_name:str organization_id:int? expert?:obj")
ORGANIZATION = obj("id:int name:str kind:str credit_code:str")
PLAN = obj(
    "id:int name:str level:str year:int min_self_raised_ratio:str panel_min_size:int? panel_min_finance:int?"
    " aggregation:str"
)
PROJECT_SUMMARY = obj(
    "id:int code:str title:str level:str plan_id:int organization_id:int owner_id:int responsible_staff_id?:int?"
    " industry?:str? state:str version:int start_date?:day end_date?:day flags?:[str] special_funds?:money"
    " self_raised_committed?:money"
)
PROJECT = extend(
    PROJECT_SUMMARY, "totals:obj binding_checks:[obj] indicator_completion?:any due_items:[obj] allowed_triggers:[str]"
)
# A row of a project's history: the application's rows come first (`record` "application", with the
# application's id), then the project's own (`record` "project", `application_id` null).
HISTORY = obj(
    "trigger:str from_state:str? to_state:str actor:str at:str comment:str? details:obj?"
    " record:application|project application_id:int?"
)
EVALUATION = obj("id:int project_id:int code?:str title?:str year:int score?:str? proposed_grade:str grade:str?")
TARGET = obj(
    "id:int year:int parent_id:int? depth?:int title:str unit:str target_value:number cumulative?:bool"
    " metric?:str? responsible_id?:int? note?:str?"
)
ENTRY = obj("id:int value:number note?:str? recorded_on:day evidence?:obj?")
NOTIFICATION = obj("id:int rule:str project_id:int? as_of:day")
OVERDUE = obj("project_id:int code:str title?:str kind:str due_date:day days_overdue:int very_late?:bool")
PANEL = obj("round:int year?:int concluded?:bool members:[obj]")
SCORE = obj("total:str recommendation:str integrity_concern?:bool")
FILE = {"type": "string", "format": "binary"}

RESPONSES: dict[tuple[str, str], dict] = {
    ("POST", "/auth/token"): obj("token:str user:{id:int username:str role:str}"),
    ("DELETE", "/auth/token"): obj("revoked:bool"),
    ("GET", "/me"): USER,
    ("POST", "/organizations"): ORGANIZATION,
    ("GET", "/organizations"): page(ORGANIZATION),
    ("POST", "/users"): USER,
    ("GET", "/users"): page(USER),
    ("POST", "/plans"): PLAN,
    ("GET", "/plans"): page(PLAN),
    ("GET", "/plans/<int:plan_id>"): PLAN,
    ("POST", "/evaluations/run"): obj("year:int count:int confirmed:int items:[evaluation]", evaluation=EVALUATION),
    ("GET", "/evaluations"): page(EVALUATION),
    ("GET", "/evaluations/report"): obj("year:int total:int confirmed:int"),
    ("GET", "/evaluations/<int:evaluation_id>"): EVALUATION,
    ("POST", "/evaluations/<int:evaluation_id>/confirm"): EVALUATION,
    # What shows or changes a project answers the project as it stands.
    **dict.fromkeys(
        (
            ("POST", "/projects"),
            ("GET", "/projects/<int:project_id>"),
            ("PUT", "/projects/<int:project_id>/flags"),
            ("PUT", "/projects/<int:project_id>/indicators"),
            ("POST", "/projects/<int:project_id>/transitions"),
            ("POST", "/projects/<int:project_id>/extension/decision"),
        ),
        PROJECT,
    ),
    ("GET", "/projects"): page(PROJECT_SUMMARY),
    ("GET", "/projects/<int:project_id>/history"): page(HISTORY),
    ("POST", "/projects/<int:project_id>/disbursements"): obj("id:int project_id:int date:day amount:money"),
    ("POST", "/projects/<int:project_id>/self-raised"): obj("id:int project_id:int date:day amount:money note:str?"),
    ("POST", "/projects/<int:project_id>/expenditures"): obj(
        "id:int project_id:int date:day category:str source:str amount:money voucher:str?"
    ),
    ("POST", "/projects/<int:project_id>/reports"): obj("id:int project_id:int kind:str submitted_at?:str"),
    ("POST", "/projects/<int:project_id>/extension"): obj("project_id:int new_end_date:day reason:str status:str"),
    **{("GET", f"/exports/{name}.xlsx"): FILE for name in ("projects", "overdue", "ledger", "evaluation")},
    ("GET", "/imports/projects/template.xlsx"): FILE,
    ("POST", "/imports/projects"): obj("created:[any] count:int"),
    ("POST", "/imports/ledger"): obj("created:int updated:int progress_entries:int"),
    ("GET", "/ledger"): obj("year:int as_of:day items:[target]", target=TARGET),
    ("GET", "/ledger/metrics"): obj("items:[{key:str label:str unit:str cumulative:bool}]"),
    ("POST", "/ledger/targets"): TARGET,
    ("GET", "/ledger/targets/<int:target_id>"): extend(TARGET, "entries:[entry]", entry=ENTRY),
    ("PUT", "/ledger/targets/<int:target_id>"): TARGET,
    ("POST", "/ledger/targets/<int:target_id>/progress"): ENTRY,
    ("GET", "/notifications"): page(NOTIFICATION, "unread:int"),
    ("POST", "/notifications/<int:notification_id>/read"): NOTIFICATION,
    ("POST", "/notifications/read-all"): obj("marked:int"),
    ("PUT", "/me/email-reminders"): obj("email_reminders:bool"),
    ("GET", "/openapi.json"): obj("openapi:str paths:obj"),
    ("GET", "/overdue"): page(OVERDUE),
    ("POST", "/sweep"): obj("as_of:day changed:[any] count:int"),
    ("GET", "/scoresheet"): obj("criteria:[obj]"),
    ("PUT", "/projects/<int:project_id>/panel"): PANEL,
    ("GET", "/projects/<int:project_id>/panel"): PANEL,
    ("POST", "/projects/<int:project_id>/panel/conflict"): obj("expert_id:int conflict_declared:bool"),
    ("PUT", "/projects/<int:project_id>/scores/me"): SCORE,
    ("GET", "/projects/<int:project_id>/scores"): {"type": "object", "minProperties": 1},
    ("GET", "/reviews"): page(extend(PROJECT_SUMMARY, "round:int scored:bool")),
}
