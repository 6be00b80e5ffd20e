"""Routes of the applications feature."""
from flask import render_template

from ..permissions import can_apply, require
from . import bp


@bp.get("/my/applications")
@require(can_apply)
def dashboard():
    return render_template("applications/dashboard.html", applications=[])
