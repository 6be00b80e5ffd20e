"""Routes of the training feature for grantees (routes_grantee): courses open to them, enrol, leave, calendar."""
from flask import render_template

from ..models import Course
from ..permissions import can_view_course, get_or_404, require, signed_in
from . import bp


@bp.get("/training/courses/<int:course_id>", endpoint="course")
@require(signed_in)
def course(course_id):
    return render_template("training/course.html", course=get_or_404(Course, course_id, can_view_course))
