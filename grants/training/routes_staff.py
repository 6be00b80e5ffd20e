"""Routes of the training feature for staff (routes_staff): the course list, a course's page, creating and changing
courses and sessions, opening and closing enrolment, bulk enrolment and removing people."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..models import Course, CourseSession, Enrolment, EnrolmentStatus
from ..permissions import can_manage_training, get_or_404, require
from ..views import run_verb, undo_and_refuse
from . import bp, queries, queries_staff, services, services_staff
from .completion import Progress
from .forms_staff import (
    BulkEnrolForm, CourseForm, RemoveEnrolmentForm, SessionForm, course_form_data, session_form_data,
)


def _manage_url(course_id: int) -> str:
    return url_for(".manage", course_id=course_id)


# --- courses -----------------------------------------------------------------------------------------------

@bp.get("/training/manage/courses", endpoint="courses")
@require(can_manage_training)
def courses():
    return render_template("training/staff/courses.html", rows=queries_staff.courses_with_counts())


@bp.route("/training/manage/courses/new", methods=["GET", "POST"], endpoint="new_course")
@require(can_manage_training)
def new_course():
    form = CourseForm()
    form.set_calls(queries_staff.linkable_calls())
    if form.validate_on_submit():
        try:
            course = services_staff.create_course(current_user, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The course is saved. Add its sessions, then open it for enrolment."), "success")
            return redirect(_manage_url(course.id))
    return render_template("training/staff/course_form.html", form=form, course=None)


@bp.route("/training/manage/courses/<int:course_id>/edit", methods=["GET", "POST"], endpoint="edit_course")
@require(can_manage_training)
def edit_course(course_id):
    course = get_or_404(Course, course_id)
    form = CourseForm(data=course_form_data(course) if request.method == "GET" else None)
    form.set_calls(queries_staff.linkable_calls(link.call_id for link in course.call_links))
    if form.validate_on_submit():
        try:
            promoted = services_staff.update_course(current_user, course, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            if promoted:
                flash(_("The course is saved. %(count)s people moved up from the waiting list and were emailed.",
                        count=len(promoted)), "success")
            else:
                flash(_("The course is saved."), "success")
            return redirect(_manage_url(course.id))
    return render_template("training/staff/course_form.html", form=form, course=course)


@bp.get("/training/manage/courses/<int:course_id>", endpoint="manage")
@require(can_manage_training)
def manage(course_id):
    course = get_or_404(Course, course_id)
    bulk_form = BulkEnrolForm(formdata=None)
    bulk_form.set_calls(queries_staff.calls_with_grantees())
    return render_template(
        "training/staff/manage.html", course=course, sessions=course.sessions, links=course.call_links,
        people=queries_staff.people_of(course.id), progress=queries.progress_by_enrolment(course_id=course.id),
        certificates=queries_staff.certificates_by_enrolment(course.id), ended=queries.has_ended(course),
        bulk_form=bulk_form, progress_states=Progress)


@bp.post("/training/manage/courses/<int:course_id>/open", endpoint="open_enrolment")
@require(can_manage_training)
def open_enrolment(course_id):
    course = get_or_404(Course, course_id)
    return run_verb(lambda: services_staff.open_enrolment(current_user, course),
                    _("The course is open: the people it is for can see it and enrol."), _manage_url(course.id))


@bp.post("/training/manage/courses/<int:course_id>/close", endpoint="close_enrolment")
@require(can_manage_training)
def close_enrolment(course_id):
    course = get_or_404(Course, course_id)
    return run_verb(lambda: services_staff.close_enrolment(current_user, course),
                    _("Enrolment is closed. The people already in the course and on the waiting list stay."),
                    _manage_url(course.id))


# --- sessions ----------------------------------------------------------------------------------------------

@bp.route("/training/manage/courses/<int:course_id>/sessions/new", methods=["GET", "POST"], endpoint="new_session")
@require(can_manage_training)
def new_session(course_id):
    course = get_or_404(Course, course_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services_staff.add_session(current_user, course, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The session is added."), "success")
            return redirect(_manage_url(course.id))
    return render_template("training/staff/session_form.html", form=form, course=course, session=None)


@bp.route("/training/manage/sessions/<int:session_id>/edit", methods=["GET", "POST"], endpoint="edit_session")
@require(can_manage_training)
def edit_session(session_id):
    session = get_or_404(CourseSession, session_id)
    form = SessionForm(data=session_form_data(session) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services_staff.update_session(current_user, session, **form.values(session))
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The session is saved."), "success")
            return redirect(_manage_url(session.course_id))
    return render_template("training/staff/session_form.html", form=form, course=session.course, session=session)


@bp.post("/training/manage/sessions/<int:session_id>/delete", endpoint="delete_session")
@require(can_manage_training)
def delete_session(session_id):
    session = get_or_404(CourseSession, session_id)
    course_id = session.course_id
    return run_verb(lambda: services_staff.delete_session(current_user, session), _("The session is deleted."),
                    _manage_url(course_id))


# --- people ------------------------------------------------------------------------------------------------

@bp.post("/training/manage/courses/<int:course_id>/bulk-enrol", endpoint="bulk_enrol")
@require(can_manage_training)
def bulk_enrol(course_id):
    course = get_or_404(Course, course_id)
    form = BulkEnrolForm()
    calls = queries_staff.calls_with_grantees()
    form.set_calls(calls)
    if not form.validate():
        flash(_("Choose a call whose grantees to enrol."), "error")
        return redirect(_manage_url(course.id))
    call = next(c for c, _count in calls if c.id == form.call.data)
    try:
        counts = services.bulk_enrol(current_user, course, call)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(_manage_url(course.id))
    db.session.commit()
    flash(_("Grantees of %(call)s: %(enrolled)s enrolled, %(waiting)s put on the waiting list, %(already)s were "
            "already in the course.", call=call.code, enrolled=counts["enrolled"], waiting=counts["waitlisted"],
            already=counts["already"]), "success")
    return redirect(_manage_url(course.id))


@bp.route("/training/manage/enrolments/<int:enrolment_id>/remove", methods=["GET", "POST"],
          endpoint="remove_enrolment")
@require(can_manage_training)
def remove_enrolment(enrolment_id):
    enrolment = get_or_404(Enrolment, enrolment_id)
    course = enrolment.course
    back = _manage_url(course.id)
    if enrolment.status == EnrolmentStatus.LEFT:
        flash(_("This person is no longer in the course."), "info")
        return redirect(back)
    if queries.has_ended(course):
        flash(_("This course has ended: its enrolments can no longer change."), "error")
        return redirect(back)
    form = RemoveEnrolmentForm()
    if form.validate_on_submit():
        name = enrolment.user.full_name
        try:
            promoted = services.leave(current_user, enrolment, reason=form.reason.data)
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            if promoted:
                flash(_("%(name)s is removed and has been emailed. %(promoted)s, first on the waiting list, is "
                        "enrolled instead.", name=name, promoted=promoted[0].user.full_name), "success")
            else:
                flash(_("%(name)s is removed and has been emailed.", name=name), "success")
            return redirect(back)
    return render_template("training/staff/remove.html", form=form, enrolment=enrolment, course=course,
                           position=queries.waitlist_position(enrolment), statuses=EnrolmentStatus)
