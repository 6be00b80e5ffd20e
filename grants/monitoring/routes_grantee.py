"""Monitoring pages for grantees (routes_grantee): their progress report (save a draft, attach photos or receipts,
submit), and the download of a report's or visit's file (which staff use too)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..applications.forms import valid_values
from ..applications.uploads import max_upload_bytes, megabytes, read_upload, send_stored_upload
from ..disbursements.services import program_today
from ..errors import ActionRefused
from ..extensions import db
from ..models import MonitoringFile, ProgressReport, ReportStatus
from ..permissions import can_view_monitoring_file, can_view_report, can_write_report, get_or_404, require, signed_in
from ..storage import storage
from ..views import refuse, undo_and_refuse
from . import bp, services
from .forms import UNANSWERED, ReportForm
from .queries import is_overdue


def _report_url(report, anchor=None) -> str:
    return url_for(".report", report_id=report.id, _anchor=anchor)


def _render(report: ProgressReport, form: ReportForm):
    files = list(report.files)
    grant = report.grant
    return render_template(
        "monitoring/report.html", report=report, form=form, files=files, grant=grant,
        application=grant.application, call=grant.call, statuses=ReportStatus,
        editable=report.status in services.EDITABLE,
        overdue=is_overdue(report.status, report.due_on, program_today()),
        remaining=max(services.MAX_FILES - len(files), 0), max_files=services.MAX_FILES,
        max_mb=megabytes(max_upload_bytes()))


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"], endpoint="report")
@require(signed_in)
def report(report_id):
    report = get_or_404(ProgressReport, report_id, can_view_report)
    if not can_write_report(current_user, report):  # staff read reports on their review page
        return redirect(url_for(".review", report_id=report.id))
    if request.method == "POST":
        action = request.form.get("action")
        return _save(report, "submit" if action == "submit" else "save")
    return _render(report, ReportForm(obj=report))


@bp.post("/reports/<int:report_id>/files", endpoint="upload_file")
@require(signed_in)
def upload_file(report_id):
    # The upload button sits inside the report form, so what was typed so far is saved with the file.
    return _save(get_or_404(ProgressReport, report_id, can_write_report), "upload")


def _save(report: ProgressReport, action: str):
    """Save what was typed (a draft, as far as it is valid) and the chosen file; then submit when asked.

    Whatever goes wrong, the page comes back with everything typed and the errors beside their fields."""
    form = ReportForm()
    form.validate()
    try:
        services.save_report(current_user, report, valid_values(form, ReportForm.ANSWERS, request.form))
    except ActionRefused as refusal:
        if refusal.field is None:  # no longer editable: submitted already (a double click, an old tab)
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(_report_url(report))
        undo_and_refuse(form, refusal)
        return _render(report, form)
    uploaded = _add_chosen_file(report, form, required=action == "upload")
    if action == "submit":
        if not form.errors:
            try:
                services.submit_report(current_user, report)
            except ActionRefused as refusal:
                if refusal.field is None:
                    db.session.rollback()
                    flash(refusal.message, "error")
                    return redirect(_report_url(report))
                refuse(form, refusal)  # refused before changing anything: the draft saved above stays
            else:
                db.session.commit()
                flash(_("Thank you. Your progress report is submitted; the program team will review it."), "success")
                return redirect(_report_url(report))
        _mark_unanswered(form, report)
    db.session.commit()  # the draft (and the file) are kept even when something is still to be corrected
    if form.errors:
        flash(_("What was filled in correctly is saved. Please correct the fields marked below."), "warning")
        return _render(report, form)
    if uploaded:
        flash(_("The file is attached to your report."), "success")
        return redirect(_report_url(report, "files"))
    flash(_("Your draft is saved. You can come back and finish it later."), "success")
    return redirect(_report_url(report))


def _mark_unanswered(form: ReportForm, report: ProgressReport) -> None:
    """Every question a submission still needs, each marked beside its field (the service names only the first)."""
    for name in services.missing_answers(report):
        if not form[name].errors:
            refuse(form, ActionRefused(UNANSWERED, field=name))


def _add_chosen_file(report: ProgressReport, form: ReportForm, *, required: bool) -> bool:
    upload = read_upload(request.files.get("file"))
    if upload is None:
        if required:
            form.file.errors = list(form.file.errors) + [_("Choose a file to upload.")]
        return False
    try:
        services.add_file(current_user, upload, report=report, field="file")
    except ActionRefused as refusal:  # refused before anything was stored: the draft saved above stays
        refuse(form, refusal)
        return False
    return True


@bp.post("/reports/<int:report_id>/files/<int:file_id>/remove", endpoint="remove_file")
@require(signed_in)
def remove_file(report_id, file_id):
    report = get_or_404(ProgressReport, report_id, can_write_report)
    file = get_or_404(MonitoringFile, file_id)
    if file.report_id != report.id:
        abort(404)
    try:
        key = services.remove_file(current_user, report, file)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(_report_url(report))
    db.session.commit()
    storage().delete(key)  # only once the row is gone for good
    flash(_("The file is removed from your report."), "success")
    return redirect(_report_url(report, "files"))


@bp.get("/monitoring/files/<int:file_id>", endpoint="file")
@require(signed_in)
def file(file_id):
    return send_stored_upload(get_or_404(MonitoringFile, file_id, can_view_monitoring_file))
