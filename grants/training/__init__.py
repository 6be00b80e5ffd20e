"""Training: courses and sessions, enrolment with capacity and a waiting list, attendance, certificates."""
from flask import Blueprint

bp = Blueprint("training", __name__)

from . import routes_attendance, routes_grantee, routes_staff  # noqa: E402,F401
