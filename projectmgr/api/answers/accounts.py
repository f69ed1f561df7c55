"""Answers of one's own tokens, the security audit log, an account's life (api/auth.py), the
account change and the security settings (api/admin.py) and the expert pool (api/experts.py)."""

from ...services.account_settings import SETTING_NAMES
from .core import USER
from .shapes import extend, obj, page

TOKEN = obj("id:int created_at:str expires_at:str? revoked_at:str? current:bool")
EVENT = obj(
    "id:int at:str actor_id:int? actor:str? address?:str? user_agent?:str? event:str target:str?"
    " outcome:success|failure|refused details:obj hash?:str?"
)
ACCOUNT_STATUS = obj("id:int username:str active:bool locked:bool second_factor:bool")
SEAT = obj(
    "kind:acceptance|approval project_id:int? application_id:int? code:str? title?:str round:int year:int"
    " formed_on?:day? scoring_due?:day? concluded:bool conflict_declared:bool late:bool"
)
EXPERT = obj(
    "id:int username:str display_name:str title:str organization:str? fields:[str] finance:bool"
    " conflict_organization_ids:[int] conflict_organizations:[str] in_pool:bool pool_reason:str? available:bool"
    " panels_this_year:int yearly_cap:int panels:[seat] late_scores:int conflicts_declared:int leniency:figure?"
    " leniency_panels:int",
    seat=SEAT,
)
POOL_CHANGE = obj("id:int in_pool:bool pool_reason:str pool_changed_at:str")

SETTINGS = obj(" ".join(f"{name}:int" for name in SETTING_NAMES))
SECURITY_SETTINGS = extend(
    SETTINGS,
    "stored:[setting] defaults:settings updated_at:str? updated_by:str?",
    setting={"type": "string", "enum": list(SETTING_NAMES)},
    settings=SETTINGS,
)

RESPONSES: dict[tuple[str, str], dict] = {
    ("PATCH", "/users/<int:user_id>"): USER,
    ("GET", "/security-settings"): SECURITY_SETTINGS,
    ("PUT", "/security-settings"): SECURITY_SETTINGS,
    ("GET", "/auth/tokens"): obj("items:[token]", token=TOKEN),
    ("DELETE", "/auth/tokens/<int:token_id>"): TOKEN,
    ("GET", "/audit/events"): page(EVENT),
    **{
        ("POST", f"/users/<int:user_id>/{action}"): ACCOUNT_STATUS
        for action in ("deactivate", "reactivate", "unlock", "reset-second-factor")
    },
    ("GET", "/experts"): page(EXPERT, "year:int yearly_cap:int"),
    **{("POST", f"/experts/<int:expert_id>/{action}"): POOL_CHANGE for action in ("deactivate", "reactivate")},
}
