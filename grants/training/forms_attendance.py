"""Forms for attendance, revoking a certificate and looking a certificate up by its number."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

MAX_REASON = 2000


class AttendanceForm(FlaskForm):
    """The ticked boxes of a session's attendance page: enrolment ids of the people present.

    Choices are not checked here: someone removed from the course after the page was loaded is simply
    ignored by the service, rather than failing the whole save.
    """

    present = SelectMultipleField(_l("Present"), coerce=int, validate_choice=False)

    def present_ids(self) -> list[int]:
        # 32-bit ids only: a forged huge number is dropped, never sent to the database.
        return [value for value in (self.present.data or []) if 0 < value < 2**31]


class RevokeCertificateForm(FlaskForm):
    reason = TextAreaField(_l("Why is the certificate revoked?"), validators=[
        DataRequired(_l("Write why the certificate is revoked.")),
        Length(max=MAX_REASON, message=_l("Write at most %(most)s characters.", most=MAX_REASON))])


class VerifyLookupForm(FlaskForm):
    """A GET form on a public page: nothing changes, so no CSRF token (the link can be shared)."""

    class Meta:
        csrf = False

    number = StringField(_l("Certificate number"), validators=[
        DataRequired(_l("Enter the number printed on the certificate.")),
        Length(max=100, message=_l("A certificate number is much shorter than that."))])
