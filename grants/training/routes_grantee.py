"""Routes of the training feature for grantees (routes_grantee): their courses, a course's page, enrol, leave,
and the course's calendar file."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..models import Course, EnrolmentStatus
from ..permissions import can_download_course_calendar, can_view_course, get_or_404, is_staff, require, signed_in
from . import bp, queries, queries_grantee, services
from .completion import Progress
from .queries_grantee import AttendanceMark


@bp.get("/training", endpoint="mine")
@require(signed_in)
def mine():
    courses = queries_grantee.my_courses(current_user.id)
    open_courses = queries.open_courses_for(current_user)
    open_sessions = queries_grantee.sessions_by_course([course.id for course in open_courses])
    return render_template("training/mine.html", courses=courses, open_courses=open_courses,
                           open_sessions=open_sessions, statuses=EnrolmentStatus, progress_states=Progress,
                           marks=AttendanceMark)


@bp.get("/training/courses/<int:course_id>", endpoint="course")
@require(signed_in)
def course(course_id):
    course = get_or_404(Course, course_id, can_view_course)
    enrolment = queries.enrolment_of(current_user.id, course.id)
    active = enrolment is not None and enrolment.status in queries.ACTIVE
    enrolled = enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED
    sessions = course.sessions
    marks = queries_grantee.attendance_marks([enrolment.id]) if enrolled else {}
    ended = queries.has_ended(course)
    return render_template(
        "training/course.html", course=course, enrolment=enrolment, ended=ended,
        sessions=queries_grantee.session_lines(sessions, enrolment.id if enrolled else None, marks),
        position=queries.waitlist_position(enrolment) if enrolment is not None else None,
        progress=queries.progress_of(enrolment) if enrolled else None,
        may_enrol=(not active and not ended and course.enrolment_open and queries.is_eligible(current_user, course)),
        may_leave=active and not ended, calendar=active or is_staff(current_user),
        statuses=EnrolmentStatus, progress_states=Progress, marks=AttendanceMark)


def _back_to(course) -> str:
    """The course page when the user may see it, else their training page (a refusal must not become a 404)."""
    if can_view_course(current_user, course):
        return url_for(".course", course_id=course.id)
    return url_for(".mine")


@bp.post("/training/courses/<int:course_id>/enrol", endpoint="enrol")
@require(signed_in)
def enrol(course_id):
    course = get_or_404(Course, course_id)  # CSRF is checked for every POST; eligibility is the service's rule
    try:
        enrolment = services.enrol(current_user, course)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(_back_to(course))
    # The position is read under the course lock the verb took, before the commit: nobody else has it.
    position = queries.waitlist_position(enrolment)
    db.session.commit()
    if enrolment.status == EnrolmentStatus.ENROLLED:
        flash(_("You are enrolled in this course. We have emailed you the sessions with a calendar file."), "success")
    else:
        flash(_("The course is full: you are number %(position)s on the waiting list. We will email you if a seat "
                "becomes free.", position=position), "info")
    return redirect(url_for(".course", course_id=course.id))


@bp.route("/training/courses/<int:course_id>/leave", methods=["GET", "POST"], endpoint="leave")
@require(signed_in)
def leave(course_id):
    course = get_or_404(Course, course_id, can_view_course)
    enrolment = queries.enrolment_of(current_user.id, course.id)
    if enrolment is None:
        abort(404)
    back = url_for(".course", course_id=course.id)
    if enrolment.status == EnrolmentStatus.LEFT:
        # Left already (a double click, an old tab): nothing to confirm.
        flash(_("You have left this course."), "info")
        return redirect(back)
    if queries.has_ended(course):
        flash(_("This course has ended: its enrolments can no longer change."), "error")
        return redirect(back)
    if request.method == "POST":
        try:
            services.leave(current_user, enrolment)
        except ActionRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(back)
        db.session.commit()
        flash(_("You have left this course."), "success")
        return redirect(url_for(".mine"))
    return render_template("training/leave.html", course=course, enrolment=enrolment, statuses=EnrolmentStatus,
                           position=queries.waitlist_position(enrolment))


@bp.get("/training/courses/<int:course_id>/calendar.ics", endpoint="calendar")
@require(signed_in)
def calendar(course_id):
    course = get_or_404(Course, course_id, can_download_course_calendar)
    locale = str(get_locale() or "ar")
    response = make_response(services.course_calendar(course, "en" if locale.startswith("en") else "ar"))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="course-{course.id}.ics"'
    return response
