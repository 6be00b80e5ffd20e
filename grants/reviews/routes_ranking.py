"""Routes of the reviews feature (routes_ranking): the staff ranking of a call, its default and its exports."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..models import Call
from ..paging import requested_page
from ..permissions import can_manage_reviews, get_or_404, require
from . import bp, ranking, ranking_export


def _stored_ranking(call, by):
    """The stored ranking, committed at once when this request rebuilt it (so another viewer waiting for it goes on)."""
    snapshot, rebuilt = ranking.stored_ranking(call, by)
    if rebuilt:
        db.session.commit()
    return snapshot


@bp.get("/staff/calls/<int:call_id>/ranking", endpoint="ranking")
@require(can_manage_reviews)
def ranking_page(call_id):
    call = get_or_404(Call, call_id)
    by = ranking.rank_by(call, request.args.get("by"))
    snapshot = _stored_ranking(call, by)
    table = ranking.ranking_page(call, by, snapshot, requested_page(request.args))
    return render_template(
        "reviews/ranking/index.html", call=call, ranking=table, by=by, headers=ranking.table_headers(table),
        default_by=ranking.default_rank_by(call), score=ranking.score_formatter(), count=ranking.count_formatter(),
        tie_rule=ranking.TIE_RULE)


@bp.post("/staff/calls/<int:call_id>/ranking/default", endpoint="ranking_default")
@require(can_manage_reviews)
def save_ranking_default(call_id):
    call = get_or_404(Call, call_id)
    by = request.form.get("by")
    if by not in ranking.RANK_BY:
        abort(400)
    try:
        changed = ranking.set_rank_by(current_user, call, by)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        if changed:
            flash(_("This call is now ranked by the calibrated mean unless you choose otherwise.")
                  if by == ranking.CALIBRATED else
                  _("This call is now ranked by the raw mean unless you choose otherwise."), "success")
    return redirect(url_for(".ranking", call_id=call.id))


@bp.get("/staff/calls/<int:call_id>/ranking.<any(csv, xlsx):fmt>", endpoint="ranking_export")
@require(can_manage_reviews)
def ranking_export_file(call_id, fmt):
    call = get_or_404(Call, call_id)
    by = ranking.rank_by(call, request.args.get("by"))
    table = ranking.full_ranking(call, by, _stored_ranking(call, by))
    data = ranking_export.export(table, fmt)
    ranking.record_export(current_user, call, fmt, by, rows=len(table.rows))
    db.session.commit()
    return Response(data, mimetype=ranking_export.FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{ranking_export.filename(table, fmt)}"',
        "Cache-Control": "no-store",
    })
