"""Routes of the calls feature."""
from flask import render_template

from ..permissions import can_manage_calls, public, require
from . import bp


@bp.get("/calls")
@public
def index():
    return render_template("calls/index.html", calls=[])


@bp.get("/staff/calls")
@require(can_manage_calls)
def manage():
    return render_template("calls/index.html", calls=[])
