"""Answers of one's own tokens, the security audit log, an account's life (api/auth.py), the
account change and the security settings (api/admin.py) and the expert pool (api/experts.py)."""

from ...services.account_settings import SETTING_NAMES
from .core import USER
from .shapes import BOOL, DAY, FIGURE, INT, OBJ, STR, array, obj, opt, page

TOKEN = obj(id=INT, created_at=STR, expires_at=opt(STR), revoked_at=opt(STR), current=BOOL)
EVENT = obj(
    ("id", "at", "actor_id", "actor", "event", "target", "outcome", "details"),
    id=INT,
    at=STR,
    actor_id=opt(INT),
    actor=opt(STR),
    address=opt(STR),
    user_agent=opt(STR),
    event=STR,
    target=opt(STR),
    outcome={"type": "string", "enum": ["success", "failure", "refused"]},
    details=OBJ,
    hash=opt(STR),
)
ACCOUNT_STATUS = obj(id=INT, username=STR, active=BOOL, locked=BOOL, second_factor=BOOL)
SEAT = obj(
    ("kind", "project_id", "application_id", "code", "round", "year", "concluded", "conflict_declared", "late"),
    kind={"type": "string", "enum": ["acceptance", "approval"]},
    project_id=opt(INT),
    application_id=opt(INT),
    code=opt(STR),
    title=STR,
    round=INT,
    year=INT,
    formed_on=opt(DAY),
    scoring_due=opt(DAY),
    concluded=BOOL,
    conflict_declared=BOOL,
    late=BOOL,
)
EXPERT = obj(
    id=INT,
    username=STR,
    display_name=STR,
    title=STR,
    organization=opt(STR),
    fields=array(STR),
    finance=BOOL,
    conflict_organization_ids=array(INT),
    conflict_organizations=array(STR),
    in_pool=BOOL,
    pool_reason=opt(STR),
    available=BOOL,
    panels_this_year=INT,
    yearly_cap=INT,
    panels=array(SEAT),
    late_scores=INT,
    conflicts_declared=INT,
    leniency=opt(FIGURE),
    leniency_panels=INT,
)
POOL_CHANGE = obj(id=INT, in_pool=BOOL, pool_reason=STR, pool_changed_at=STR)

SECURITY_SETTINGS = obj(
    (*SETTING_NAMES, "stored", "defaults", "updated_at", "updated_by"),
    **dict.fromkeys(SETTING_NAMES, INT),
    stored=array({"type": "string", "enum": list(SETTING_NAMES)}),
    defaults=obj(SETTING_NAMES, **dict.fromkeys(SETTING_NAMES, INT)),
    updated_at=opt(STR),
    updated_by=opt(STR),
)

RESPONSES: dict[tuple[str, str], dict] = {
    ("PATCH", "/users/<int:user_id>"): USER,
    ("GET", "/security-settings"): SECURITY_SETTINGS,
    ("PUT", "/security-settings"): SECURITY_SETTINGS,
    ("GET", "/auth/tokens"): obj(items=array(TOKEN)),
    ("DELETE", "/auth/tokens/<int:token_id>"): TOKEN,
    ("GET", "/audit/events"): page(EVENT),
    **{
        ("POST", f"/users/<int:user_id>/{action}"): ACCOUNT_STATUS
        for action in ("deactivate", "reactivate", "unlock", "reset-second-factor")
    },
    ("GET", "/experts"): page(EXPERT, year=INT, yearly_cap=INT),
    ("POST", "/experts/<int:expert_id>/deactivate"): POOL_CHANGE,
    ("POST", "/experts/<int:expert_id>/reactivate"): POOL_CHANGE,
}
