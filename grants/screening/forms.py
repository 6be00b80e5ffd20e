"""Forms for screening: eligibility override, flag resolution, comments and batch actions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .queries import MAX_TAG, small_int
from .services import (
    BATCH_INELIGIBLE, BATCH_SCREENED, BATCH_TAG, FLAG_CLEAR, FLAG_REJECT_APPLICATION, FLAG_REJECT_OTHER, MAX_COMMENT,
    MAX_REASON,
)


def _text(value):
    return value.strip() if isinstance(value, str) else value


class OverrideForm(FlaskForm):
    """Rule an ineligible application eligible (or take that back), always with a written justification."""

    action = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Justification"), filters=[_text],
                           validators=[DataRequired(_l("Write the justification: it is kept in the record.")),
                                       Length(max=MAX_REASON)])

    def validate_action(self, field):
        if field.data not in ("override", "revoke"):
            raise ValidationError(_l("Choose an action."))


class FlagForm(FlaskForm):
    """Resolve one duplicate flag: clear it, or reject one of the two applications as a duplicate."""

    outcome = RadioField(_l("Decision"), validators=[DataRequired(_l("Choose what to do with this flag."))])
    reason = TextAreaField(_l("Reason"), filters=[_text],
                           validators=[DataRequired(_l("Write the reason for your decision.")),
                                       Length(max=MAX_REASON)])
    back = HiddenField()


def flag_form(flag, formdata=None):
    """A FlagForm for this flag (field ids are unique per flag, so several fit on one page)."""
    kwargs = {} if formdata is None else {"formdata": formdata}
    form = FlagForm(prefix=f"flag{flag.id}", **kwargs)
    application, other = flag.application, flag.other
    form.outcome.choices = [
        (FLAG_CLEAR, _l("Not a duplicate: clear the flag")),
        (FLAG_REJECT_OTHER, _l("Reject %(rejected)s as a duplicate of %(kept)s",
                               rejected=other.reference or "—", kept=application.reference or "—")),
        (FLAG_REJECT_APPLICATION, _l("Reject %(rejected)s as a duplicate of %(kept)s",
                                     rejected=application.reference or "—", kept=other.reference or "—")),
    ]
    return form


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Internal comment"), filters=[_text],
                         validators=[DataRequired(_l("Write the comment.")), Length(max=MAX_COMMENT)])


class IdListField(Field):
    """Checked rows: the positive whole numbers among the posted values; anything else is dropped.

    The template draws one checkbox per row itself, so the field renders nothing.
    """

    widget = staticmethod(lambda field, **kwargs: Markup(""))

    def process_formdata(self, valuelist):
        self.data = sorted({n for n in (small_int(v) for v in valuelist[:5_000]) if n is not None})

    def _value(self):
        return ""


class BatchForm(FlaskForm):
    """One action on the selected rows of a call's list (or on one application, from its page)."""

    ids = IdListField(default=list)
    action = SelectField(_l("Action"), choices=[
        ("", _l("Choose…")),
        (BATCH_SCREENED, _l("Mark as screened")),
        (BATCH_INELIGIBLE, _l("Mark as ineligible")),
        (BATCH_TAG, _l("Add a tag")),
    ], validators=[DataRequired(_l("Choose an action."))])
    reason = TextAreaField(_l("Reason (for ineligible)"), filters=[_text],
                           validators=[Optional(), Length(max=MAX_REASON)])
    tag = StringField(_l("Tag"), filters=[_text], validators=[Optional(), Length(max=MAX_TAG)])
    back = HiddenField()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.action.data == BATCH_INELIGIBLE and not self.reason.data:
            self.reason.errors = list(self.reason.errors) + [_l("Write why these applications are ineligible.")]
            valid = False
        if self.action.data == BATCH_TAG and not self.tag.data:
            self.tag.errors = list(self.tag.errors) + [_l("Write the tag.")]
            valid = False
        if not self.ids.data:
            self.form_errors.append(_l("Select at least one application."))
            valid = False
        return valid
