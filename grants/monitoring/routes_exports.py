"""Monitoring pages (exports): the donor workbook (XLSX, personal data only when asked and audited either way) and a
call's summary report (PDF)."""
from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..disbursements.services import program_today
from ..extensions import db
from ..models import Call
from ..permissions import can_manage_monitoring, get_or_404, require
from . import bp, exports, summary_pdf
from .forms_exports import DonorExportForm


def _description(form: DonorExportForm, day) -> list[tuple[str, str]]:
    """What the workbook covers, in words, for the top of its summary sheet."""
    calls, districts = dict(form.call.choices), dict(form.district.choices)
    return [
        (_("Call"), str(calls.get(form.call.data, ""))),
        (_("Applications submitted from"), form.start.data.isoformat() if form.start.data else "—"),
        (_("Applications submitted until"), form.end.data.isoformat() if form.end.data else "—"),
        (_("District"), str(districts.get(form.district.data, ""))),
        (_("Personal data"), _("Included") if form.personal.data else _("Left out")),
        (_("Exported on"), day.isoformat()),
    ]


@bp.route("/staff/exports/donor", methods=["GET", "POST"], endpoint="export")
@require(can_manage_monitoring)
def export():
    # Opened from the dashboard, the form starts with the dashboard's filters (its query string).
    form = DonorExportForm() if request.method == "POST" else DonorExportForm(formdata=request.args or None)
    if not form.validate_on_submit():
        return render_template("monitoring/export.html", form=form)
    filters, day = form.filters(), program_today()
    call = db.session.get(Call, filters.call_id) if filters.call_id is not None else None
    workbook = exports.build_workbook(filters, personal=form.personal.data, description=_description(form, day))
    exports.record_export(current_user, filters, call, personal=form.personal.data, rows=workbook.rows)
    db.session.commit()
    return Response(workbook.data, mimetype=exports.XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(call, day)}"',
        "Cache-Control": "no-store",
    })


@bp.get("/staff/calls/<int:call_id>/summary.pdf", endpoint="summary_pdf")
@require(can_manage_monitoring)
def call_summary_pdf(call_id):
    call = get_or_404(Call, call_id)
    day = program_today()
    return Response(summary_pdf.render_summary(call, day), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{summary_pdf.filename(call, day)}"',
        "X-Content-Type-Options": "nosniff",
    })
