"""Monitoring pages (dashboard): the program's figures for staff, filtered by call, period and district, each table
with its chart."""
from flask import render_template, request
from flask_babel import get_locale

from ..i18n import text_direction
from ..permissions import can_manage_monitoring, require
from . import bp, charts, stats
from .forms_dashboard import DashboardFiltersForm


@bp.get("/staff/dashboard", endpoint="dashboard")
@require(can_manage_monitoring)
def dashboard():
    form = DashboardFiltersForm(formdata=request.args)
    if not form.validate():
        # Figures for filters that could not be read would mislead: the form comes back with its messages.
        return render_template("monitoring/dashboard.html", form=form, figures=None, charts={})
    figures = stats.dashboard(form.filters())
    rtl = text_direction(get_locale()) == "rtl"
    return render_template("monitoring/dashboard.html", form=form, figures=figures,
                           charts={table.key: charts.charts_for(table, rtl=rtl) for table in figures.tables})
