"""Routes of the decisions feature for staff (routes_staff): settings, proposal, changes, emails, release, progress."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, Decision, Group, Outcome
from ..permissions import can_decide, get_or_404, require
from ..views import run_verb, undo_and_refuse
from . import bp, queries, services, services_staff
from .forms import (
    LANGUAGE_LABELS, LOCALES, ChangeDecisionForm, DecisionSettingsForm, DecisionTemplatesForm, GroupMessageForm,
    placeholder_list, settings_form_data, template_field_name,
)
from .messages import render_decision, template_text
from .selection import GENERAL


def _locale() -> str:
    return "en" if str(get_locale() or "ar").startswith("en") else "ar"


# --- settings -------------------------------------------------------------------------------------

@bp.route("/staff/calls/<int:call_id>/decision-settings", methods=["GET", "POST"], endpoint="settings")
@require(can_decide)
def settings(call_id):
    call = get_or_404(Call, call_id)
    locked = services.released_any(call)
    form = DecisionSettingsForm(data=settings_form_data(call, queries.set_asides(call.id))
                                if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services_staff.save_settings(current_user, call, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The decision settings are saved. Generate the proposal again to apply them."), "success")
            return redirect(url_for(".proposal", call_id=call.id))
    return render_template("decisions/staff/settings.html", call=call, form=form, locked=locked)


# --- the proposal ---------------------------------------------------------------------------------

@bp.get("/staff/calls/<int:call_id>/decisions", endpoint="proposal")
@require(can_decide)
def proposal(call_id):
    call = get_or_404(Call, call_id)
    filters = queries.ProposalFilters.from_args(request.args)
    totals = queries.proposal_totals(call)
    # Asked for always, so the page's statements do not depend on answers; offered once an award was declined.
    candidate = queries.promotion_candidate(call, totals)
    return render_template(
        "decisions/staff/proposal.html", call=call, totals=totals, filters=filters,
        page=queries.decisions_page(call.id, filters, totals), line=queries.funding_line(call.id),
        set_aside_totals=queries.set_aside_totals(call, queries.set_asides(call.id)),
        candidate=candidate if totals.declined else None,
        can_generate=call.status in services.PROPOSAL_STATES and not totals.released,
        shown_titles=queries.SHOWN, funded_from=_funded_from_title)


def _funded_from_title(value):
    if value is None:
        return ""
    if value == GENERAL:
        return _("General budget")
    try:
        return Group(value).title
    except ValueError:
        return value


@bp.post("/staff/calls/<int:call_id>/decisions/generate", endpoint="generate")
@require(can_decide)
def generate(call_id):
    call = get_or_404(Call, call_id)
    return run_verb(lambda: services.generate_proposal(current_user, call),
                _("The funding proposal is ready. Check it, change what needs changing, then release it."),
                url_for(".proposal", call_id=call.id))


@bp.post("/staff/decisions/<int:decision_id>/promote", endpoint="promote")
@require(can_decide)
def promote(decision_id):
    decision = get_or_404(Decision, decision_id)
    return run_verb(lambda: services.promote(current_user, decision),
                _("The application is approved from the waiting list and its applicant is emailed."),
                url_for(".proposal", call_id=decision.call_id))


@bp.route("/staff/decisions/<int:decision_id>", methods=["GET", "POST"], endpoint="change")
@require(can_decide)
def change(decision_id):
    decision = get_or_404(Decision, decision_id)
    call = decision.application.call
    form = ChangeDecisionForm(data={
        "outcome": decision.outcome.value, "amount": decision.awarded_amount or None,
        "feedback_ar": decision.feedback_ar, "feedback_en": decision.feedback_en,
    } if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.change_decision(current_user, decision, outcome=Outcome(form.outcome.data),
                                     amount=form.amount.data, reason=form.reason.data,
                                     feedback_ar=form.feedback_ar.data or "", feedback_en=form.feedback_en.data or "")
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The decision on %(reference)s is changed.", reference=decision.application.reference),
                  "success")
            page = queries.page_of_decision(decision)
            return redirect(url_for(".proposal", call_id=call.id, page=page if page > 1 else None)
                            + f"#decision-{decision.id}")
    return render_template("decisions/staff/change.html", call=call, decision=decision, form=form,
                           totals=queries.proposal_totals(call), applicant_name=queries.applicant_name,
                           funded_from=_funded_from_title)


# --- decision emails ------------------------------------------------------------------------------

@bp.route("/staff/calls/<int:call_id>/decision-templates", methods=["GET", "POST"], endpoint="templates")
@require(can_decide)
def templates(call_id):
    call = get_or_404(Call, call_id)
    initial = None
    if request.method == "GET":
        initial = {}
        for outcome in Outcome:
            for locale in LOCALES:
                subject, body = template_text(call.id, outcome, locale)
                initial[template_field_name(outcome, locale, "subject")] = subject
                initial[template_field_name(outcome, locale, "body")] = body
    form = DecisionTemplatesForm(data=initial)
    if form.validate_on_submit():
        try:
            changed = services_staff.save_templates(current_user, call, form.texts())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The decision emails are saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for(".templates", call_id=call.id))
    return render_template("decisions/staff/templates.html", call=call, form=form, outcomes=list(Outcome),
                           locales=LOCALES, language_labels=LANGUAGE_LABELS, placeholders=placeholder_list(),
                           field_name=template_field_name, saved=queries.has_template(call.id))


@bp.get("/staff/calls/<int:call_id>/decision-templates/preview", endpoint="preview")
@require(can_decide)
def preview(call_id):
    call = get_or_404(Call, call_id)
    try:
        outcome = Outcome(request.args.get("outcome") or Outcome.APPROVED.value)
    except ValueError:
        abort(400)
    locale = request.args.get("locale") or _locale()
    if locale not in LOCALES:
        abort(400)
    decision = queries.preview_decision(call.id, outcome)
    subject = text = None
    if decision is not None:
        subject, text, _html = render_decision(decision, locale)
    return render_template("decisions/staff/preview.html", call=call, outcome=outcome, locale=locale,
                           decision=decision, subject=subject, text=text, outcomes=list(Outcome), locales=LOCALES,
                           language_labels=LANGUAGE_LABELS)


# --- release and progress -------------------------------------------------------------------------

@bp.route("/staff/calls/<int:call_id>/release", methods=["GET", "POST"], endpoint="release")
@require(can_decide)
def release(call_id):
    call = get_or_404(Call, call_id)
    counts = services.release_preview(call)
    if request.method == "POST":
        if not sum(counts.values()):
            flash(_("Every decision of this call has been released already: nothing was sent again."), "info")
            return redirect(url_for(".progress", call_id=call.id))
        try:
            sent = services.release_decisions(current_user, call)
        except ActionRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(url_for(".release", call_id=call.id))
        db.session.commit()
        total = sum(sent.values())
        if total:
            flash(_("%(count)s decision emails are queued: %(approved)s approved, %(waitlisted)s waitlisted, "
                    "%(not_selected)s not selected.", count=total, **sent), "success")
        else:
            flash(_("Every decision of this call has been released already: nothing was sent again."), "info")
        return redirect(url_for(".progress", call_id=call.id))
    return render_template("decisions/staff/release.html", call=call, counts=counts, total=sum(counts.values()))


@bp.get("/staff/calls/<int:call_id>/mail-progress", endpoint="progress")
@require(can_decide)
def progress(call_id):
    call = get_or_404(Call, call_id)
    return render_template("decisions/staff/progress.html", call=call, progress=queries.mail_progress(call.id),
                           failed=queries.failed_messages(call.id), group_messages=queries.group_messages(call.id),
                           failed_shown=queries.FAILED_SHOWN)


@bp.get("/staff/calls/<int:call_id>/mail-progress.json", endpoint="progress_json")
@require(can_decide)
def progress_json(call_id):
    call = get_or_404(Call, call_id)
    response = jsonify(queries.mail_progress(call.id).as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/staff/calls/<int:call_id>/mail-progress/retry", endpoint="retry_failed")
@require(can_decide)
def retry_failed(call_id):
    call = get_or_404(Call, call_id)
    try:
        count = services_staff.retry_failed(current_user, call)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        flash(_("%(count)s failed messages are queued again.", count=count), "success")
    return redirect(url_for(".progress", call_id=call.id))


# --- a message to a group -------------------------------------------------------------------------

@bp.route("/staff/calls/<int:call_id>/message", methods=["GET", "POST"], endpoint="group_message")
@require(can_decide)
def group_message(call_id):
    call = get_or_404(Call, call_id)
    form = GroupMessageForm()
    editing = "edit" in request.form  # "Change the message" on the confirmation page
    if not editing and form.validate_on_submit():
        audience = queries.Audience.from_dict(form.audience())
        if form.confirm.data != "send":
            return render_template("decisions/staff/group_confirm.html", call=call, form=form,
                                   count=queries.audience_count(call.id, audience),
                                   audience_text=dict(form.outcome.choices)[form.outcome.data],
                                   response_text=dict(form.response.choices)[form.response.data]
                                   if form.response.data else None)
        try:
            message = services_staff.send_group_message(current_user, call, audience, **form.texts())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The message is queued for %(count)s applicants.", count=message.recipients), "success")
            return redirect(url_for(".progress", call_id=call.id))
    return render_template("decisions/staff/group_message.html", call=call, form=form)
