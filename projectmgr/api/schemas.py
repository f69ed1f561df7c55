"""Request bodies of the JSON API, validated by pydantic; their JSON Schemas go into the
OpenAPI document. Money and decimals are parsed by rules.money, as the web forms parse them."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

from ..i18n import translate
from ..models import Aggregation, Category, Flag, FundSource, Level, OrgKind, ReportKind, Role
from ..rules.money import FieldError, parse_decimal, parse_money


def _money(positive: bool):
    def parse(value):
        try:
            return parse_money(value, field="amount", positive=positive)
        except FieldError as exc:
            raise ValueError(translate(exc.message)) from None

    return parse


def _decimal(places: int, positive: bool):
    def parse(value):
        try:
            return parse_decimal(value, field="value", places=places, positive=positive)
        except FieldError as exc:
            raise ValueError(translate(exc.message)) from None

    return parse


_MONEY_SCHEMA = {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "1200000.00"}
Money = Annotated[Decimal, BeforeValidator(_money(False)), WithJsonSchema(_MONEY_SCHEMA)]
PositiveMoney = Annotated[Decimal, BeforeValidator(_money(True)), WithJsonSchema(_MONEY_SCHEMA)]
Quantity = Annotated[
    Decimal, BeforeValidator(_decimal(4, False)), WithJsonSchema({"type": "string", "example": "12.5"})
]
PositiveQuantity = Annotated[
    Decimal, BeforeValidator(_decimal(4, True)), WithJsonSchema({"type": "string", "example": "12.5"})
]
# Ids are 32-bit integers in the database; a larger one can name nothing.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Dates the rules can compute with (a deadline months after 9999-12-31 does not exist).
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TokenIn(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


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


class PlanIn(Body):
    name: Text
    level: Level
    year: Annotated[int, Field(ge=2000, le=2100)]
    min_self_raised_ratio: Annotated[
        Decimal,
        BeforeValidator(_decimal(2, False)),
        Field(le=Decimal("9999.99")),
        WithJsonSchema({"type": "string", "example": "1.00"}),
    ] = Decimal("0")
    panel_min_size: Annotated[int, Field(ge=1, le=99)] | None = None
    panel_min_finance: Annotated[int, Field(ge=0, le=99)] | None = None
    aggregation: Aggregation = Aggregation.mean


class BudgetLineIn(Body):
    category: Category
    special: Money
    self_raised: Money


class IndicatorIn(Body):
    key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
    name: Text
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    target: PositiveQuantity
    weight: PositiveQuantity = Decimal("1")


class ProjectIn(Body):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    title: Text
    plan_id: Id
    organization_id: Id
    owner_id: Id
    start_date: Day
    end_date: Day
    industry: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    responsible_staff_id: Id | None = None
    flags: list[Flag] = []
    special_funds: Money
    self_raised_committed: Money
    budget: Annotated[list[BudgetLineIn], Field(min_length=1)]
    indicators: Annotated[list[IndicatorIn], Field(min_length=1)]


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


class ExtensionDecisionIn(Body):
    approve: bool


class DrawIn(Body):
    size: Annotated[int, Field(ge=1, le=99)] | None = None
    fields: list[Text] | None = None
    seed: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class PanelIn(Body):
    expert_ids: list[Id] | None = None
    draw: DrawIn | None = None


class ConflictIn(Body):
    reason: LongText


class ScoresIn(Body):
    # Criterion values are checked against the project's scoresheet (rules.scoring), so that the
    # error names the criterion and its maximum; a boolean or null is refused there, as "scores.<key>".
    scores: dict[str, Annotated[Any, WithJsonSchema({"type": ["number", "string"], "example": 18})]]
    recommendation: Literal["pass", "rectify", "fail"]
    integrity_concern: bool = False
    comment: Annotated[str, StringConstraints(max_length=5000)] = ""
