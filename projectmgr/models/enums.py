"""The domain's closed vocabularies. Member names equal their values (STYLE: transitions binding):
most are written in StrEnum's functional form, which gives each name as its own value."""

from enum import StrEnum

# Separation of duties (三员分立, issue 13 item 6): security_officer and auditor beside the administrator.
Role = StrEnum("Role", "owner expert staff admin leader security_officer auditor")

OrgKind = StrEnum("OrgKind", "enterprise university institute government other")

Level = StrEnum("Level", "national provincial municipal")

State = StrEnum(
    "State",
    "approved in_progress mid_year_survey survey_submitted acceptance_applied under_review rectifying"
    " accepted closed_out failed evaluated terminated",
)

Flag = StrEnum("Flag", "major problematic seasonal")

Category = StrEnum(
    "Category",
    "equipment materials testing fuel_power travel_meeting publication_ip labor expert_consulting other indirect",
)

FundSource = StrEnum("FundSource", "special self_raised")

ReportKind = StrEnum("ReportKind", "survey acceptance")

DueKind = StrEnum("DueKind", "survey_report acceptance_application rectification expert_scores annual_evaluation")

Aggregation = StrEnum("Aggregation", "mean trimmed_mean")

ExtensionStatus = StrEnum("ExtensionStatus", "pending approved refused")


# `pass` is a keyword: the member is named pass_.
class Grade(StrEnum):
    excellent = "excellent"
    good = "good"
    pass_ = "pass"
    fail = "fail"


class Recommendation(StrEnum):
    pass_ = "pass"
    rectify = "rectify"
    fail = "fail"
