"""Funding decisions: proposal within the budget, changes, release by email, the applicant's answer."""
from flask import Blueprint

bp = Blueprint("decisions", __name__)

from . import routes_applicant, routes_staff  # noqa: E402,F401
