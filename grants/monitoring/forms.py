"""The grantee's progress report form: answers that may stay incomplete in a draft, and a photo or receipt.

Every answer is optional here: a draft keeps whatever was typed. What a submitted report needs is the service's
rule (services.missing_answers); its refusals land beside the same fields.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Length, NumberRange, Optional, StopValidation

from ..applications.forms import RadioField, WholeNumberField, enum_choices
from ..models import BusinessStatus, RevenueBand
from .services import TEXT_LIMIT

MAX_JOBS = 10_000  # the most services.save_report accepts for each count of jobs
ACCEPTED_FILES = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
# Beside every question a submission still needs (the words services.submit_report refuses with).
UNANSWERED = _l("Please answer this question before submitting.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _readable(form, field):
    """Text that is not a number already has its message (from the field): no second one about the range."""
    if field.data is None:
        raise StopValidation()


def _jobs(label):
    return WholeNumberField(label, validators=[
        Optional(), _readable, NumberRange(0, MAX_JOBS, _l("Enter a number from 0 to %(max)s.", max=MAX_JOBS))])


def _text(label):
    return TextAreaField(label, filters=[_strip], validators=[
        Optional(), Length(max=TEXT_LIMIT, message=_l("Write at most %(most)s characters.", most=TEXT_LIMIT))])


class ReportForm(FlaskForm):
    business_status = RadioField(_l("Is the business operating?"), coerce=BusinessStatus,
                                 choices=enum_choices(BusinessStatus))
    revenue_band = RadioField(_l("Monthly revenue"), coerce=RevenueBand, choices=enum_choices(RevenueBand))
    jobs_women_full = _jobs(_l("Women, full time"))
    jobs_women_part = _jobs(_l("Women, part time"))
    jobs_men_full = _jobs(_l("Men, full time"))
    jobs_men_part = _jobs(_l("Men, part time"))
    money_bought = _text(_l("What the grant money bought"))
    challenges = _text(_l("Challenges (optional)"))
    file = FileField(_l("A photo or receipt"), render_kw={"accept": ACCEPTED_FILES})

    # The answers a draft saves (the file goes through services.add_file).
    ANSWERS = ("business_status", "revenue_band", "jobs_women_full", "jobs_women_part", "jobs_men_full",
               "jobs_men_part", "money_bought", "challenges")
    JOBS = ANSWERS[2:6]
