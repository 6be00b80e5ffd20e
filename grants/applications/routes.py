"""Routes of the applications feature: start, the five steps, documents, submit, withdraw and the dashboard."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..views import refuse
from ..decisions.queries_applicant import released_decisions
from ..disbursements.services import program_today
from ..monitoring.queries import reports_to_write
from ..errors import ActionRefused
from ..extensions import db
from ..models import Application, ApplicationStatus, CallStatus, Document, Gender, utcnow
from ..permissions import (
    can_apply, can_edit_application, can_fill_application, can_view_application_answers, can_view_document,
    can_withdraw_application, get_or_404, require, signed_in,
)
from ..storage import storage
from . import bp, queries, services
from .forms import (
    EMPTY_BUDGET_ROWS, ApplicantForm, BudgetForm, BusinessForm, WithdrawForm, documents_form, valid_values,
)
from .uploads import max_upload_bytes, megabytes, read_upload, send_stored_upload

LAST_STEP = 5


def step_titles():
    return {1: _("The applicant"), 2: _("The business"), 3: _("The budget"), 4: _("Documents"),
            5: _("Review and submit")}


def _language() -> str:
    return str(get_locale() or "ar")[:2]


# --- starting ----------------------------------------------------------------------------------------------

@bp.route("/calls/<code>/apply", methods=["GET", "POST"])
@require(can_apply)
def start(code):
    from ..calls.queries import call_by_code

    call = call_by_code(code)
    if call is None or call.status == CallStatus.DRAFT:
        abort(404)
    if request.method == "GET":  # back here after signing in: the Apply button is on the call's page
        return redirect(url_for("calls.show", code=call.code))
    try:
        application, created = services.start_application(current_user, call)
        db.session.commit()
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for("calls.show", code=call.code))
    except IntegrityError:
        # Two clicks or two tabs: the other request made the draft first. Go to that one.
        db.session.rollback()
        application, created = queries.application_of(current_user, call), False
        if application is None:
            raise
    if not created and application.status != ApplicationStatus.DRAFT:
        flash(_("You have already applied to this call."), "info")
        return redirect(url_for(".show", application_id=application.id))
    if created:
        flash(_("Your draft application is started. You can save it at any step and come back later."), "success")
    return redirect(url_for(".step", application_id=application.id, step=1))


# --- the steps -----------------------------------------------------------------------------------------------

def _editable_or_redirect(application):
    """None when the applicant may still change it, else where to go instead (with a message)."""
    if can_edit_application(current_user, application):
        return None
    if application.status == ApplicationStatus.DRAFT:
        flash(_("The call closed on %(when)s: this application can no longer be changed or submitted.",
                when=format_datetime(application.call.closes_at)), "error")
    else:
        flash(_("This application is submitted and can no longer be changed."), "info")
    return redirect(url_for(".show", application_id=application.id))


def _next_url(application, step, action):
    if action == "continue" and step < LAST_STEP:
        return url_for(".step", application_id=application.id, step=step + 1)
    return url_for(".step", application_id=application.id, step=step)


def _render_step(application, step, **context):
    return render_template(f"applications/step{step}.html", application=application, call=application.call,
                           step=step, steps=step_titles(), last_step=LAST_STEP, **context)


@bp.route("/applications/<int:application_id>/step/<int:step>", methods=["GET", "POST"])
@require(can_apply)
def step(application_id, step):
    application = get_or_404(Application, application_id, can_fill_application)
    if not 1 <= step <= LAST_STEP:
        abort(404)
    elsewhere = _editable_or_redirect(application)
    if elsewhere is not None:
        return elsewhere
    handler = {1: _answers_step, 2: _answers_step, 3: _budget_step, 4: _documents_step, 5: _review_step}[step]
    return handler(application, step)


def _set_choices(form, application, step):
    call = application.call
    if step == 1:
        form.place_id.choices = queries.place_choices(call, keep_id=application.place_id)
    else:
        form.sector_id.choices = queries.sector_choices(call, keep_id=application.sector_id)
        form.stage.choices = queries.stage_choices(call)


def _answers_step(application, step):
    form_class = ApplicantForm if step == 1 else BusinessForm
    if request.method == "GET":
        form = form_class(obj=application)
        if step == 2 and application.women_led is None and application.gender is not None:
            form.women_led.data = application.gender == Gender.FEMALE  # a default the applicant can change
    else:
        form = form_class()
    _set_choices(form, application, step)
    if request.method == "POST":
        form.validate()
        try:
            services.save_answers(current_user, application, step,
                                  valid_values(form, form_class.STEP_FIELDS, request.form))
        except ActionRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(url_for(".show", application_id=application.id))
        db.session.commit()
        if not form.errors:
            flash(_("Your answers are saved."), "success")
            return redirect(_next_url(application, step, request.form.get("action")))
        flash(_("What was filled in correctly is saved. Please correct the fields marked below."), "warning")
    return _render_step(application, step, form=form, disability_note=step == 1)


def _budget_step(application, step):
    action = request.form.get("action")
    extra = _extra_rows(request.args.get("rows"))
    if request.method == "GET":
        form = BudgetForm(data={
            "lines": [{"item": line.item, "quantity": line.quantity, "unit_cost": line.unit_cost}
                      for line in application.budget_lines],
            "own_contribution": application.own_contribution or None,
            "requested_amount": application.requested_amount or None,
        })
        form.add_empty_rows(extra)
        return _render_step(application, step, form=form, total=application.budget_total)
    form = BudgetForm()
    form.validate()
    sent = request.form
    lines = form.valid_lines() if any(key.startswith("lines-") for key in sent) else None
    try:
        problems = services.save_budget(
            current_user, application, lines=lines, own_contribution=form.own_contribution.data,
            save_own="own_contribution" in sent and not form.own_contribution.errors,
            requested_amount=form.requested_amount.data,
            save_requested="requested_amount" in sent and not form.requested_amount.errors)
    except ActionRefused as refusal:
        db.session.rollback()
        if refusal.field == "lines":
            form.form_errors.append(str(refusal.message))
            form.add_empty_rows(EMPTY_BUDGET_ROWS)
            return _render_step(application, step, form=form, total=application.budget_total)
        flash(refusal.message, "error")
        return redirect(url_for(".show", application_id=application.id))
    db.session.commit()
    for name, message in problems.items():
        form[name].errors = list(form[name].errors) + [str(message)]
    if action == "add_rows" and not form.errors:
        return redirect(url_for(".step", application_id=application.id, step=step,
                                rows=min(extra + EMPTY_BUDGET_ROWS, 30)) + "#lines")
    if not form.errors:
        flash(_("Your budget is saved."), "success")
        return redirect(_next_url(application, step, action))
    flash(_("What was filled in correctly is saved. Please correct the fields marked below."), "warning")
    form.add_empty_rows(EMPTY_BUDGET_ROWS if action == "add_rows" else 0)
    # Keep at least the usual empty rows after what was typed.
    blank_tail = 0
    for row in reversed(form.lines.entries):
        if not row.form.is_blank:
            break
        blank_tail += 1
    form.add_empty_rows(max(0, EMPTY_BUDGET_ROWS - blank_tail))
    return _render_step(application, step, form=form, total=application.budget_total)


def _extra_rows(value) -> int:
    try:
        rows = int(value)
    except (TypeError, ValueError):
        return EMPTY_BUDGET_ROWS
    return max(EMPTY_BUDGET_ROWS, min(rows, 30))


def _documents_step(application, step):
    call = application.call
    form = documents_form(call)
    if request.method == "POST":
        form.validate()
        requirements = {f"file_{r.id}": r for r in call.required_documents}
        uploaded = 0
        for name in [*requirements, "file_other"]:
            upload = read_upload(request.files.get(name))
            if upload is None:
                continue
            try:
                services.add_document(current_user, application, upload, requirement=requirements.get(name),
                                      field=name)
            except ActionRefused as refusal:
                if refusal.field is None:  # the application itself may no longer change
                    db.session.rollback()
                    flash(refusal.message, "error")
                    return redirect(url_for(".show", application_id=application.id))
                refuse(form, refusal)
            else:
                uploaded += 1
        db.session.commit()
        if not form.errors:
            if uploaded:
                flash(_("Your documents are saved."), "success")
            return redirect(_next_url(application, step, request.form.get("action")))
        if uploaded:
            flash(_("The other files are saved. Please look at the fields marked below."), "warning")
    documents = list(application.documents)
    by_requirement = {}
    for document in documents:
        by_requirement.setdefault(document.requirement_id, []).append(document)
    return _render_step(application, step, form=form, documents=documents, by_requirement=by_requirement,
                        remaining=max(call.max_documents - len(documents), 0),
                        max_mb=megabytes(max_upload_bytes()))


def _review_step(application, step):
    if request.method == "POST":
        return redirect(url_for(".step", application_id=application.id, step=step))
    application = queries.application_with_details(application.id)
    return _render_step(application, step, missing=services.missing_items(application))


# --- documents -------------------------------------------------------------------------------------------------

def _document_of(application_id, document_id, predicate) -> Document:
    document = get_or_404(Document, document_id, predicate)
    if document.application_id != application_id:
        abort(404)
    return document


@bp.get("/applications/<int:application_id>/documents/<int:document_id>")
@require(signed_in)
def document(application_id, document_id):
    return send_stored_upload(_document_of(application_id, document_id, can_view_document))


@bp.post("/applications/<int:application_id>/documents/<int:document_id>/delete")
@require(can_apply)
def delete_document(application_id, document_id):
    document = _document_of(application_id, document_id,
                            lambda user, d: can_fill_application(user, d.application))
    try:
        key = services.delete_document(current_user, document)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for(".show", application_id=application_id))
    db.session.commit()
    storage().delete(key)  # only once the row is gone for good
    flash(_("The document is deleted."), "success")
    return redirect(url_for(".step", application_id=application_id, step=4))


# --- submitting, withdrawing, reading -------------------------------------------------------------------------------

@bp.post("/applications/<int:application_id>/submit")
@require(can_apply)
def submit(application_id):
    application = get_or_404(Application, application_id, can_fill_application)
    try:
        application = services.submit_application(current_user, application)
    except services.IncompleteApplication as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for(".step", application_id=application_id, step=LAST_STEP))
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for(".show", application_id=application_id))
    db.session.commit()
    flash(_("Thank you. Your application is submitted with the reference %(reference)s. We sent you a receipt by "
            "email.", reference=application.reference), "success")
    return redirect(url_for(".show", application_id=application_id))


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@require(can_apply)
def withdraw(application_id):
    application = get_or_404(Application, application_id, can_fill_application)
    if not can_withdraw_application(current_user, application):
        flash(_("This application cannot be withdrawn: only submitted applications can, until the call "
                "closes."), "error")
        return redirect(url_for(".show", application_id=application_id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_application(current_user, application, reason=form.reason.data)
        except ActionRefused as refusal:
            db.session.rollback()
            flash(refusal.message, "error")
            return redirect(url_for(".show", application_id=application_id))
        db.session.commit()
        flash(_("Your application %(reference)s is withdrawn.", reference=application.reference), "success")
        return redirect(url_for(".dashboard"))
    return render_template("applications/withdraw.html", application=application, form=form)


@bp.get("/applications/<int:application_id>")
@require(signed_in)
def show(application_id):
    application = get_or_404(Application, application_id, can_view_application_answers)
    application = queries.application_with_details(application.id)
    return render_template(
        "applications/show.html", application=application, call=application.call,
        timeline=queries.timeline(application), language=_language(),
        missing=services.missing_items(application) if application.status == ApplicationStatus.DRAFT else [],
        editable=can_edit_application(current_user, application),
        withdrawable=can_withdraw_application(current_user, application),
        steps=step_titles())


@bp.get("/my/applications")
@require(can_apply)
def dashboard():
    now = utcnow()
    applications = queries.my_applications(current_user)
    rows = [(application, queries.timeline(application)) for application in applications]
    return render_template(
        "applications/dashboard.html", rows=rows, open_calls=queries.open_calls_not_applied(current_user, now),
        language=_language(), now=now, decisions=released_decisions(current_user),
        reports_due=reports_to_write(current_user.id, program_today()),
        can_edit=lambda a: can_edit_application(current_user, a),
        can_withdraw=lambda a: can_withdraw_application(current_user, a))
