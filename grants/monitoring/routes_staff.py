"""Monitoring pages for staff (routes_staff): the list of progress reports (program-wide and per call, with the
call's follow-up months), reviewing a report, a grant's reports and visits, and recording site visits with photos.

Every change goes through one verb of grants.monitoring.services; a refusal about a field is shown beside it with
everything typed kept, any other refusal (the report was reviewed meanwhile, a forged post) is a message.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..applications.uploads import max_upload_bytes, megabytes, read_upload
from ..disbursements.queries import grantee_name
from ..disbursements.services import program_today
from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, Grant, ProgressReport, ReportStatus, SiteVisit
from ..permissions import can_manage_monitoring, get_or_404, require
from ..views import form_verb, safe_next, undo_and_refuse
from . import bp, services
from . import queries_staff as queries
from .forms_staff import FollowupForm, PhotosForm, ReviewForm, VisitForm



# --- the lists of reports ------------------------------------------------------------------------------------

def _reports_page(filters: queries.ReportFilters, call: Call | None = None, followup_form=None):
    """The program-wide list, or one call's (with its follow-up months): one template, one query helper."""
    return render_template(
        "monitoring/staff/reports.html", page=queries.reports_page(filters), filters=filters, call=call,
        standings=queries.STANDINGS, calls=queries.calls_with_reports() if call is None else [],
        followup_form=followup_form, statuses=ReportStatus)


@bp.get("/staff/reports", endpoint="overdue")
@require(can_manage_monitoring)
def overdue():
    return _reports_page(queries.ReportFilters.from_args(request.args))


def _followup_form(call: Call) -> FollowupForm:
    return FollowupForm(data={"followup_months": ", ".join(str(m) for m in call.followup_months or [])})


@bp.get("/staff/calls/<int:call_id>/reports", endpoint="call_reports")
@require(can_manage_monitoring)
def call_reports(call_id):
    call = get_or_404(Call, call_id)
    return _reports_page(queries.ReportFilters.from_args(request.args, call_id=call.id), call, _followup_form(call))


@bp.post("/staff/calls/<int:call_id>/followup", endpoint="call_followup")
@require(can_manage_monitoring)
def call_followup(call_id):
    call = get_or_404(Call, call_id)
    form = FollowupForm()

    def page():
        return _reports_page(queries.ReportFilters(call_id=call.id), call, form)

    if not form.validate_on_submit():
        return page()
    # The form also sits on the call's payments page, which sends its own address to come back to (only a path on
    # this site is followed).
    back, asked = url_for(".call_reports", call_id=call.id), request.form.get("next")
    if asked and safe_next(asked) == asked:
        back = asked
    return form_verb(form, lambda: services.set_followup_months(current_user, call, form.followup_months.data),
                      _("The follow-up months are saved. Grants paid from now on report on them; grants whose "
                        "reports are already scheduled keep theirs."), back, page)


# --- reviewing a report --------------------------------------------------------------------------------------

@bp.route("/staff/reports/<int:report_id>", methods=["GET", "POST"], endpoint="review")
@require(can_manage_monitoring)
def review(report_id):
    report = get_or_404(ProgressReport, report_id)
    form = ReviewForm()
    back = url_for(".review", report_id=report.id)

    def page():
        grant = report.grant
        return render_template(
            "monitoring/staff/review.html", report=report, files=list(report.files), form=form, grant=grant,
            application=grant.application, call=grant.call, name=grantee_name(grant.application),
            lines=queries.report_lines(grant.id), reviewable=report.status == ReportStatus.SUBMITTED,
            statuses=ReportStatus)

    if not form.validate_on_submit():
        return page()
    message = (_("The report is approved. The grantee has been told by email.") if form.approves
               else _("The report is sent back to the grantee with your comment, by email."))
    return form_verb(form, lambda: services.review_report(current_user, report, approve=form.approves,
                                                           comment=form.comment.data or ""),
                      message, back, page)


# --- a grant's reports and visits ----------------------------------------------------------------------------

@bp.get("/staff/grants/<int:grant_id>/monitoring", endpoint="grant_monitoring")
@require(can_manage_monitoring)
def grant_monitoring(grant_id):
    grant = get_or_404(Grant, grant_id)
    return render_template("monitoring/staff/grant.html", grant=grant, application=grant.application,
                           call=grant.call, name=grantee_name(grant.application),
                           lines=queries.report_lines(grant.id), visits=queries.visit_lines(grant.id),
                           statuses=ReportStatus)


# --- site visits ---------------------------------------------------------------------------------------------

def _chosen_files() -> list:
    """The files sent in the photos field; an empty file input sends one nameless part, which is no file."""
    return [upload for upload in map(read_upload, request.files.getlist("photos")) if upload is not None]


def _check_files(uploads, existing: int) -> None:
    """Every file against the upload rules before anything is saved: one bad photo leaves no half-made visit."""
    for index, upload in enumerate(uploads):
        services.check_upload(upload, existing=existing + index, field="photos")


def _attach_files(visit: SiteVisit, uploads) -> None:
    for upload in uploads:
        services.add_file(current_user, upload, visit=visit, field="photos")


@bp.route("/staff/grants/<int:grant_id>/visits/new", methods=["GET", "POST"], endpoint="new_visit")
@require(can_manage_monitoring)
def new_visit(grant_id):
    grant = get_or_404(Grant, grant_id)
    form = VisitForm(data={"visited_on": program_today(), "visitor_name": current_user.full_name}
                     if request.method == "GET" else None)

    def page():
        return render_template("monitoring/staff/visit_form.html", form=form, grant=grant,
                               application=grant.application, call=grant.call, name=grantee_name(grant.application),
                               max_mb=megabytes(max_upload_bytes()), max_files=services.MAX_FILES)

    if not form.validate_on_submit():
        return page()
    uploads = _chosen_files()
    try:
        _check_files(uploads, existing=0)
        visit = services.record_visit(current_user, grant, visited_on=form.visited_on.data,
                                      findings=form.findings.data, business_status=form.business_status_value,
                                      visitor_name=form.visitor_name.data or "")
        _attach_files(visit, uploads)
    except ActionRefused as refusal:
        undo_and_refuse(form, refusal)
        return page()
    db.session.commit()
    flash(_("The site visit is recorded."), "success")
    return redirect(url_for(".visit", visit_id=visit.id))


def _visit_page(visit: SiteVisit, form: PhotosForm):
    grant = visit.grant
    return render_template("monitoring/staff/visit.html", visit=visit, files=list(visit.files), form=form,
                           grant=grant, application=grant.application, call=grant.call,
                           name=grantee_name(grant.application), max_mb=megabytes(max_upload_bytes()),
                           max_files=services.MAX_FILES)


@bp.get("/staff/visits/<int:visit_id>", endpoint="visit")
@require(can_manage_monitoring)
def visit(visit_id):
    return _visit_page(get_or_404(SiteVisit, visit_id), PhotosForm())


@bp.post("/staff/visits/<int:visit_id>/files", endpoint="add_visit_file")
@require(can_manage_monitoring)
def add_visit_file(visit_id):
    visit = get_or_404(SiteVisit, visit_id)
    form = PhotosForm()
    if not form.validate_on_submit():
        return _visit_page(visit, form)
    uploads = _chosen_files()
    try:
        if not uploads:
            raise ActionRefused(_("Choose the photos to add."), field="photos")
        _check_files(uploads, existing=len(visit.files))
        _attach_files(visit, uploads)
    except ActionRefused as refusal:
        undo_and_refuse(form, refusal)
        return _visit_page(visit, form)
    db.session.commit()
    flash(_("The photos are added."), "success")
    return redirect(url_for(".visit", visit_id=visit.id))
