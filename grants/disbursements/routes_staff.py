"""Routes of the disbursements feature for staff (routes_staff): a call's grants and schedule, a grant's page, its
schedule and signed agreement, and the tranche verbs (request, approve, issue and re-issue the letter, pay, cancel).

Every verb goes through its service, which locks the grant and reads the tranche again: a double click, a
retried request or a colleague's click a moment earlier is refused there, shown as a message, never a 500.
"""
from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, Grant, Letter, PaymentMethod, Tranche, TrancheStatus
from ..permissions import can_manage_disbursements, get_or_404, require
from ..views import form_verb, run_verb, undo_and_refuse
from . import bp, queries, services
from .forms import AgreementForm, PaymentForm, ReasonForm, ScheduleForm


def _grant_url(grant_id: int) -> str:
    return url_for(".grant", grant_id=grant_id)


# --- a call's grants and its schedule ------------------------------------------------------------------------

def _call_page(call, form, status=None):
    return render_template(
        "disbursements/staff/call_grants.html", call=call, form=form, status=status,
        rows=queries.call_grants(call.id, status), totals=queries.call_totals(call.id), statuses=TrancheStatus)


@bp.get("/disbursements/calls/<int:call_id>", endpoint="call_grants")
@require(can_manage_disbursements)
def call_grants(call_id):
    call = get_or_404(Call, call_id)
    form = ScheduleForm(data={"schedule": queries.schedule_text(call.tranche_schedule)})
    return _call_page(call, form, queries.status_from(request.args.get("status")))


@bp.post("/disbursements/calls/<int:call_id>/schedule", endpoint="call_schedule")
@require(can_manage_disbursements)
def call_schedule(call_id):
    call = get_or_404(Call, call_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            services.set_call_schedule(current_user, call, form.schedule.data)
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The schedule is saved. Grants made from now on are paid in these tranches; grants made "
                    "already keep theirs."), "success")
            return redirect(url_for(".call_grants", call_id=call.id))
    return _call_page(call, form)


# --- one grant -----------------------------------------------------------------------------------------------

def _grant_page(grant, agreement_form=None):
    page = queries.grant_page(grant)
    if agreement_form is None:
        agreement_form = AgreementForm(data={"signed_on": grant.agreement_signed_on or services.program_today()})
    return render_template("disbursements/staff/grant.html", page=page, grant=grant, call=grant.call,
                           application=page.application, name=queries.grantee_name(page.application),
                           agreement_form=agreement_form, statuses=TrancheStatus,
                           open_states=services.OPEN_STATES)


@bp.get("/disbursements/grants/<int:grant_id>", endpoint="grant")
@require(can_manage_disbursements)
def grant(grant_id):
    return _grant_page(get_or_404(Grant, grant_id))


@bp.route("/disbursements/grants/<int:grant_id>/schedule", methods=["GET", "POST"], endpoint="schedule")
@require(can_manage_disbursements)
def schedule(grant_id):
    grant = get_or_404(Grant, grant_id)
    back = _grant_url(grant.id)
    if request.method == "GET" and grant.paid_total > 0:
        flash(_("The schedule cannot change once a tranche has been paid."), "error")
        return redirect(back)
    active = services.active_tranches(grant)
    form = ScheduleForm(data={"schedule": queries.schedule_text(t.percentage for t in active)}
                        if request.method == "GET" else None)

    def page():
        return render_template("disbursements/staff/schedule.html", grant=grant, call=grant.call, form=form,
                               application=grant.application, name=queries.grantee_name(grant.application),
                               tranches=services.active_tranches(grant), statuses=TrancheStatus)

    if not form.validate_on_submit():
        return page()
    return form_verb(form, lambda: services.edit_schedule(current_user, grant, form.schedule.data),
                      _("The grant's schedule is changed."), back, page)


@bp.post("/disbursements/grants/<int:grant_id>/agreement/signed", endpoint="file_agreement")
@require(can_manage_disbursements)
def file_agreement(grant_id):
    grant = get_or_404(Grant, grant_id)
    form = AgreementForm()
    if not form.validate_on_submit():
        return _grant_page(grant, form)
    return form_verb(form, lambda: services.file_agreement(current_user, grant, signed_on=form.signed_on.data),
                      _("The signed agreement is filed."), _grant_url(grant.id), lambda: _grant_page(grant, form))


# --- one-button tranche verbs --------------------------------------------------------------------------------

def _tranche(tranche_id) -> Tranche:
    return get_or_404(Tranche, tranche_id)


@bp.post("/disbursements/tranches/<int:tranche_id>/request", endpoint="request")
@require(can_manage_disbursements)
def request_tranche(tranche_id):
    tranche = _tranche(tranche_id)
    return run_verb(lambda: services.request_tranche(current_user, tranche),
                    _("The payment is requested. Another staff member must approve it."),
                    _grant_url(tranche.grant_id))


@bp.post("/disbursements/tranches/<int:tranche_id>/approve", endpoint="approve")
@require(can_manage_disbursements)
def approve(tranche_id):
    tranche = _tranche(tranche_id)
    return run_verb(lambda: services.approve_tranche(current_user, tranche),
                    _("The payment is approved. The grantee has been told by email."), _grant_url(tranche.grant_id))


@bp.post("/disbursements/tranches/<int:tranche_id>/letter", endpoint="issue_letter")
@require(can_manage_disbursements)
def issue_letter(tranche_id):
    tranche = _tranche(tranche_id)
    return run_verb(lambda: services.issue_letter(current_user, tranche),
                    _("The disbursement letter is issued."), _grant_url(tranche.grant_id))


# --- verbs with a form ---------------------------------------------------------------------------------------

def _tranche_page(template: str, tranche: Tranche, form, **extra):
    """A tranche verb's confirmation page: the tranche, its grant and grantee, and the verb's own form."""
    grant = tranche.grant
    return render_template(template, form=form, tranche=tranche, grant=grant, call=grant.call,
                           application=grant.application, name=queries.grantee_name(grant.application),
                           position=services.position_of(tranche), **extra)


@bp.route("/disbursements/tranches/<int:tranche_id>/pay", methods=["GET", "POST"], endpoint="pay")
@require(can_manage_disbursements)
def pay(tranche_id):
    tranche = _tranche(tranche_id)
    back = _grant_url(tranche.grant_id)
    if request.method == "GET" and tranche.status != TrancheStatus.LETTER_ISSUED:
        flash(_("This tranche has already been paid.") if tranche.status == TrancheStatus.PAID
              else _("A tranche is paid against its disbursement letter: issue the letter first."), "error")
        return redirect(back)
    form = PaymentForm()

    page = partial(_tranche_page, "disbursements/staff/pay.html", tranche, form,
                   letter=services.valid_letter(tranche))

    if not form.validate_on_submit():
        return page()
    return form_verb(form, lambda: services.record_payment(
        current_user, tranche, method=PaymentMethod(form.method.data), reference=form.reference.data or "",
        paid_on=form.paid_on.data), _("The payment is recorded."), back, page)


@bp.route("/disbursements/tranches/<int:tranche_id>/cancel", methods=["GET", "POST"], endpoint="cancel")
@require(can_manage_disbursements)
def cancel(tranche_id):
    tranche = _tranche(tranche_id)
    back = _grant_url(tranche.grant_id)
    if request.method == "GET" and tranche.status not in services.OPEN_STATES:
        flash(_("A paid or cancelled tranche cannot be cancelled."), "error")
        return redirect(back)
    form = ReasonForm()

    page = partial(_tranche_page, "disbursements/staff/cancel.html", tranche, form,
                   letter=services.valid_letter(tranche))

    if not form.validate_on_submit():
        return page()
    return form_verb(form, lambda: services.cancel_tranche(current_user, tranche, reason=form.reason.data),
                      _("The tranche is cancelled."), back, page)


@bp.route("/disbursements/letters/<int:letter_id>/reissue", methods=["GET", "POST"], endpoint="reissue_letter")
@require(can_manage_disbursements)
def reissue_letter(letter_id):
    letter = get_or_404(Letter, letter_id)
    tranche = letter.tranche
    back = _grant_url(tranche.grant_id)
    if request.method == "GET":
        if letter.voided_at is not None:
            flash(_("This letter is void already."), "error")
            return redirect(back)
        if tranche.status != TrancheStatus.LETTER_ISSUED:
            flash(_("Only the letter of a tranche that is not paid yet can be issued again."), "error")
            return redirect(back)
    form = ReasonForm()

    page = partial(_tranche_page, "disbursements/staff/reissue.html", tranche, form, letter=letter)

    if not form.validate_on_submit():
        return page()
    return form_verb(form, lambda: services.reissue_letter(current_user, letter, reason=form.reason.data),
                      _("The letter is void and a new letter is issued."), back, page)
