"""Monitoring: grantees' progress reports, site visits, program dashboards and donor exports."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__)

from . import routes_dashboard, routes_exports, routes_grantee, routes_staff  # noqa: E402,F401
