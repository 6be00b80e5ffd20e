"""The dashboard's filters (call, period, district), read from the query string with a message beside each field
that cannot be read."""
from .forms_exports import FiltersForm


class DashboardFiltersForm(FiltersForm):
    """A GET form: it changes nothing, so it carries no CSRF token (the page's address can be shared)."""

    class Meta:
        csrf = False

    def as_args(self) -> dict[str, str]:
        """The filters typed, for links that keep them (the donor export opened from the dashboard)."""
        return {name: value for name, value in ((f.name, f.raw_data[0] if f.raw_data else "") for f in self)
                if value}
