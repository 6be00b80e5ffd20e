"""Routes of the disbursements feature for grantees (routes_grantee): their grant page and the agreement download
(which staff use too)."""
from io import BytesIO

from flask import abort, render_template, send_file
from flask_login import current_user

from ..extensions import db
from ..models import Application, Grant, TrancheStatus
from ..monitoring.queries import grant_reports
from ..permissions import can_view_grant, get_or_404, is_staff, require, signed_in
from ..storage import storage
from . import bp, queries
from .services import program_today


@bp.get("/my/applications/<int:application_id>/grant", endpoint="mine")
@require(signed_in)
def mine(application_id):
    application = get_or_404(Application, application_id)
    grant = queries.grant_of_application(application.id)
    # Nothing tells an outsider whether the application has a grant: 404 alike.
    if grant is None or not can_view_grant(current_user, grant):
        abort(404)
    page = queries.grant_page(grant)
    shown_letters = [line for line in page.lines if line.letter is not None
                     and line.tranche.status in (TrancheStatus.LETTER_ISSUED, TrancheStatus.PAID)]
    return render_template("disbursements/grantee/grant.html", page=page, grant=grant, call=grant.call,
                           application=application, name=queries.grantee_name(application),
                           letters=shown_letters, statuses=TrancheStatus,
                           reports=grant_reports(grant.id, program_today()),
                           is_owner=application.applicant_id == current_user.id, staff=is_staff(current_user))


def _agreement_bytes(grant: Grant) -> bytes | None:
    """The stored agreement; made again (and kept) when it was never made or its file is gone."""
    if grant.agreement_key:
        try:
            return storage().read(grant.agreement_key)
        except (FileNotFoundError, ValueError):
            pass
    from .agreement import store_agreement

    missing = grant.agreement_key
    store_agreement(grant)
    if not grant.agreement_key or grant.agreement_key == missing:
        db.session.rollback()
        return None
    data = storage().read(grant.agreement_key)
    db.session.commit()
    return data


@bp.get("/disbursements/grants/<int:grant_id>/agreement.pdf", endpoint="agreement")
@require(signed_in)
def agreement(grant_id):
    grant = get_or_404(Grant, grant_id, can_view_grant)
    data = _agreement_bytes(grant)
    if data is None:
        abort(404)
    reference = grant.application.reference or str(grant.id)
    response = send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=f"agreement-{reference}.pdf", max_age=0, etag=False, conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
