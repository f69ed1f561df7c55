"""Request bodies of the application side (API.md "Calls, applications and recommendations").
The application's, the call's and the recommendation's own fields are projectmgr.schemas' ApplicationIn,
CallIn and RecommendationIn, shared with the pages."""

from typing import Annotated, Literal

from pydantic import StringConstraints

from ..schemas import Body, Day, Id, LongText, Money, RecommendedProjectIn

Comment = Annotated[str, StringConstraints(max_length=5000)]


class ApplicationTransitionIn(Body):
    trigger: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    comment: Comment | None = None
    version: int | None = None
    notice_until: Day | None = None
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    responsible_staff_id: Id | None = None
    special_funds: Money | None = None


class ObjectionIn(Body):
    text: LongText


class ResolveIn(Body):
    upheld: bool
    comment: LongText


class OutcomeIn(Body):
    outcome: Literal["won", "not_won"]
    document_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    plan_id: Id | None = None
    special_funds: Money | None = None
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    # A direct recommendation (no application) won with `plan_id`: the rest of its project's registration.
    project: RecommendedProjectIn | None = None
