"""Forms of the application steps. Every field is optional while drafting (completeness is checked at submit);
a field that is filled in must be well formed, and its error is shown beside it with what was typed."""
import re
from datetime import date

import phonenumbers
import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import DateField, Field, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError
from wtforms.widgets import Select, TextInput, html_params

from ..models import BusinessStage, Disability, Education, Gender

# Large enough for any small-business budget, small enough that sums stay far inside BIGINT.
MAX_AMOUNT = 10**15
MAX_QUANTITY = 1_000_000
MAX_UNIT_COST = 10**12
MAX_BUDGET_LINES = 50
EMPTY_BUDGET_ROWS = 3
MAX_JOBS = 10_000

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def ascii_digits(value: str) -> str:
    """Arabic-Indic (٠١٢) and Persian (۰۱۲) digits as 012: phones in Syria type either."""
    return value.translate(_DIGITS)


def _squash(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional(coerce):
    def convert(value):
        if value in ("", None):
            return None
        return coerce(value)

    return convert


# --- fields with messages of our own (WTForms' English defaults are not in our catalogue) ----------------

class WholeNumberField(Field):
    """A whole number; accepts Arabic digits and thousands separators (1,500,000 or ١٥٠٠٠٠٠). Empty is None."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        # Spaces and thousands separators (, ٬ ،) are how people write amounts; a decimal point is not allowed.
        raw = re.sub(r"[\s,\u066c\u060c]", "", ascii_digits(valuelist[0] or ""))
        if raw == "":
            self.data = None
            return
        if not re.fullmatch(r"\d{1,18}", raw):
            self.data = None
            raise ValueError(_l("Enter a whole number, without decimals, for example 1500000."))
        self.data = int(raw)


class _MayBeUnanswered:
    """For drop-downs and radio buttons in drafts: None means "not answered yet"; any other value must be
    one of the offered choices, and a value that does not convert is an error beside the field, not a 500."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = self.coerce(valuelist[0])
        except (ValueError, TypeError, KeyError) as error:
            self.data = None
            raise ValueError(_l("Choose one of the options.")) from error

    def pre_validate(self, form):
        if self.data is None:
            return
        # The offered choices only, never the "Choose…" placeholder a drop-down adds.
        for _, _, match, *_ in wtforms.SelectField.iter_choices(self):
            if match:
                return
        raise ValidationError(_l("Choose one of the options."))


class ChoiceField(_MayBeUnanswered, wtforms.SelectField):
    """A drop-down whose empty first option means "not answered yet"."""

    def __init__(self, label=None, validators=None, coerce=str, placeholder=_l("Choose…"), **kwargs):
        super().__init__(label, validators, coerce=_optional(coerce), **kwargs)
        self.placeholder = placeholder

    def iter_choices(self):
        yield ("", self.placeholder, self.data is None, {})
        yield from super().iter_choices()


class GroupedSelect(Select):
    """A select whose options are grouped (<optgroup>), after a first empty option."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        html = [f"<select {html_params(name=field.name, **kwargs)}>",
                self.render_option("", field.placeholder, field.data is None)]
        for group, choices in field.iter_groups():
            html.append(f"<optgroup {html_params(label=group)}>")
            for value, label, selected, render_kw in choices:
                html.append(self.render_option(value, label, selected, **render_kw))
            html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))


class GroupedChoiceField(ChoiceField):
    widget = GroupedSelect()

    def iter_choices(self):
        # Only the real options: the widget adds the empty one itself.
        return wtforms.SelectField.iter_choices(self)


class RadioField(_MayBeUnanswered, wtforms.RadioField):
    """Radio buttons that may be left unanswered while drafting (named RadioField for the field() macro)."""

    def __init__(self, label=None, validators=None, coerce=str, **kwargs):
        super().__init__(label, [Optional()] + list(validators or []), coerce=_optional(coerce), **kwargs)


class BirthDateField(DateField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            super().process_formdata([ascii_digits(valuelist[0].strip())])
        except ValueError as error:
            raise ValueError(_l("Enter the date as year-month-day, for example 1998-04-23.")) from error


# --- validators ----------------------------------------------------------------------------------------

def arabic_name(form, field):
    if field.data and not _ARABIC_LETTER.search(field.data):
        raise ValidationError(_l("Write the name in Arabic letters."))


def latin_name(form, field):
    if field.data and (_ARABIC_LETTER.search(field.data) or not _LATIN_LETTER.search(field.data)):
        raise ValidationError(_l("Write the name in Latin letters (A to Z), as in your passport if you have one."))


def past_birth_date(form, field):
    if field.data is None:
        return
    if field.data.year < 1900 or field.data >= date.today():
        raise ValidationError(_l("Enter your real date of birth."))


def national_id_number(form, field):
    if field.data and not re.fullmatch(r"[0-9A-Z]{5,32}", field.data):
        raise ValidationError(_l("Enter the number as it is written on your identity card: 5 to 32 letters or "
                                 "digits, without spaces."))


def phone_number(form, field):
    """Local Syrian and international numbers; the E.164 form is kept in field.normalized."""
    field.normalized = None
    if not field.data:
        return
    try:
        number = phonenumbers.parse(field.data, "SY")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_l("Enter a valid phone number, for example 0944 123 456 or +963 944 123 456."))
    field.normalized = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whole_number(minimum, maximum, message):
    return [Optional(), NumberRange(min=minimum, max=maximum, message=message)]


def _id_filter(value):
    return re.sub(r"[\s-]", "", ascii_digits(value)).upper() if isinstance(value, str) else value


def _phone_filter(value):
    return _squash(ascii_digits(value)) if isinstance(value, str) else value


# --- the steps -------------------------------------------------------------------------------------------

def enum_choices(enum_class):
    return lambda: [(member.value, member.title) for member in enum_class]


class ApplicantForm(FlaskForm):
    full_name_ar = StringField(_l("Full name in Arabic"), filters=[_squash],
                               validators=[Optional(), Length(max=200), arabic_name])
    full_name_latin = StringField(_l("Full name in Latin letters"), filters=[_squash],
                                  validators=[Optional(), Length(max=200), latin_name])
    date_of_birth = BirthDateField(_l("Date of birth"), validators=[Optional(), past_birth_date])
    gender = RadioField(_l("Gender"), coerce=Gender, choices=enum_choices(Gender))
    national_id = StringField(_l("National ID number"), filters=[_id_filter],
                              validators=[Optional(), national_id_number])
    phone = StringField(_l("Mobile phone"), filters=[_phone_filter],
                        validators=[Optional(), Length(max=32), phone_number])
    place_id = GroupedChoiceField(_l("Where you live (subdistrict)"), coerce=int, choices={},
                                  placeholder=_l("Choose your subdistrict…"))
    education = ChoiceField(_l("Education"), coerce=Education, choices=enum_choices(Education))
    current_work = TextAreaField(_l("Current work"), filters=[_strip], validators=[Optional(), Length(max=1000)])
    disability = RadioField(_l("Do you live with a disability? (optional)"), coerce=Disability,
                            choices=enum_choices(Disability))

    STEP_FIELDS = ("full_name_ar", "full_name_latin", "date_of_birth", "gender", "national_id", "phone",
                   "place_id", "education", "current_work", "disability")


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def _yes_no(value):
    if isinstance(value, bool):
        return value
    return {"yes": True, "no": False}[value]


class BusinessForm(FlaskForm):
    business_name = StringField(_l("Name of the business"), filters=[_squash],
                                validators=[Optional(), Length(max=200)])
    sector_id = ChoiceField(_l("Sector"), coerce=int, choices=[])
    stage = RadioField(_l("Stage of the business"), coerce=BusinessStage, choices=[])
    women_led = RadioField(_l("Is the business led by a woman?"), coerce=_yes_no, choices=YES_NO)
    business_description = TextAreaField(_l("What the business does"), filters=[_strip],
                                         validators=[Optional(), Length(max=5000)])
    problem_and_customers = TextAreaField(_l("The problem it solves and who its customers are"), filters=[_strip],
                                          validators=[Optional(), Length(max=5000)])
    jobs_women = WholeNumberField(_l("Jobs it will create for women"), validators=whole_number(
        0, MAX_JOBS, _l("Enter a number from 0 to %(max)s.", max=MAX_JOBS)))
    jobs_men = WholeNumberField(_l("Jobs it will create for men"), validators=whole_number(
        0, MAX_JOBS, _l("Enter a number from 0 to %(max)s.", max=MAX_JOBS)))
    partners = TextAreaField(_l("Partners (optional)"), filters=[_strip], validators=[Optional(), Length(max=2000)])

    STEP_FIELDS = ("business_name", "sector_id", "stage", "women_led", "business_description",
                   "problem_and_customers", "jobs_women", "jobs_men", "partners")


class BudgetLineForm(Form):
    """One row of the budget; an empty row is ignored, a half-filled one says what is missing."""

    item = StringField(_l("Item"), filters=[_squash], validators=[Length(max=200)])
    quantity = WholeNumberField(_l("Quantity"), validators=whole_number(
        1, MAX_QUANTITY, _l("Enter a quantity from 1 to %(max)s.", max=MAX_QUANTITY)))
    unit_cost = WholeNumberField(_l("Unit cost"), validators=whole_number(
        0, MAX_UNIT_COST, _l("Enter a cost from 0 to %(max)s.", max=MAX_UNIT_COST)))

    @property
    def is_blank(self) -> bool:
        for field in (self.item, self.quantity, self.unit_cost):
            value = field.raw_data[0] if field.raw_data else field.data
            if value is not None and str(value).strip():
                return False
        return True

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank:
            return valid
        if not self.item.data and not self.item.errors:
            self.item.errors.append(_l("Name the item."))
        if self.quantity.data is None and not self.quantity.errors:
            self.quantity.errors.append(_l("Enter the quantity."))
        if self.unit_cost.data is None and not self.unit_cost.errors:
            self.unit_cost.errors.append(_l("Enter the unit cost."))
        return not (self.item.errors or self.quantity.errors or self.unit_cost.errors)

    @property
    def has_errors(self) -> bool:
        return bool(self.item.errors or self.quantity.errors or self.unit_cost.errors)

    @property
    def total(self) -> int | None:
        if self.has_errors or self.quantity.data is None or self.unit_cost.data is None:
            return None
        return self.quantity.data * self.unit_cost.data


class BudgetForm(FlaskForm):
    lines = FieldList(FormField(BudgetLineForm), max_entries=MAX_BUDGET_LINES + EMPTY_BUDGET_ROWS * 20)
    own_contribution = WholeNumberField(_l("Your own contribution"), validators=whole_number(
        0, MAX_AMOUNT, _l("Enter a whole amount of 0 or more.")))
    requested_amount = WholeNumberField(_l("Amount requested"), validators=whole_number(
        0, MAX_AMOUNT, _l("Enter a whole amount of 0 or more.")))

    def valid_lines(self) -> list[tuple[str, int, int]]:
        """The rows that are filled in and well formed, in their order on the page."""
        return [(row.form.item.data, row.form.quantity.data, row.form.unit_cost.data)
                for row in self.lines if not row.form.is_blank and not row.form.has_errors]

    def add_empty_rows(self, count: int) -> None:
        for _ in range(count):
            if len(self.lines.entries) >= self.lines.max_entries:
                break
            self.lines.append_entry()


def documents_form(call):
    """One file field per document the call asks for (file_<requirement id>), and one for other documents."""
    accept = {"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"}

    class DocumentsForm(FlaskForm):
        pass

    for requirement in call.required_documents:
        setattr(DocumentsForm, f"file_{requirement.id}", FileField(requirement.name, render_kw=accept))
    DocumentsForm.file_other = FileField(_l("Another document"), render_kw=accept)
    return DocumentsForm()


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing? (optional)"), filters=[_strip],
                           validators=[Optional(), Length(max=2000)])


def valid_values(form, names, formdata) -> dict:
    """The fields that were sent and passed validation, with their values: what a draft may save.

    A field missing from the request is left as it was (an unanswered radio group sends nothing, and
    nothing was saved for it either), so a truncated or hand-made request cannot wipe a draft."""
    values = {}
    for name in names:
        field = form[name]
        if field.errors or name not in formdata:
            continue
        values[name] = field.data
    if "phone" in values:
        values["phone_normalized"] = getattr(form.phone, "normalized", None)
    return values
