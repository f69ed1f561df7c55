"""The project's states in named groups (DESIGN §3). Every "is the project in one of these
states" question anywhere in the code asks one of these; no other module keeps a list of states.
Tuples, in lifecycle order, so that what is drawn or listed from them reads in that order."""

from ..models import ReportKind, State

S = State

# The acceptance's outcomes: the project is concluded, not yet evaluated.
CONCLUDED: tuple[State, ...] = (S.accepted, S.closed_out, S.failed)
# Concluded or evaluated: the acceptance lies behind the project.
AFTER_CONCLUSION: tuple[State, ...] = (*CONCLUDED, S.evaluated)
# Nothing more happens: funds and reports are closed.
FINAL: tuple[State, ...] = (S.evaluated, S.terminated)
# Before a conclusion (neither concluded, evaluated nor terminated): the project may still be terminated.
BEFORE_CONCLUSION: tuple[State, ...] = tuple(s for s in State if s not in (*AFTER_CONCLUSION, *FINAL))
# The project runs, before its acceptance is applied for: an extension may be asked and decided.
EXTENDABLE: tuple[State, ...] = (S.approved, S.in_progress, S.mid_year_survey, S.survey_submitted)
# Before the acceptance is applied for, staff may set or adjust the task book's indicators (a project
# moved in from a workbook arrives without them); afterwards they are what the acceptance is judged on.
INDICATORS_ADJUSTABLE: tuple[State, ...] = EXTENDABLE
# A deadline missed in these states fails the project (the sweep's expire).
EXPIRABLE: tuple[State, ...] = (S.in_progress, S.mid_year_survey, S.survey_submitted, S.rectifying)
# The acceptance application is examined: what decides the conclusion is fixed (no reports) and
# the panel is put together or, during the review, members who stepped aside are replaced.
UNDER_EXAMINATION: tuple[State, ...] = (S.acceptance_applied, S.under_review)
REPORTS_FROZEN = UNDER_EXAMINATION
PANEL_OPEN = UNDER_EXAMINATION
# The panel scores.
SCORING: tuple[State, ...] = (S.under_review,)
# A certificate is issued for an acceptance that passed: accepted, or closed out (结题).
CERTIFIED: tuple[State, ...] = (S.accepted, S.closed_out)
# Running and not yet applied for acceptance: a project moved in at one of these owes its application.
OWES_ACCEPTANCE_APPLICATION: tuple[State, ...] = (S.approved, S.in_progress)
# Work on the project has begun (it was not terminated before it started).
STARTED: tuple[State, ...] = tuple(s for s in State if s not in (S.approved, S.terminated))
# Survey reports belong to the survey window; acceptance reports to the running project and its rectification.
REPORT_WINDOWS: dict[ReportKind, tuple[State, ...]] = {
    ReportKind.survey: (S.mid_year_survey,),
    ReportKind.acceptance: (S.in_progress, S.rectifying),
}
