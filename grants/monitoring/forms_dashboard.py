"""The dashboard's filters (call, period, district), read from the query string with a message beside each field
that cannot be read."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import StopValidation

from ..disbursements.forms import ProgramDateField
from . import stats
from .forms_exports import call_choices, district_choices, one_of_the_choices


class DashboardFiltersForm(FlaskForm):
    """A GET form: it changes nothing, so it carries no CSRF token (the page's address can be shared)."""

    class Meta:
        csrf = False

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

    def as_args(self) -> dict[str, str]:
        """The filters typed, for links that keep them (the donor export opened from the dashboard)."""
        return {name: value for name, value in ((f.name, f.raw_data[0] if f.raw_data else "") for f in self)
                if value}
