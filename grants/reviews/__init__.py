"""Peer review: assignment with conflicts and load caps, rubric scoring, calibrated ranking."""
from flask import Blueprint

bp = Blueprint("reviews", __name__)

from . import routes_assignment, routes_ranking, routes_reviewer  # noqa: E402,F401
