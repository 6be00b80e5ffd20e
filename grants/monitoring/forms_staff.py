"""Forms of the staff monitoring pages: reviewing a report, a call's follow-up months, recording a site visit and
adding its photos.

Fields catch what the input alone tells (an unreadable date, a missing finding); the service verbs check every rule
again (a comment when asking for changes, the months, the upload rules) and their refusals land beside the same
fields.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from ..disbursements.forms import ProgramDateField, date_required, not_in_the_future
from ..models import BusinessStatus
from .services import TEXT_LIMIT

ACCEPT = {"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png", "multiple": True}
APPROVE, ASK_FOR_CHANGES = "approve", "changes"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _too_long(most: int):
    return Length(max=most, message=_l("Write at most %(most)s characters.", most=most))


class ReviewForm(FlaskForm):
    """Two buttons share the comment: approve (the comment is optional) or ask for changes (it is required)."""

    comment = TextAreaField(_l("Comment for the grantee"), filters=[_strip], validators=[_too_long(TEXT_LIMIT)])
    decision = StringField()

    def validate_decision(self, field):
        if field.data not in (APPROVE, ASK_FOR_CHANGES):
            raise StopValidation(_l("Choose whether to approve the report or ask for changes."))

    @property
    def approves(self) -> bool:
        return self.decision.data == APPROVE


class FollowupForm(FlaskForm):
    """The months as staff type them: "3, 6, 12". services.parse_followup_months reads and checks them."""

    followup_months = StringField(_l("Reports due after (months)"), filters=[_strip], validators=[_too_long(200)])


class PhotosForm(FlaskForm):
    """Photos of a visit (or a PDF, such as a signed visit sheet): several at once. The route reads the files and
    the service checks each against the upload rules before anything is saved."""

    photos = MultipleFileField(_l("Photos"), render_kw=ACCEPT)


class VisitForm(PhotosForm):
    visited_on = ProgramDateField(_l("Date of the visit"), validators=[
        date_required(_l("Enter the date of the visit.")),
        not_in_the_future(_l("The visit date cannot be in the future."))])
    visitor_name = StringField(_l("Visitor"), filters=[_strip], validators=[_too_long(200)])
    business_status = SelectField(_l("The business was"), default="", validate_choice=False, choices=lambda: [
        ("", _l("— not recorded —"))] + [(status.value, status.title) for status in BusinessStatus])
    findings = TextAreaField(_l("Findings"), filters=[_strip], validators=[
        DataRequired(_l("Write what the visit found.")), _too_long(TEXT_LIMIT)])

    def validate_business_status(self, field):
        if field.data and field.data not in {status.value for status in BusinessStatus}:
            raise StopValidation(_l("Choose one of the listed states."))

    @property
    def business_status_value(self) -> BusinessStatus | None:
        return BusinessStatus(self.business_status.data) if self.business_status.data else None
