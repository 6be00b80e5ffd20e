"""Forms of the staff disbursement pages: schedules, payments, cancellations, re-issues, the signed agreement.

Field validators catch what can be told from the input alone (a missing method, a date in the future); the
service verbs check every rule again under the grant's lock and their refusals land beside the same fields.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from ..applications.forms import ascii_digits
from ..models import PaymentMethod
from .services import program_today

MAX_REASON = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProgramDateField(DateField):
    """A date typed as year-month-day (Arabic digits too); one clear message when it cannot be read."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            super().process_formdata([ascii_digits(valuelist[0].strip())[:40]])
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Enter the date as year-month-day, for example 2026-03-15.")) from error


def date_required(message):
    """Empty or unreadable: one message of ours (the parse error when there was one)."""

    def check(form, field):
        if field.data is None:
            if not field.errors:
                field.errors[:] = [message]
            raise StopValidation()

    return check


def not_in_the_future(message):
    def check(form, field):
        if field.data is not None and field.data > program_today():
            raise StopValidation(message)

    return check


class ScheduleForm(FlaskForm):
    """A schedule as staff type it: "50, 30, 20". services.parse_schedule reads and checks it."""

    schedule = StringField(_l("Tranche percentages"), filters=[_strip], validators=[
        DataRequired(_l("Write the tranche percentages separated by commas, for example 50, 30, 20.")),
        Length(max=200, message=_l("Write at most 200 characters."))])


class PaymentForm(FlaskForm):
    method = SelectField(_l("Payment method"), default="", validate_choice=False,
                         choices=lambda: [("", _l("— choose —"))] + [(m.value, m.title) for m in PaymentMethod],
                         validators=[DataRequired(_l("Choose how the tranche was paid."))])
    reference = StringField(_l("Payment reference (receipt, transfer or hawala number)"), filters=[_strip],
                            validators=[Length(max=120, message=_l("Write at most 120 characters."))])
    paid_on = ProgramDateField(_l("Paid on"), validators=[
        date_required(_l("Enter the date the money was paid.")),
        not_in_the_future(_l("The payment date cannot be in the future."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and self.paid_on.data is None:
            self.paid_on.data = program_today()

    def validate_method(self, field):
        if field.data not in {m.value for m in PaymentMethod}:
            raise StopValidation(_l("Choose how the tranche was paid."))

    @property
    def method_value(self) -> PaymentMethod:
        return PaymentMethod(self.method.data)


class ReasonForm(FlaskForm):
    """Cancelling a tranche, issuing a letter again: a reason is required."""

    reason = TextAreaField(_l("Reason"), filters=[_strip], validators=[
        DataRequired(_l("Write the reason.")),
        Length(max=MAX_REASON, message=_l("Write at most %(most)s characters.", most=MAX_REASON))])


class AgreementForm(FlaskForm):
    signed_on = ProgramDateField(_l("Signed on"), validators=[
        date_required(_l("Enter the date the grantee signed the agreement.")),
        not_in_the_future(_l("The signing date cannot be in the future."))])
