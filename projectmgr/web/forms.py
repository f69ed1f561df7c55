"""WTForms for the pages. Money and dates are parsed as the API parses them (rules.money)."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from .. import labels
from ..i18n import translate
from ..rules.money import FieldError, parse_decimal, parse_money
from ..rules.text import text_problem


class MoneyField(Field):
    """Yuan with at most two decimals, never negative (positive=True: above zero)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, positive: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.positive = positive
        self.raw = ""

    def _value(self):
        if self.raw:
            return self.raw
        return f"{self.data:.2f}" if self.data is not None else ""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        try:
            self.data = self.parse(self.raw)
        except FieldError as exc:
            raise ValueError(translate(exc.message)) from None

    def parse(self, text: str) -> Decimal:
        return parse_money(text, field=self.name, positive=self.positive)


class DecimalTextField(MoneyField):
    """Indicator values: up to four decimals."""

    def __init__(self, label=None, validators=None, positive: bool = False, places: int = 4, **kwargs):
        super().__init__(label, validators, positive=positive, **kwargs)
        self.places = places

    def _value(self):
        if self.raw:
            return self.raw
        return f"{self.data.normalize():f}" if self.data is not None else ""

    def parse(self, text: str) -> Decimal:
        return parse_decimal(text, field=self.name, places=self.places, positive=self.positive)


class PlainText:
    """WTForms validator: rules.text, the check the API's schemas make (issue 13 item 13)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str) and (problem := text_problem(field.data, self.multiline)):
            raise ValidationError(translate(problem))


class PageForm(FlaskForm):
    """The pages' forms: every text field, also in sub-forms and lists, is plain text (a text area
    may hold tabs and line breaks); passwords are left as typed."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return _plain_fields(self) and valid


def _plain_fields(fields) -> bool:
    valid = True
    for field in fields:
        if isinstance(field, FormField):
            valid = _plain_fields(field.form) and valid
        elif isinstance(field, FieldList):
            valid = _plain_fields(field.entries) and valid
        elif isinstance(field, StringField) and not isinstance(field, PasswordField):
            try:
                PlainText(multiline=isinstance(field, TextAreaField))(None, field)
            except ValidationError as exc:
                field.errors = [*field.errors, str(exc)]
                valid = False
    return valid


def choices(mapping: dict, blank: bool = False) -> list[SelectChoice]:
    """Select options from a key → label mapping (labels.py), optionally led by an empty one."""
    options = [SelectChoice("", "—")] if blank else []
    return options + [SelectChoice(k, v) for k, v in mapping.items()]


class LoginForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class TotpForm(PageForm):
    code = StringField(
        _l("One-time code (or a recovery code)"),
        validators=[DataRequired(), Length(max=20)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )


class PasswordChangeForm(PageForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class EmptyForm(PageForm):
    """A CSRF-protected POST with no fields (buttons)."""


class LanguageForm(PageForm):
    lang = SelectField(_l("Language"), choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")])
    next = HiddenField()


class TransitionForm(PageForm):
    trigger = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    conclusion = SelectField(
        _l("Conclusion"),
        choices=choices({k: labels.STATES[k] for k in ("accepted", "closed_out", "failed")}, blank=True),
        validators=[Optional()],
    )
    document_no = StringField(_l("Document number"), validators=[Optional(), Length(max=100)])
    grade = SelectField(_l("Grade"), choices=choices(labels.GRADES, blank=True), validators=[Optional()])


class DisbursementForm(PageForm):
    date = DateField(_l("Date"), validators=[InputRequired()])
    amount = MoneyField(_l("Amount (yuan)"), validators=[InputRequired()], positive=True)


class SelfRaisedForm(PageForm):
    date = DateField(_l("Date"), validators=[InputRequired()])
    amount = MoneyField(_l("Amount (yuan)"), validators=[InputRequired()], positive=True)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ExpenditureForm(PageForm):
    date = DateField(_l("Date"), validators=[InputRequired()])
    category = SelectField(_l("Category"), choices=choices(labels.CATEGORIES))
    source = SelectField(_l("Source"), choices=choices(labels.SOURCES))
    amount = MoneyField(_l("Amount (yuan)"), validators=[InputRequired()], positive=True)
    voucher = StringField(_l("Voucher number"), validators=[Optional(), Length(max=64)])


class ExtensionForm(PageForm):
    new_end_date = DateField(_l("New end date"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=20000)])


class ConflictForm(PageForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=20000)])


class DrawForm(PageForm):
    size = IntegerField(_l("Panel size"), validators=[Optional(), NumberRange(min=1, max=99)])
    fields = StringField(_l("Fields (comma-separated)"), validators=[Optional(), Length(max=500)])
    seed = StringField(_l("Seed (leave empty for a new one)"), validators=[Optional(), Length(max=64)])


def report_form(project, kind):
    """A report form with one achieved-value field per indicator of the project."""
    from wtforms import BooleanField

    class ReportForm(PageForm):
        summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=20000)])
        separate_account = BooleanField(_l("Special funds are accounted separately (单独核算、专款专用)"))

    for indicator in project.indicators:
        setattr(
            ReportForm,
            f"ind_{indicator.id}",
            DecimalTextField(f"{indicator.name} ({indicator.unit})", validators=[Optional()]),
        )
    return ReportForm()
