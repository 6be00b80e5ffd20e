"""Routes of the decisions feature for applicants (routes_applicant): see the decision, accept or decline the award."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..disbursements.queries import grant_of_application
from ..errors import ActionRefused
from ..extensions import db
from ..models import Application, Outcome, localized
from ..permissions import can_answer_award, can_apply, can_view_decision, get_or_404, require, signed_in
from . import bp, services
from .conditions import AWARD_CONDITIONS
from .forms_applicant import AcceptAwardForm, DeclineAwardForm
from .queries_applicant import AnswerState, answer_state, decision_for


def _decision_or_404(application_id, predicate):
    """The decision on the application, or 404 when there is none or the user may not see it (not released yet,
    somebody else's): nothing tells an outsider whether a decision exists."""
    application = get_or_404(Application, application_id)
    decision = decision_for(application.id)
    if decision is None or not predicate(current_user, decision):
        abort(404)
    return decision


def _page(decision, accept_form=None):
    application = decision.application
    return render_template(
        "decisions/applicant/decision.html", decision=decision, application=application, call=application.call,
        state=answer_state(decision), states=AnswerState, outcomes=Outcome, conditions=AWARD_CONDITIONS,
        feedback=localized(decision, "feedback"), is_owner=application.applicant_id == current_user.id,
        form=accept_form or AcceptAwardForm(), grant=grant_of_application(application.id))


@bp.get("/my/applications/<int:application_id>/decision", endpoint="mine")
@require(signed_in)
def mine(application_id):
    return _page(_decision_or_404(application_id, can_view_decision))


@bp.post("/my/applications/<int:application_id>/decision/accept", endpoint="accept")
@require(can_apply)
def accept(application_id):
    decision = _decision_or_404(application_id, can_answer_award)
    form = AcceptAwardForm()  # CSRF is checked for every POST (CSRFProtect); ticking is the service's rule
    try:
        services.accept_award(current_user, decision, conditions_accepted=bool(form.conditions.data))
    except ActionRefused as refusal:
        db.session.rollback()
        if refusal.field == "conditions":
            form.conditions.errors = [str(refusal.message)]
            return _page(decision, form)
        # Answered already (a double click, a retried request), past the deadline: say so, change nothing.
        flash(refusal.message, "error")
        return redirect(url_for(".mine", application_id=application_id))
    db.session.commit()
    flash(_("You have accepted the award. Welcome: you are now a grantee of the program."), "success")
    return redirect(url_for(".mine", application_id=application_id))


@bp.route("/my/applications/<int:application_id>/decision/decline", methods=["GET", "POST"], endpoint="decline")
@require(can_apply)
def decline(application_id):
    decision = _decision_or_404(application_id, can_answer_award)
    back = url_for(".mine", application_id=application_id)
    form = DeclineAwardForm()
    if form.validate_on_submit():
        try:
            # The waiting-list application this frees budget for is not stored: services.promotion_candidate(call)
            # finds it again, and the staff proposal page offers it for promotion.
            services.decline_award(current_user, decision, reason=form.reason.data or "")
        except ActionRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(back)
        db.session.commit()
        flash(_("You have declined the award. Thank you for telling us."), "success")
        return redirect(back)
    if answer_state(decision) != AnswerState.OPEN:
        return redirect(back)  # nothing left to decline: the decision page says why
    return render_template("decisions/applicant/decline.html", decision=decision, application=decision.application,
                           call=decision.application.call, form=form)
