"""Disbursements: paying approved awards out in tranches."""
from flask import Blueprint

bp = Blueprint("disbursements", __name__)

from . import routes_grantee, routes_ledger, routes_letters, routes_staff  # noqa: E402,F401
