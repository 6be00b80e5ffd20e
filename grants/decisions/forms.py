"""Forms for the staff decision pages: settings, a change to one decision, email texts, group messages.

Field validators put errors beside each field; the service verbs re-check every rule that matters and
their refusals land beside the same fields.
"""
import string
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from ..calls.forms import MAX_AMOUNT, finite
from ..models import FitPolicy, Group, Outcome, Response
from .messages import PLACEHOLDERS, unknown_placeholders
from .queries import ALL_SUBMITTED

SET_ASIDE_ROWS = len(Group)  # at most one set-aside per group
MAX_RESPONSE_DAYS = 365
LOCALES = ("ar", "en")
LANGUAGE_LABELS = {"ar": _l("Arabic"), "en": _l("English")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# --- decision settings ----------------------------------------------------------------------------

class SetAsideRow(Form):
    """One reserve: a group and the percentage of the budget kept for it (an empty row is no reserve)."""

    group = SelectField(_l("Group"), choices=lambda: [("", _l("— none —"))] + [(g.value, g.title) for g in Group],
                        default="")
    percentage = IntegerField(_l("Percentage of the budget"), validators=[
        Optional(), NumberRange(min=1, max=100, message=_l("Enter a whole percentage from 1 to 100."))])

    def validate_percentage(self, field):
        if self.group.data and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the percentage reserved for this group."))
        if not self.group.data and field.data is not None:
            raise ValidationError(_l("Choose the group this percentage is for."))


class DecisionSettingsForm(FlaskForm):
    set_asides = FieldList(FormField(SetAsideRow), min_entries=SET_ASIDE_ROWS, max_entries=SET_ASIDE_ROWS)
    fit_policy = RadioField(_l("When a request does not fit what is left of the budget"),
                            choices=lambda: [(p.value, p.title) for p in FitPolicy], default=FitPolicy.SKIP.value,
                            validators=[DataRequired(_l("Choose what happens when a request does not fit."))])
    min_overall_score = DecimalField(
        _l("Minimum overall score (optional)"), places=2,
        validators=[Optional(), finite,
                    NumberRange(min=0, max=100, message=_l("Enter a score from 0 to 100, or leave it empty."))])
    response_days = IntegerField(_l("Days to accept an award"), default=14, validators=[
        DataRequired(_l("Enter a number of days from 1 to %(most)s.", most=MAX_RESPONSE_DAYS)),
        NumberRange(min=1, max=MAX_RESPONSE_DAYS,
                    message=_l("Enter a number of days from 1 to %(most)s.", most=MAX_RESPONSE_DAYS))])

    def validate_set_asides(self, field):
        # Rows are checked here, where all of them are known: one reserve per group, 100 % at most in all.
        seen, total, last = set(), 0, None
        for row in field:
            group, percentage = row.form.group, row.form.percentage
            if not group.data:
                continue
            if group.data in seen:
                group.errors = list(group.errors) + [str(_l("This group already has a set-aside above."))]
            seen.add(group.data)
            if percentage.data is not None and not percentage.errors:
                total += percentage.data
                last = percentage
        if total > 100 and last is not None:
            last.errors = list(last.errors) + [str(_l(
                "The set-asides add up to %(total)s%%; together they can reserve at most 100%% of the budget.",
                total=total))]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Errors written onto row fields by validate_set_asides do not fail the FieldList by themselves.
        return valid and not any(row.form.group.errors or row.form.percentage.errors for row in self.set_asides)

    def set_aside_values(self) -> list[tuple[Group, int]]:
        return [(Group(row.form.group.data), row.form.percentage.data) for row in self.set_asides
                if row.form.group.data and row.form.percentage.data is not None]

    def values(self) -> dict:
        score = self.min_overall_score.data
        return dict(
            set_asides=self.set_aside_values(), fit_policy=FitPolicy(self.fit_policy.data),
            min_overall_score=None if score is None else score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            response_days=self.response_days.data)


def settings_form_data(call, set_asides) -> dict:
    rows = [{"group": row.group.value, "percentage": row.percentage} for row in set_asides]
    rows += [{"group": "", "percentage": None}] * (SET_ASIDE_ROWS - len(rows))
    return {"set_asides": rows, "fit_policy": call.fit_policy, "min_overall_score": call.min_overall_score,
            "response_days": call.response_days}


# --- one decision ---------------------------------------------------------------------------------

class ChangeDecisionForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=lambda: [(o.value, o.title) for o in Outcome],
                         validators=[DataRequired(_l("Choose the outcome."))])
    amount = IntegerField(_l("Amount awarded"), validators=[
        Optional(), NumberRange(min=1, max=MAX_AMOUNT, message=_l("Enter a whole amount greater than zero."))])
    feedback_ar = TextAreaField(_l("Feedback to the applicant in Arabic"), filters=[_strip],
                                validators=[Optional(), Length(max=5000)])
    feedback_en = TextAreaField(_l("Feedback to the applicant in English"), filters=[_strip],
                                validators=[Optional(), Length(max=5000)])
    reason = TextAreaField(_l("Reason for the change"), filters=[_strip], validators=[
        DataRequired(_l("Write the reason for this change.")), Length(max=2000)])


# --- decision email texts -------------------------------------------------------------------------

def known_placeholders(form, field):
    """Only the listed {placeholders}, and braces that pair up (a stray brace would break the text)."""
    try:
        unknown = unknown_placeholders(field.data or "")
    except ValueError:
        raise StopValidation(_l("A brace { or } is not closed. Write placeholders like {name}.")) from None
    if unknown:
        raise StopValidation(_l("Unknown placeholder: %(names)s. Use only the placeholders listed on this page.",
                                names=", ".join("{" + name + "}" for name in unknown)))
    for _, name, _, _ in string.Formatter().parse(field.data or ""):
        if name is not None and name == "":
            raise StopValidation(_l("Write a name inside the braces, like {name}."))


def template_field_name(outcome, locale: str, part: str) -> str:
    return f"{Outcome(outcome).value}_{locale}_{part}"


class DecisionTemplatesForm(FlaskForm):
    """A subject and body per outcome and language; the fields are added below, one pair per combination."""

    def texts(self) -> dict:
        return {(outcome, locale): (self[template_field_name(outcome, locale, "subject")].data,
                                    self[template_field_name(outcome, locale, "body")].data)
                for outcome in Outcome for locale in LOCALES}


for _outcome in Outcome:
    for _locale in LOCALES:
        setattr(DecisionTemplatesForm, template_field_name(_outcome, _locale, "subject"), StringField(
            _l("Subject"), filters=[_strip],
            validators=[DataRequired(_l("Enter the subject.")), Length(max=300), known_placeholders]))
        setattr(DecisionTemplatesForm, template_field_name(_outcome, _locale, "body"), TextAreaField(
            _l("Text"), filters=[_strip],
            validators=[DataRequired(_l("Enter the text of the email.")), Length(max=20000), known_placeholders]))
del _outcome, _locale


def placeholder_list():
    return [("{" + name + "}", meaning) for name, meaning in PLACEHOLDERS.items()]


# --- message to a group ---------------------------------------------------------------------------

ANY_RESPONSE = ""


class GroupMessageForm(FlaskForm):
    outcome = SelectField(_l("Send to"), default=Outcome.WAITLISTED.value, choices=lambda: [
        (Outcome.APPROVED.value, _l("Approved applicants")),
        (Outcome.WAITLISTED.value, _l("Applicants on the waiting list")),
        (Outcome.NOT_SELECTED.value, _l("Applicants not selected")),
        (ALL_SUBMITTED, _l("Everyone who submitted an application to this call")),
    ])
    response = SelectField(_l("Answer to the award"), default=ANY_RESPONSE, choices=lambda: [
        (ANY_RESPONSE, _l("Any answer"))] + [(r.value, r.title) for r in Response])
    subject_ar = StringField(_l("Subject in Arabic"), filters=[_strip],
                             validators=[DataRequired(_l("Enter the Arabic subject.")), Length(max=300)])
    subject_en = StringField(_l("Subject in English"), filters=[_strip],
                             validators=[DataRequired(_l("Enter the English subject.")), Length(max=300)])
    body_ar = TextAreaField(_l("Message in Arabic"), filters=[_strip],
                            validators=[DataRequired(_l("Write the message in Arabic.")), Length(max=20000)])
    body_en = TextAreaField(_l("Message in English"), filters=[_strip],
                            validators=[DataRequired(_l("Write the message in English.")), Length(max=20000)])
    # Set by the confirmation page's button: the first valid POST only shows how many will receive it.
    confirm = HiddenField()

    def audience(self) -> dict:
        return {"outcome": self.outcome.data, "response": self.response.data or None}

    def texts(self) -> dict:
        return dict(subject_ar=self.subject_ar.data, subject_en=self.subject_en.data,
                    body_ar=self.body_ar.data, body_en=self.body_en.data)
