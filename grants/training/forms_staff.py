"""Forms of the staff training pages: a course, a session, removing a person, bulk enrolment.

Field validators put errors beside each field; the services re-check every rule that matters and their
refusals land beside the same fields.
"""
from datetime import datetime, time, timezone

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from ..accounts.forms import MultiCheckboxField
from ..formatting import from_program_time, to_program_time
from ..models import Audience, Course, CourseSession, Topic
from .services_staff import MAX_CAPACITY, is_web_address

MAX_REASON = 2000
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


def _squash(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _required_number(message):
    """DataRequired refuses 0; this only asks that a number was given (its range is NumberRange's job)."""

    def check(form, field):
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(message)

    return check


# --- a course ----------------------------------------------------------------------------------------------

class CourseForm(FlaskForm):
    title_ar = StringField(_l("Title in Arabic"), filters=[_squash],
                           validators=[DataRequired(_l("Enter the Arabic title.")),
                                       Length(max=200, message=_l("Write at most 200 characters."))])
    title_en = StringField(_l("Title in English"), filters=[_squash],
                           validators=[Optional(), Length(max=200, message=_l("Write at most 200 characters."))])
    description_ar = TextAreaField(_l("Description in Arabic"), filters=[_strip],
                                   validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description in English"), filters=[_strip],
                                   validators=[Optional(), Length(max=20000)])
    trainer = StringField(_l("Trainer"), filters=[_squash],
                          validators=[Optional(), Length(max=200, message=_l("Write at most 200 characters."))])
    topic = SelectField(_l("Topic"), choices=lambda: [(t.value, t.title) for t in Topic], default=Topic.OTHER.value)
    capacity = IntegerField(_l("Seats"), validators=[
        _required_number(_l("Enter how many people the course takes.")),
        NumberRange(min=1, max=MAX_CAPACITY, message=_l("Enter a whole number from 1 to %(most)s.",
                                                        most=MAX_CAPACITY))])
    audience = RadioField(_l("Who may enrol"), choices=lambda: [(a.value, a.title) for a in Audience],
                          default=Audience.GRANTEES.value)
    completion_percent = IntegerField(_l("Attendance needed to complete the course (percent of the sessions)"),
                                      default=80, validators=[
                                          _required_number(_l("Enter a whole number from 1 to 100.")),
                                          NumberRange(min=1, max=100,
                                                      message=_l("Enter a whole number from 1 to 100."))])
    calls = MultiCheckboxField(_l("Calls linked to the course"), coerce=int, choices=[])
    required_calls = MultiCheckboxField(_l("Required before a tranche can be paid"), coerce=int, choices=[])

    def set_calls(self, calls) -> None:
        choices = [(call.id, f"{call.code} · {call.title}") for call in calls]
        self.calls.choices = self.required_calls.choices = choices

    def validate_required_calls(self, field):
        if set(field.data or []) - set(self.calls.data or []):
            raise ValidationError(_l("A call that requires the course must also be linked to it: tick both boxes."))

    def values(self) -> dict:
        """What services_staff.create_course and update_course take."""
        required = set(self.required_calls.data or [])
        return dict(
            title_ar=self.title_ar.data, title_en=self.title_en.data or "",
            description_ar=self.description_ar.data or "", description_en=self.description_en.data or "",
            trainer=self.trainer.data or "", topic=Topic(self.topic.data), capacity=self.capacity.data,
            audience=Audience(self.audience.data), completion_percent=self.completion_percent.data,
            calls={call_id: call_id in required for call_id in self.calls.data or []})


def course_form_data(course: Course) -> dict:
    return dict(
        title_ar=course.title_ar, title_en=course.title_en, description_ar=course.description_ar,
        description_en=course.description_en, trainer=course.trainer, topic=course.topic.value,
        capacity=course.capacity, audience=course.audience.value, completion_percent=course.completion_percent,
        calls=[link.call_id for link in course.call_links],
        required_calls=[link.call_id for link in course.call_links if link.required_for_payment])


# --- a session ---------------------------------------------------------------------------------------------

class SessionForm(FlaskForm):
    """A session on one day, with its times as the clock in the program's timezone shows them."""

    date = DateField(_l("Date"), validators=[DataRequired(_l("Enter the date of the session."))])
    starts = TimeField(_l("Starts at"), format=TIME_FORMATS,
                       validators=[DataRequired(_l("Enter the start time, for example 10:00."))])
    ends = TimeField(_l("Ends at"), format=TIME_FORMATS,
                     validators=[DataRequired(_l("Enter the end time, for example 13:00."))])
    place = StringField(_l("Place"), filters=[_squash],
                        validators=[Optional(), Length(max=300, message=_l("Write at most 300 characters."))])
    online_url = StringField(_l("Online link"), filters=[_strip],
                             validators=[Optional(), Length(max=500, message=_l("Write at most 500 characters."))])

    def validate_date(self, field):
        # Years far from now are typing mistakes, and year 1 cannot even be converted to UTC.
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Enter a date between the years 2000 and 2100."))

    def validate_ends(self, field):
        if field.data is not None and self.starts.data is not None and field.data <= self.starts.data:
            raise ValidationError(_l("The session must end after it starts."))

    def validate_online_url(self, field):
        if field.data and not is_web_address(field.data):
            raise ValidationError(_l("Enter a web address starting with https:// or http://."))

    def validate_place(self, field):
        if not field.data and not (self.online_url.data or "").strip():
            raise ValidationError(_l("Enter the place of the session, or an online link below."))

    def values(self, session: CourseSession | None = None) -> dict:
        """UTC instants from the wall-clock times typed, for services_staff.add_session and update_session.

        The form shows minutes only: a time left as shown keeps the session's stored seconds, so saving a
        session unchanged does not move it.
        """
        starts_at, ends_at = _utc(self.date.data, self.starts.data), _utc(self.date.data, self.ends.data)
        if session is not None:
            starts_at = session.starts_at if starts_at == _minute(session.starts_at) else starts_at
            ends_at = session.ends_at if ends_at == _minute(session.ends_at) else ends_at
        return dict(starts_at=starts_at, ends_at=ends_at, place=self.place.data or "",
                    online_url=self.online_url.data or "")


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _utc(day, clock: time) -> datetime:
    return from_program_time(datetime.combine(day, clock.replace(second=0, microsecond=0))).astimezone(timezone.utc)


def session_form_data(session: CourseSession) -> dict:
    starts, ends = to_program_time(session.starts_at), to_program_time(session.ends_at)
    return dict(date=starts.date(), starts=starts.time().replace(tzinfo=None),
                ends=ends.time().replace(tzinfo=None), place=session.place, online_url=session.online_url)


# --- people ------------------------------------------------------------------------------------------------

class RemoveEnrolmentForm(FlaskForm):
    reason = TextAreaField(_l("Why is this person removed?"), filters=[_strip], validators=[
        DataRequired(_l("Write why this person is removed.")),
        Length(max=MAX_REASON, message=_l("Write at most %(most)s characters.", most=MAX_REASON))])


class BulkEnrolForm(FlaskForm):
    call = SelectField(_l("Grantees of the call"), coerce=int, choices=[],
                       validators=[DataRequired(_l("Choose a call."))])

    def set_calls(self, calls_with_counts) -> None:
        self.call.choices = [(call.id, f"{call.code} · {call.title}") for call, _count in calls_with_counts]
        self.grantee_counts = {call.id: count for call, count in calls_with_counts}
