"""Answers of calls, applications, the approval review, the public notice and recommendations
upward (api/applications.py, over services.applications.view)."""

from .shapes import BOOL, DAY, FIGURE, INT, MONEY, OBJ, STR, array, obj, opt, page

CALL = obj(
    ("id", "plan_id", "title", "opens_on", "closes_on", "open", "max_special_funds", "fields"),
    id=INT,
    plan_id=INT,
    plan=STR,
    title=STR,
    opens_on=DAY,
    closes_on=DAY,
    open=BOOL,
    guide=opt(STR),
    max_special_funds=opt(MONEY),
    fields=array(STR),
)
APPLICATION_SUMMARY = obj(
    ("id", "call_id", "title", "organization_id", "owner_id", "state", "special_funds", "version"),
    id=INT,
    call_id=INT,
    title=STR,
    organization_id=INT,
    owner_id=INT,
    state=STR,
    special_funds=MONEY,
    self_raised_committed=MONEY,
    submitted_on=opt(DAY),
    score=opt(FIGURE),
    notice_until=opt(DAY),
    project_id=opt(INT),
    version=INT,
)
OBJECTION = obj(
    ("id", "text", "raised_at", "resolved", "upheld", "resolution"),
    id=INT,
    text=STR,
    raised_at=STR,
    resolved=BOOL,
    upheld=opt(BOOL),
    resolution=opt(STR),
    raised_by_id=INT,  # staff only
)
ATTACHMENT = obj(id=INT, kind=STR, filename=STR, type=STR, size=INT)
APPLICATION_HISTORY = obj(
    ("trigger", "from_state", "to_state", "at", "comment", "actor"),
    trigger=STR,
    from_state=STR,
    to_state=STR,
    at=STR,
    comment=opt(STR),
    actor=opt(STR),
    details=opt(OBJ),  # staff only
)
APPLICATION = obj(
    (*APPLICATION_SUMMARY["required"], "start_date", "end_date", "budget", "indicators", "allowed_triggers"),
    **APPLICATION_SUMMARY["properties"],
    industry=opt(STR),
    summary=STR,
    start_date=DAY,
    end_date=DAY,
    granted_funds=opt(MONEY),
    budget=array(obj(category=STR, special=MONEY, self_raised=MONEY)),
    indicators=array(obj(key=STR, name=STR, unit=STR, target=STR, weight=STR)),
    attachments=array(ATTACHMENT),
    objections=array(OBJECTION),
    history=array(APPLICATION_HISTORY),
    allowed_triggers=array(STR),
)
RANKED = obj(
    (*APPLICATION_SUMMARY["required"], "rank", "suggested_funds"),
    **APPLICATION_SUMMARY["properties"],
    rank=INT,
    organization=STR,
    suggested_funds=MONEY,
)
REVIEW_PANEL = obj(
    ("year", "concluded", "members"),
    year=INT,
    formed_on=opt(DAY),
    scoring_due=opt(DAY),
    concluded=BOOL,
    members=array(obj(expert_id=INT, finance=BOOL, conflict_declared=BOOL)),
    seed=STR,  # a drawn panel only
)
SHEET = obj(
    ("expert_id", "scored", "total"),
    expert_id=INT,
    expert=STR,
    finance=BOOL,
    scored=BOOL,
    scores=opt(OBJ),
    total=opt(FIGURE),
    recommendation=opt(STR),
    integrity_concern=opt(BOOL),
    comment=opt(STR),
)
# Blind per role (services.applications.review.scores_view): staff all sheets, a member their own,
# the applicant the aggregate and the unnamed comments once the review is concluded.
REVIEW_SCORES = obj(
    ("concluded", "aggregation"),
    concluded=BOOL,
    aggregation=STR,
    aggregate=opt(FIGURE),
    grade=opt(STR),
    members=array(SHEET),
    comments=array(STR),
)
RECOMMENDATION = obj(
    id=INT,
    application_id=opt(INT),
    organization_id=INT,
    title=STR,
    level={"type": "string", "enum": ["national", "provincial"]},
    programme=STR,
    year=INT,
    submitted_on=DAY,
    outcome=opt({"type": "string", "enum": ["won", "not_won"]}),
    document_no=opt(STR),
    decided_on=opt(DAY),
    granted_funds=opt(MONEY),
    project_id=opt(INT),
)

RESPONSES: dict[tuple[str, str], dict] = {
    ("POST", "/calls"): CALL,
    ("GET", "/calls"): page(CALL),
    ("GET", "/calls/<int:call_id>"): CALL,
    ("GET", "/calls/<int:call_id>/ranking"): obj(call=CALL, items=array(RANKED)),
    ("POST", "/applications"): APPLICATION,
    ("PATCH", "/applications/<int:application_id>"): APPLICATION,
    ("GET", "/applications"): page(APPLICATION_SUMMARY),
    ("GET", "/applications/<int:application_id>"): APPLICATION,
    ("POST", "/applications/<int:application_id>/transitions"): APPLICATION,
    ("POST", "/applications/<int:application_id>/attachments"): ATTACHMENT,
    ("PUT", "/applications/<int:application_id>/panel"): REVIEW_PANEL,
    ("POST", "/applications/<int:application_id>/panel/conflict"): obj(expert_id=INT, conflict_declared=BOOL),
    ("PUT", "/applications/<int:application_id>/scores/me"): obj(
        scores=OBJ, total=FIGURE, recommendation=STR, integrity_concern=BOOL, comment=STR
    ),
    ("GET", "/applications/<int:application_id>/scores"): REVIEW_SCORES,
    ("GET", "/notice"): page(APPLICATION_SUMMARY),
    ("POST", "/applications/<int:application_id>/objections"): OBJECTION,
    ("POST", "/objections/<int:objection_id>/resolve"): OBJECTION,
    ("POST", "/recommendations"): RECOMMENDATION,
    ("POST", "/recommendations/<int:recommendation_id>/outcome"): RECOMMENDATION,
    ("GET", "/recommendations"): page(RECOMMENDATION),
}
