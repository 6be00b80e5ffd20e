"""Forms of the applicant's answer to an award: accepting with the conditions ticked, declining with a reason."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

REASON_MAX = 2000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AcceptAwardForm(FlaskForm):
    # Ticking is checked by the service (accept_award), which names this field in its refusal.
    conditions = BooleanField(_l("I accept these conditions"))


class DeclineAwardForm(FlaskForm):
    reason = TextAreaField(_l("Why are you declining the award? (optional)"), filters=[_strip],
                           validators=[Optional(), Length(max=REASON_MAX)])
