"""Answers of calls, applications, the approval review, the public notice and recommendations
upward (api/applications.py, over services.applications.view)."""

from .shapes import extend, obj, page

CALL = obj(
    "id:int plan_id:int plan?:str title:str opens_on:day closes_on:day open:bool guide?:str?"
    " max_special_funds:money? fields:[str]"
)
APPLICATION_SUMMARY = obj(
    "id:int call_id:int title:str organization_id:int owner_id:int state:str special_funds:money"
    " self_raised_committed?:money submitted_on?:day? score?:figure? notice_until?:day? project_id?:int? version:int"
)
OBJECTION = obj(
    "id:int text:str raised_at:str resolved:bool upheld:bool? resolution:str?"
    " raised_by_id?:int"  # staff only
)
ATTACHMENT = obj("id:int kind:str filename:str type:str size:int")
APPLICATION_HISTORY = obj(
    "trigger:str from_state:str to_state:str at:str comment:str? actor:str?"
    " details?:obj?"  # staff only
)
APPLICATION = extend(
    APPLICATION_SUMMARY,
    "industry?:str? summary?:str start_date:day end_date:day granted_funds?:money?"
    " budget:[{category:str special:money self_raised:money}]"
    " indicators:[{key:str name:str unit:str target:str weight:str}]"
    " attachments?:[attachment] objections?:[objection] history?:[history] allowed_triggers:[str]",
    attachment=ATTACHMENT,
    objection=OBJECTION,
    history=APPLICATION_HISTORY,
)
RANKED = extend(APPLICATION_SUMMARY, "rank:int organization?:str suggested_funds:money")
REVIEW_PANEL = obj(
    "year:int formed_on?:day? scoring_due?:day? concluded:bool"
    " members:[{expert_id:int finance:bool conflict_declared:bool}]"
    " seed?:str"  # a drawn panel only
)
SHEET = obj(
    "expert_id:int expert?:str finance?:bool scored:bool scores?:obj? total:figure? recommendation?:str?"
    " integrity_concern?:bool? comment?:str?"
)
# Blind per role (services.applications.review.scores_view): staff all sheets, a member their own,
# the applicant the aggregate and the unnamed comments once the review is concluded.
REVIEW_SCORES = obj(
    "concluded:bool aggregation:str aggregate?:figure? grade?:str? members?:[sheet] comments?:[str]", sheet=SHEET
)
RECOMMENDATION = obj(
    "id:int application_id:int? organization_id:int title:str level:national|provincial programme:str year:int"
    " submitted_on:day outcome:won|not_won? document_no:str? decided_on:day? granted_funds:money? project_id:int?"
)

RESPONSES: dict[tuple[str, str], dict] = {
    ("POST", "/calls"): CALL,
    ("GET", "/calls"): page(CALL),
    ("GET", "/calls/<int:call_id>"): CALL,
    ("GET", "/calls/<int:call_id>/ranking"): obj("call:call items:[ranked]", call=CALL, ranked=RANKED),
    # What shows or changes an application answers the application as it stands.
    **dict.fromkeys(
        (
            ("POST", "/applications"),
            ("PATCH", "/applications/<int:application_id>"),
            ("GET", "/applications/<int:application_id>"),
            ("POST", "/applications/<int:application_id>/transitions"),
        ),
        APPLICATION,
    ),
    ("GET", "/applications"): page(APPLICATION_SUMMARY),
    ("POST", "/applications/<int:application_id>/attachments"): ATTACHMENT,
    ("PUT", "/applications/<int:application_id>/panel"): REVIEW_PANEL,
    ("POST", "/applications/<int:application_id>/panel/conflict"): obj("expert_id:int conflict_declared:bool"),
    ("PUT", "/applications/<int:application_id>/scores/me"): obj(
        "scores:obj total:figure recommendation:str integrity_concern:bool comment:str"
    ),
    ("GET", "/applications/<int:application_id>/scores"): REVIEW_SCORES,
    ("GET", "/notice"): page(APPLICATION_SUMMARY),
    ("POST", "/applications/<int:application_id>/objections"): OBJECTION,
    ("POST", "/objections/<int:objection_id>/resolve"): OBJECTION,
    ("POST", "/recommendations"): RECOMMENDATION,
    ("POST", "/recommendations/<int:recommendation_id>/outcome"): RECOMMENDATION,
    ("GET", "/recommendations"): page(RECOMMENDATION),
}
