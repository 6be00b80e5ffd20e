"""The dashboard's filters as a form (call, period, district), and the donor export form: those filters and whether
to include personal data."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField
from wtforms.validators import StopValidation

from ..disbursements.forms import ProgramDateField
from ..extensions import db
from ..models import Call, Place, PlaceKind, localized
from . import stats


def call_choices() -> list[tuple[str, str]]:
    calls = db.session.execute(select(Call.id, Call.code, Call.title_ar, Call.title_en)
                               .order_by(Call.opens_at.desc(), Call.id.desc()))
    return [("", _l("All calls"))] + [(str(c.id), f"{c.code} — {localized(c, 'title')}") for c in calls]


def district_choices() -> list[tuple[str, str]]:
    districts = db.session.execute(select(Place.id, Place.name_ar, Place.name_en)
                                   .where(Place.kind == PlaceKind.DISTRICT).order_by(Place.id))
    return [("", _l("All districts"))] + [(str(d.id), localized(d, "name")) for d in districts]


def one_of_the_choices(message):
    """A value typed into the address or a stale page that is not in the list: our message, not WTForms'."""

    def check(form, field):
        if field.data not in {value for value, _ in field.choices}:
            raise StopValidation(message)

    return check


class FiltersForm(FlaskForm):
    """The dashboard's filters: call, period (program days the applications were submitted on) and district, each
    with a message beside it when it cannot be read. The donor export adds its checkbox to them; the dashboard
    reads the same fields from its query string."""

    call = SelectField(_l("Call"), default="", validate_choice=False,
                       validators=[one_of_the_choices(_l("Choose a call from the list."))])
    start = ProgramDateField(_l("Applications submitted from"))
    end = ProgramDateField(_l("Applications submitted until"))
    district = SelectField(_l("District"), default="", validate_choice=False,
                           validators=[one_of_the_choices(_l("Choose a district from the list."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.call.choices = call_choices()
        self.district.choices = district_choices()

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise StopValidation(_l("The end of the period cannot be before its start."))

    def filters(self) -> stats.Filters:
        """The filters, once the form validated."""
        return stats.Filters(call_id=int(self.call.data) if self.call.data else None, start=self.start.data,
                             end=self.end.data, district_id=int(self.district.data) if self.district.data else None)


class DonorExportForm(FiltersForm):
    """Posted (with its CSRF token): the download is audited, and with personal data it names people."""

    personal = BooleanField(_l("Include personal data (names, e-mail, phone, national ID, free-text answers)"))
