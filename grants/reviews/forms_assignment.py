"""Staff forms for review assignment: reviewer profiles, automatic and manual assignment, due dates.

Due dates are typed as wall-clock times in the program's timezone; `due_at_utc()` turns them into
aware instants. The services re-check every rule; their refusals land beside the same fields.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

from ..accounts.forms import MultiCheckboxField
from ..formatting import from_program_time, to_program_time
from ..models import utcnow

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# No reviewer reads more than this in one call; larger numbers are typing mistakes.
MAX_LOAD_CAP = 500
MAX_SEED = 2**31 - 1


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def future_due_date(form, field):
    """A sensible year (year 1 cannot even be converted to UTC) and a time that has not passed yet."""
    if field.data is None:
        return
    if not 2000 <= field.data.year <= 2100:
        raise StopValidation(_l("Enter a date between the years 2000 and 2100."))
    if from_program_time(field.data) <= utcnow():
        raise StopValidation(_l("Choose a due date in the future."))


def whole_number(message):
    """Empty or not a number: one message of ours instead of WTForms' parse error plus the range error."""

    def check(form, field):
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(message)

    return check


def due_at_field(label, required=True, id=None):
    first = DataRequired(_l("Enter the due date and time.")) if required else Optional()
    # The page holds several due-date forms; distinct ids keep labels and errors tied to the right input.
    return DateTimeLocalField(label, format=DATETIME_FORMATS, validators=[first, future_due_date], id=id)


class DueDateMixin:
    def due_at_utc(self):
        return from_program_time(self.due_at.data) if self.due_at.data else None

    def show_due_at(self, moment) -> None:
        """Fill the field with an instant, as wall-clock time in the program's timezone."""
        self.due_at.data = to_program_time(moment).replace(tzinfo=None, second=0, microsecond=0) if moment else None


class ReviewerProfileForm(FlaskForm):
    load_cap = IntegerField(
        _l("Most reviews per call"),
        validators=[whole_number(_l("Enter a whole number from 0 to %(max)d.", max=MAX_LOAD_CAP)),
                    NumberRange(min=0, max=MAX_LOAD_CAP,
                                message=_l("Enter a whole number from 0 to %(max)d.", max=MAX_LOAD_CAP))])
    sectors = MultiCheckboxField(_l("Sectors of interest"), coerce=int, choices=[])
    expertise = TextAreaField(_l("Expertise"), filters=[_strip], validators=[Optional(), Length(max=2000)])


class AutoAssignForm(FlaskForm):
    seed = IntegerField(
        _l("Seed"),
        validators=[whole_number(_l("Enter a whole number from 0 to %(max)d.", max=MAX_SEED)),
                    NumberRange(min=0, max=MAX_SEED, message=_l("Enter a whole number from 0 to %(max)d.",
                                                                 max=MAX_SEED))])


class IdChoiceField(SelectField):
    """A select of database ids; anything not offered (a forged or malformed id) gets `message`."""

    def __init__(self, label, message, **kwargs):
        super().__init__(label, coerce=int, choices=[], **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.data is None or self.data not in {value for value, _label in self.choices}:
            raise StopValidation(self.message)


class AddAssignmentForm(DueDateMixin, FlaskForm):
    application = IdChoiceField(_l("Application"), _l("Choose an application from the list."))
    reviewer = IdChoiceField(_l("Reviewer"), _l("Choose a reviewer from the list."))
    due_at = due_at_field(_l("Due date (optional)"), required=False, id="assignment_due_at")


class CallDueDateForm(DueDateMixin, FlaskForm):
    due_at = due_at_field(_l("Due date for every unfinished review"), id="call_due_at")
    as_default = BooleanField(_l("Also the due date of reviewers assigned later"), default=True)


class ReviewDueDateForm(DueDateMixin, FlaskForm):
    due_at = due_at_field(_l("Due date"))
