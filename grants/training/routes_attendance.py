"""Routes of the training feature for attendance and certificates (routes_attendance): a session's attendance
page and sign-in sheet, the certificate PDF, revoking a certificate, and the public verification pages."""
import re

from flask import current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..mail.outbox import absolute_url
from ..models import Certificate, CourseSession, Enrolment, utcnow
from ..permissions import can_manage_training, can_view_enrolment, get_or_404, is_staff, public, require, signed_in
from ..views import refuse
from . import bp, queries, queries_attendance, services
from .certificate_pdf import render_certificate
from .completion import Progress
from .forms_attendance import AttendanceForm, RevokeCertificateForm, VerifyLookupForm
from .signin_sheet import SheetSession, render_sign_in_sheet

_NUMBER_SHAPE = re.compile(r"[A-Z0-9-]{1,40}")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _pdf(content: bytes, filename: str):
    response = make_response(content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- attendance --------------------------------------------------------------------------------------------

def _attendance_page(session, form, status=200):
    people = queries_attendance.roster(session)
    if request.method == "GET":
        form.present.data = [person.enrolment_id for person in people if person.present]
    ticked = set(form.present_ids()) if request.method == "POST" else set(form.present.data or [])
    return render_template(
        "training/attendance.html", session=session, course=session.course, form=form, people=people,
        ticked=ticked, progress=queries.progress_by_enrolment(course_id=session.course_id),
        not_started=session.starts_at > utcnow(), progress_states=Progress), status


@bp.route("/training/manage/sessions/<int:session_id>/attendance", methods=["GET", "POST"], endpoint="attendance")
@require(can_manage_training)
def attendance(session_id):
    session = get_or_404(CourseSession, session_id)
    form = AttendanceForm()
    if request.method == "GET":
        return _attendance_page(session, form)
    if not form.validate():
        if _wants_json():
            return jsonify(saved=False, error=_("The attendance could not be saved: reload the page and try "
                                                "again.")), 400
        return _attendance_page(session, form, 400)
    try:
        present = services.record_attendance(current_user, session, form.present_ids())
    except ActionRefused as refusal:
        db.session.rollback()
        if _wants_json():
            return jsonify(saved=False, error=str(refusal.message)), 409
        refuse(form, refusal)
        return _attendance_page(session, form)
    progress = queries.progress_by_enrolment(course_id=session.course_id)
    db.session.commit()
    message = _("Attendance saved: %(present)s present.", present=present)
    if _wants_json():
        return jsonify(saved=True, present=present, message=message, progress={
            str(enrolment_id): {"status": state.status.value, "title": str(state.status.title),
                                "counts": _("%(attended)s of %(total)s", attended=format_decimal(state.attended),
                                            total=format_decimal(state.total))}
            for enrolment_id, state in progress.items()})
    flash(message, "success")
    return redirect(url_for(".attendance", session_id=session.id))


@bp.get("/training/manage/sessions/<int:session_id>/sign-in-sheet.pdf", endpoint="sign_in_sheet")
@require(can_manage_training)
def sign_in_sheet(session_id):
    session = get_or_404(CourseSession, session_id)
    course = session.course
    sheet = SheetSession(program_name=current_app.config["PROGRAM_NAME"], course_title_ar=course.title_ar,
                         course_title_en=course.title_en, starts_at=session.starts_at, ends_at=session.ends_at,
                         place=session.place, online_url=session.online_url)
    content = render_sign_in_sheet(sheet, queries_attendance.roster(session))
    return _pdf(content, f"sign-in-sheet-session-{session.id}.pdf")


# --- certificates ------------------------------------------------------------------------------------------

@bp.get("/training/enrolments/<int:enrolment_id>/certificate.pdf", endpoint="certificate")
@require(signed_in)
def certificate(enrolment_id):
    enrolment = get_or_404(Enrolment, enrolment_id, can_view_enrolment)
    staff = is_staff(current_user)
    back = url_for(".manage", course_id=enrolment.course_id) if staff else url_for(".mine")
    try:
        issued = services.certificate_for(enrolment)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(back)
    db.session.commit()
    if issued.revoked_at is not None and not staff:
        flash(_("This certificate has been revoked, so it can no longer be downloaded. Please contact the "
                "program team."), "error")
        return redirect(back)
    content = render_certificate(issued, program_name=current_app.config["PROGRAM_NAME"],
                                 verify_url=absolute_url("training.verify_certificate", number=issued.number))
    return _pdf(content, f"certificate-{issued.number}.pdf")


@bp.route("/training/manage/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"],
          endpoint="revoke_certificate")
@require(can_manage_training)
def revoke_certificate(certificate_id):
    certificate = get_or_404(Certificate, certificate_id)
    form = RevokeCertificateForm()
    if certificate.revoked_at is None and form.validate_on_submit():
        try:
            services.revoke_certificate(current_user, certificate, reason=form.reason.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Certificate %(number)s has been revoked: the verification page now says so.",
                    number=certificate.number), "success")
            return redirect(url_for(".manage", course_id=certificate.enrolment.course_id))
    return render_template("training/revoke.html", certificate=certificate, form=form,
                           course=certificate.enrolment.course)


# --- public verification -----------------------------------------------------------------------------------

def _not_indexed(response):
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/verify/certificate/<number>", endpoint="verify_certificate")
@public
def verify_certificate(number):
    found = services.find_certificate(number)
    if found is not None and found.number != number:
        # Typed by hand (small letters, spaces): one address per certificate.
        return redirect(url_for(".verify_certificate", number=found.number))
    status = 200 if found is not None else 404
    response = make_response(render_template(
        "training/verify.html", certificate=found, number=number[:40],
        completed_on=found.last_session_on if found is not None else None, form=VerifyLookupForm(formdata=None)),
        status)
    return _not_indexed(response)


@bp.get("/verify/certificate", endpoint="verify_lookup")
@public
def verify_lookup():
    form = VerifyLookupForm(request.args)
    if "number" in request.args and form.validate():
        found = services.find_certificate(form.number.data)
        if found is not None:
            return redirect(url_for(".verify_certificate", number=found.number))
        cleaned = "".join(form.number.data.split()).upper()
        if _NUMBER_SHAPE.fullmatch(cleaned):
            return redirect(url_for(".verify_certificate", number=cleaned))
        form.number.errors.append(_("No certificate has this number. Check it against the printed certificate."))
    return _not_indexed(make_response(render_template("training/verify.html", certificate=None, number=None,
                                                      completed_on=None, form=form, lookup=True)))
