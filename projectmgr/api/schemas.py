"""The JSON API's own request bodies, validated by pydantic; their JSON Schemas go into the OpenAPI
document. The value types they are built from, and the project registration the Excel import
shares, are in projectmgr/schemas.py."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema, create_model

from ..models import Aggregation, Category, Flag, FundSource, Level, OrgKind, ReportKind, Role
from ..schemas import Body, Day, Id, IndicatorIn, LongText, PositiveMoney, Quantity, Ratio, Text
from ..services.account_settings import SETTINGS


class TokenIn(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    # The one-time code (or a recovery code) of a user with a second factor (issue 13 item 4).
    totp: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None


class OrganizationIn(Body):
    name: Text
    kind: OrgKind
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class ExpertIn(Body):
    fields: list[Text] = []
    finance: bool = False
    title: Annotated[str, StringConstraints(max_length=120)] = ""
    conflict_organization_ids: list[Id] = []


class UserIn(Body):
    username: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[\w.@+-]+$")
    ]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Role
    display_name: Text
    organization_id: Id | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    expert: ExpertIn | None = None


class AccountChangeIn(Body):
    """An account's new role and/or organization (`organization_id: null` takes it out of one)."""

    role: Role | None = None
    organization_id: Id | None = None


# The security officer's settings: all six, each a whole number within the bounds the page has.
SecuritySettingsIn = create_model(
    "SecuritySettingsIn",
    __base__=Body,
    **{s.name: (Annotated[int, Field(ge=s.minimum, le=s.maximum)], ...) for s in SETTINGS},
)


class PlanIn(Body):
    name: Text
    level: Level
    year: Annotated[int, Field(ge=2000, le=2100)]
    min_self_raised_ratio: Ratio = Decimal("0")
    panel_min_size: Annotated[int, Field(ge=1, le=99)] | None = None
    panel_min_finance: Annotated[int, Field(ge=0, le=99)] | None = None
    aggregation: Aggregation = Aggregation.mean


class FlagsIn(Body):
    flags: list[Flag]
    version: int | None = None


class TransitionIn(Body):
    trigger: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = None
    version: int | None = None
    due_date: Day | None = None
    conclusion: Literal["accepted", "closed_out", "failed"] | None = None
    document_no: Annotated[str, StringConstraints(max_length=100)] | None = None
    grade: Literal["excellent", "good", "pass", "fail"] | None = None


class DisbursementIn(Body):
    date: Day
    amount: PositiveMoney


class SelfRaisedIn(Body):
    date: Day
    amount: PositiveMoney
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ExpenditureIn(Body):
    date: Day
    category: Category
    source: FundSource
    amount: PositiveMoney
    voucher: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None


class AchievedIn(Body):
    key: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    achieved: Quantity


class ReportIn(Body):
    kind: ReportKind
    summary: LongText
    indicators: list[AchievedIn] = []
    separate_account: bool | None = None


class ExtensionIn(Body):
    new_end_date: Day
    reason: LongText


class IndicatorsIn(Body):
    """PUT /projects/{id}/indicators: the project's whole list of indicators, and why they change."""

    indicators: Annotated[list[IndicatorIn], Field(min_length=1, max_length=50)]
    comment: LongText


class ExtensionDecisionIn(Body):
    approve: bool


Seed = Annotated[
    Annotated[str, StringConstraints(min_length=1, max_length=64)] | Annotated[int, Field(ge=-(10**20), le=10**20)],
    AfterValidator(str),
    WithJsonSchema({"type": ["string", "integer"], "example": "audit-2026"}),
]


class DrawIn(Body):
    size: Annotated[int, Field(ge=1, le=99)] | None = None
    fields: list[Text] | None = None
    # A JSON integer or a string; stored as text, so 42 and "42" replay the same panel.
    seed: Seed | None = None


class PanelIn(Body):
    expert_ids: list[Id] | None = None
    draw: DrawIn | None = None

    def choice(self) -> dict:
        """The chosen experts or the draw, as the panel services take them (`expert_ids`, `draw_spec`)."""
        return {"expert_ids": self.expert_ids, "draw_spec": self.draw.model_dump() if self.draw is not None else None}


class ConflictIn(Body):
    reason: LongText


class ScoresIn(Body):
    # Criterion values are checked against the project's scoresheet (rules.scoring), so that the
    # error names the criterion and its maximum; a boolean or null is refused there, as "scores.<key>".
    scores: dict[str, Annotated[Any, WithJsonSchema({"type": ["number", "string"], "example": 18})]]
    recommendation: Literal["pass", "rectify", "fail"]
    integrity_concern: bool = False
    comment: Annotated[str, StringConstraints(max_length=5000)] = ""


class MovingInDefaults(Body):
    plan_id: Id | None = None
    responsible_staff_id: Id | None = None


class MappingIn(Body):
    """PUT /imports/workbooks/{id}/mapping (API.md "Moving in")."""

    sheet: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    header_row: Annotated[int, Field(ge=1, le=1000)] | None = None
    columns: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,3}$")],
        Annotated[str, StringConstraints(max_length=64)] | None,
    ]
    amount_unit: Literal["yuan", "wan"] | None = None
    defaults: MovingInDefaults = MovingInDefaults()
