"""The domain's closed vocabularies. Member names equal their values (STYLE: transitions binding)."""

from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    expert = "expert"
    staff = "staff"
    admin = "admin"
    leader = "leader"
    # Separation of duties (三员分立, issue 13 item 6): beside the administrator.
    security_officer = "security_officer"
    auditor = "auditor"


class OrgKind(StrEnum):
    enterprise = "enterprise"
    university = "university"
    institute = "institute"
    government = "government"
    other = "other"


class Level(StrEnum):
    national = "national"
    provincial = "provincial"
    municipal = "municipal"


class State(StrEnum):
    approved = "approved"
    in_progress = "in_progress"
    mid_year_survey = "mid_year_survey"
    survey_submitted = "survey_submitted"
    acceptance_applied = "acceptance_applied"
    under_review = "under_review"
    rectifying = "rectifying"
    accepted = "accepted"
    closed_out = "closed_out"
    failed = "failed"
    evaluated = "evaluated"
    terminated = "terminated"


class Flag(StrEnum):
    major = "major"
    problematic = "problematic"
    seasonal = "seasonal"


class Category(StrEnum):
    equipment = "equipment"
    materials = "materials"
    testing = "testing"
    fuel_power = "fuel_power"
    travel_meeting = "travel_meeting"
    publication_ip = "publication_ip"
    labor = "labor"
    expert_consulting = "expert_consulting"
    other = "other"
    indirect = "indirect"


class FundSource(StrEnum):
    special = "special"
    self_raised = "self_raised"


class ReportKind(StrEnum):
    survey = "survey"
    acceptance = "acceptance"


class DueKind(StrEnum):
    survey_report = "survey_report"
    acceptance_application = "acceptance_application"
    rectification = "rectification"
    expert_scores = "expert_scores"
    annual_evaluation = "annual_evaluation"


class Grade(StrEnum):
    excellent = "excellent"
    good = "good"
    pass_ = "pass"
    fail = "fail"


class Recommendation(StrEnum):
    pass_ = "pass"
    rectify = "rectify"
    fail = "fail"


class Aggregation(StrEnum):
    mean = "mean"
    trimmed_mean = "trimmed_mean"


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"
