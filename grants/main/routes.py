"""Home page and health check."""
from flask import jsonify, render_template
from sqlalchemy import text

from ..extensions import db
from ..permissions import public
from . import bp


@bp.get("/")
@public
def index():
    return render_template("main/index.html")


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
