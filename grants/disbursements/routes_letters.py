"""Routes of the disbursements feature for letters (routes_letters): the PDF download, the public verification page
behind the letter's QR code, a call's letters as one ZIP, and emailing letters to grantees."""
from flask import abort, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, Letter
from ..permissions import can_manage_disbursements, can_view_letter, get_or_404, public, require, signed_in
from ..views import run_verb, safe_next
from . import bp, letters, services


def _download(data: bytes, filename: str, mimetype: str):
    from io import BytesIO

    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0,
                         etag=False, conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/disbursements/letters/<int:letter_id>.pdf", endpoint="letter")
@require(signed_in)
def letter(letter_id):
    """The stored PDF, byte for byte as issued. A void letter only for staff, and its file name says void."""
    found = get_or_404(Letter, letter_id, can_view_letter)
    if found.voided_at is not None and not can_manage_disbursements(current_user):
        abort(404)
    try:
        data = services.letter_pdf(found)
    except (FileNotFoundError, ValueError):
        abort(404)
    return _download(data, letters.letter_filename(found), "application/pdf")


@bp.get("/verify/letter/<token>", endpoint="verify_letter")
@public
def verify_letter(token):
    """What the QR code opens: valid or void, number, grantee's name, amount and date; nothing else."""
    found = services.letter_from_token(token[:500])
    response = make_response(render_template("disbursements/verify_letter.html", letter=found,
                                             grant=found.tranche.grant if found is not None else None),
                             200 if found is not None else 404)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/disbursements/calls/<int:call_id>/letters.zip", endpoint="letters_zip")
@require(can_manage_disbursements)
def letters_zip(call_id):
    call = get_or_404(Call, call_id)
    valid = letters.valid_letters_of_call(call.id)
    data, written = letters.letters_zip(valid)
    if not written:
        flash(_("No letters have been issued for this call yet."), "info")
        return redirect(url_for(".call_grants", call_id=call.id))
    letters.record_zip_download(current_user, call, valid)
    db.session.commit()
    return _download(data, f"letters-{call.code}.zip", "application/zip")


@bp.post("/disbursements/calls/<int:call_id>/letters/email", endpoint="email_letters")
@require(can_manage_disbursements)
def email_letters(call_id):
    call = get_or_404(Call, call_id)
    back = url_for(".call_grants", call_id=call.id)
    try:
        count = letters.email_call_letters(current_user, call)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(back)
    db.session.commit()
    flash(ngettext("%(num)d letter is on its way to its grantee.", "%(num)d letters are on their way to their "
                   "grantees.", count), "success")
    return redirect(back)


@bp.post("/disbursements/letters/<int:letter_id>/email", endpoint="email_letter")
@require(can_manage_disbursements)
def email_letter(letter_id):
    found = get_or_404(Letter, letter_id)
    target = request.form.get("next")
    back = safe_next(target) if target else url_for(".grant", grant_id=found.tranche.grant_id)
    return run_verb(lambda: letters.email_letter(current_user, found),
                    _("Letter %(number)s is on its way to the grantee.", number=found.number), back)
