"""Input schemas shared by the faces and the services, validated by pydantic: the value types every
request body is built from, and a project's registration (the API's POST /projects and the Excel
project import validate the same ProjectIn), an application, a call and a recommendation upward (the API
and the pages build the same CallIn and RecommendationIn). Money and decimals are parsed by rules.money, as the
web forms parse them. The API's own request bodies are in api/schemas.py."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    create_model,
    field_validator,
)
from pydantic.fields import FieldInfo

from .i18n import translate
from .models import Category, Flag
from .rules.money import FieldError, parse_decimal, parse_money
from .rules.text import text_problem


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
# A ratio with two decimals, as a plan's minimum self-raised ratio.
Ratio = Annotated[
    Decimal,
    BeforeValidator(_decimal(2, False)),
    Field(le=Decimal("9999.99")),
    WithJsonSchema({"type": "string", "example": "1.00"}),
]
# Ids are 32-bit integers in the database; a larger one can name nothing.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Dates the rules can compute with (a deadline months after 9999-12-31 does not exist).
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))]


def _plain(value, multiline: bool):
    """Every string of a body, also inside lists and objects: rules.text (issue 13 item 13)."""
    if isinstance(value, str):
        if problem := text_problem(value, multiline):
            raise ValueError(translate(problem))
    elif isinstance(value, list):
        for item in value:
            _plain(item, multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            _plain(key, False)
            _plain(item, multiline)
    return value


def one_line(value: str) -> str:
    return _plain(value, multiline=False)


# One line of text (titles, names, codes): no tab or line break either.
Line = AfterValidator(one_line)
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), Line]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class Body(BaseModel):
    """Unknown fields are refused; no string anywhere in it holds a control character other than
    tab and line breaks (single-line types refuse those too), nor is only invisible characters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value):
        return _plain(value, multiline=True)


class BudgetLineIn(Body):
    category: Category
    special: Money
    self_raised: Money


class IndicatorIn(Body):
    key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
    name: Text
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Line]
    target: PositiveQuantity
    weight: PositiveQuantity = Decimal("1")


class FundedWorkIn(Body):
    """The fields a project and an application share: one form, one validation
    (services.projects.registration_errors checks the budget and indicators of both)."""

    title: Text
    start_date: Day
    end_date: Day
    industry: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), Line] | None = None
    special_funds: Money
    self_raised_committed: Money
    budget: Annotated[list[BudgetLineIn], Field(min_length=1)]
    indicators: Annotated[list[IndicatorIn], Field(min_length=1)]


class ProjectIn(FundedWorkIn):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), Line]
    plan_id: Id
    organization_id: Id
    owner_id: Id
    responsible_staff_id: Id | None = None
    flags: list[Flag] = []


# A recommendation upward won directly (no application) gives its project's title and organization,
# and the outcome its plan: the registration of that project (POST /recommendations/{id}/outcome,
# `project`) is ProjectIn's own fields less these, validated by the same field rules.
GIVEN_BY_RECOMMENDATION = ("title", "organization_id", "plan_id")
RecommendedProjectIn = create_model(
    "RecommendedProjectIn",
    __base__=Body,
    __doc__="A registration (ProjectIn) without the title, organization and plan a won recommendation gives.",
    **{name: (f.annotation, f) for name, f in ProjectIn.model_fields.items() if name not in GIVEN_BY_RECOMMENDATION},
)


class ApplicationIn(FundedWorkIn):
    """An application (POST /applications): the registration's fields, for a call."""

    call_id: Id
    summary: LongText


def _optional(f: FieldInfo):
    """A field's type and rules, not required (None when absent)."""
    annotation = Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation
    return annotation | None, None


# PATCH /applications/{id}: any of the application's fields (its call stays), by ApplicationIn's rules.
PATCHABLE = (
    "title",
    "start_date",
    "end_date",
    "industry",
    "summary",
    "special_funds",
    "self_raised_committed",
    "budget",
    "indicators",
)
ApplicationPatchIn = create_model(
    "ApplicationPatchIn",
    __base__=Body,
    __doc__="PATCH /applications/{id}: any of the application's fields; the whole is validated again.",
    **{name: _optional(ApplicationIn.model_fields[name]) for name in PATCHABLE},
    version=(int | None, None),
)


# A call for applications (POST /calls, the calls page, the demo): the service checks its plan and window.
class CallIn(Body):
    plan_id: Id
    title: Text
    opens_on: Day
    closes_on: Day
    guide: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] | None = None
    max_special_funds: Money | None = None
    fields: list[Text] | None = None


# A recommendation upward (POST /recommendations, the recommendations page, the demo): of an
# application, or of a project named by its title and organization.
class RecommendationIn(Body):
    application_id: Id | None = None
    title: Text | None = None
    organization_id: Id | None = None
    level: Literal["national", "provincial"]
    programme: Text
    year: Annotated[int, Field(ge=2000, le=2100)]
    submitted_on: Day
