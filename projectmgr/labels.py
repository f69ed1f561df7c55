"""The bureau's words (GLOSSARY.md) for every key the pages show; translated by Flask-Babel."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

STATES = {
    "approved": _l("Approved"),
    "in_progress": _l("In progress"),
    "mid_year_survey": _l("Mid-year survey"),
    "survey_submitted": _l("Survey report submitted"),
    "acceptance_applied": _l("Applied for acceptance"),
    "under_review": _l("Under expert review"),
    "rectifying": _l("Rectifying"),
    "accepted": _l("Accepted"),
    "closed_out": _l("Closed out"),
    "failed": _l("Failed acceptance"),
    "evaluated": _l("Evaluated"),
    "terminated": _l("Terminated"),
}

TRIGGERS = {
    "start": _l("Start"),
    "open_survey": _l("Open mid-year survey"),
    "submit_survey": _l("Submit survey report"),
    "return_survey": _l("Return for revision"),
    "accept_survey": _l("Accept survey"),
    "apply_acceptance": _l("Apply for acceptance"),
    "form_panel": _l("Form expert panel"),
    "conclude": _l("Conclude acceptance"),
    "close_out": _l("Close out"),
    "record_conclusion": _l("Record higher authority's conclusion"),
    "reapply": _l("Reapply after rectification"),
    "evaluate": _l("Annual evaluation"),
    "terminate": _l("Terminate"),
    "expire": _l("Expired (deemed failed)"),
    # Changes that keep the state, in the history too (lifecycle.EVENTS).
    "approve_extension": _l("Extension approved"),
    "refuse_extension": _l("Extension refused"),
    "regrade": _l("Evaluation grade changed"),
    "set_indicators": _l("Indicators set"),
    "migrate": _l("Moved in from a workbook"),
}

LEVELS = {"national": _l("National"), "provincial": _l("Provincial"), "municipal": _l("Municipal")}

FLAGS = {"major": _l("Major"), "problematic": _l("Problematic"), "seasonal": _l("Seasonal")}

ROLES = {
    "owner": _l("Project owner"),
    "expert": _l("Expert reviewer"),
    "staff": _l("Bureau staff"),
    "admin": _l("Administrator"),
    "leader": _l("Bureau leader"),
    "security_officer": _l("Security officer"),
    "auditor": _l("Security auditor"),
}

CATEGORIES = {
    "equipment": _l("Equipment"),
    "materials": _l("Materials"),
    "testing": _l("Testing, assay and processing"),
    "fuel_power": _l("Fuel and power"),
    "travel_meeting": _l("Travel, meetings and international exchange"),
    "publication_ip": _l("Publication, literature, dissemination and IP"),
    "labor": _l("Labour"),
    "expert_consulting": _l("Expert consulting"),
    "other": _lp("budget category", "Other"),
    "indirect": _l("Indirect costs"),
}

SOURCES = {"special": _l("Special funds"), "self_raised": _l("Self-raised funds")}

# Each due kind as a label, and as it reads inside a sentence ("The survey report of …"): the reminders' emails.
_DUE_WORDS = {
    "survey_report": (_l("Survey report"), _l("survey report")),
    "acceptance_application": (_l("Acceptance application"), _l("acceptance application")),
    "rectification": (_l("Rectification"), _l("rectification")),
    "expert_scores": (_l("Expert scores"), _l("expert scores")),
    "annual_evaluation": (_l("Annual evaluation"), _l("annual evaluation")),
}
DUE_KINDS = {kind: label for kind, (label, _in_text) in _DUE_WORDS.items()}
DUE_KINDS_IN_TEXT = {kind: in_text for kind, (_label, in_text) in _DUE_WORDS.items()}

GRADES = {"excellent": _l("Excellent"), "good": _l("Good"), "pass": _l("Pass"), "fail": _l("Fail")}

# An expert's recommendation is worded apart from the grade of the same English word (通过 / 合格).
RECOMMENDATIONS = {
    "pass": _lp("recommendation", "Pass"),
    "rectify": _lp("recommendation", "Rectify"),
    "fail": _lp("recommendation", "Fail"),
}

BINDING = {
    "special_within_budget": _l("Special funds within budget"),
    "special_only_budgeted": _l("Special funds only in budgeted categories"),
    "self_raised_in_place": _l("Self-raised funds in place"),
    "separate_account": _l("Separate accounting"),
    "integrity": _l("Truthful materials"),
}

LEDGER_STATUS = {"on_track": _l("On track"), "at_risk": _l("At risk"), "behind": _l("Behind")}

SEVERITY = {"hard": _l("hard"), "remediable": _l("remediable")}

ORG_KINDS = {
    "enterprise": _l("Enterprise"),
    "university": _l("University"),
    "institute": _l("Research institute"),
    "government": _l("Government"),
    "other": _l("Other"),
}

# The official documents (services.documents), as their links read.
DOCUMENTS = {
    "acceptance-certificate": _l("Acceptance certificate"),
    "panel-opinion": _l("Panel opinion"),
    "task-book": _l("Task book"),
}

APPLICATION_STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for correction"),
    "checked": _l("Passed the formal check"),
    "under_review": _lp("application", "Under expert review"),
    "reviewed": _l("Reviewed"),
    "publicized": _l("On public notice"),
    "approved": _lp("application", "Approved"),
    "rejected": _l("Not approved"),
    "withdrawn": _l("Withdrawn"),
}

APPLICATION_TRIGGERS = {
    "submit": _l("Submit application"),
    "return": _l("Return for correction"),
    "resubmit": _l("Resubmit"),
    "pass_check": _l("Pass the formal check"),
    "form_panel": _lp("application", "Form review panel"),
    "conclude_review": _l("Conclude the review"),
    "publicize": _l("Publish for public notice"),
    "approve": _l("Approve (register the project)"),
    "reject": _l("Do not approve"),
    "withdraw": _l("Withdraw"),
}

ATTACHMENT_KINDS = {
    "application_form": _l("Application form"),
    "business_licence": _l("Business licence"),
    "audit_report": _l("Audit report"),
}

OUTCOMES = {"won": _l("Won"), "not_won": _l("Not won"), "pending": _l("Pending")}

ALL = {
    "state": STATES,
    "trigger": TRIGGERS,
    "level": LEVELS,
    "flag": FLAGS,
    "role": ROLES,
    "category": CATEGORIES,
    "source": SOURCES,
    "due": DUE_KINDS,
    "grade": GRADES,
    "recommendation": RECOMMENDATIONS,
    "binding": BINDING,
    "ledger_status": LEDGER_STATUS,
    "severity": SEVERITY,
    "org_kind": ORG_KINDS,
    "document": DOCUMENTS,
    "application_state": APPLICATION_STATES,
    "application_trigger": APPLICATION_TRIGGERS,
    "attachment_kind": ATTACHMENT_KINDS,
    "outcome": OUTCOMES,
}


def label(kind: str, key) -> str:
    """A translated label for a domain key; the key itself where none is defined."""
    value = getattr(key, "value", key)
    return str(ALL[kind].get(value, value))
