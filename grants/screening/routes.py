"""Routes of the screening feature: a call's applications list with its batch actions and exports, the staff
page of one application (override, duplicate flags, comments, tags), and re-checking a call for duplicates.

Drafts belong to their applicants until submitted: the list only counts them and their pages answer 404 here.
"""
from urllib.parse import parse_qsl

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..views import refuse
from ..errors import ActionRefused
from ..extensions import db
from ..models import (
    Application, ApplicationStatus, BusinessStage, Call, DuplicateFlag, FlagStatus, Gender, ScreeningStatus,
)
from ..paging import requested_page
from ..permissions import can_comment_on_application, can_screen_applications, get_or_404, require
from . import bp, exports, queries, services
from .forms import BatchForm, CommentForm, OverrideForm, flag_form

APPLICATION_BACK = "application:"


# --- the list of a call's applications --------------------------------------------------------------

def _list_page(call: Call, filters: queries.Filters, page_number: int, batch_form: BatchForm | None = None):
    page = queries.applications_page(call, filters, page_number)
    flags = queries.open_flags(application_ids=[a.id for a in page.items])
    batch_form = batch_form or BatchForm(formdata=None)
    if not batch_form.back.data:
        batch_form.back.data = request.query_string.decode("utf-8", "replace") if request.method == "GET" else ""
    selected = set(batch_form.ids.data or [])
    return render_template(
        "screening/list.html", call=call, page=page, flags=flags, filters=filters, args=filters.as_args(),
        drafts=queries.draft_count(call), places=queries.place_choices(), sectors=queries.sector_choices(),
        tags=queries.call_tags(call), batch_form=batch_form, selected=selected,
        statuses=queries.LISTED_STATUSES, screening_statuses=list(ScreeningStatus), genders=list(Gender),
        stages=list(BusinessStage), age_bands=list(queries.AGE_BANDS),
    )


@bp.get("/calls/<int:call_id>/applications")
@require(can_screen_applications)
def applications(call_id):
    call = get_or_404(Call, call_id)
    return _list_page(call, queries.Filters.from_args(request.args), requested_page(request.args))


def _list_args(back: str) -> dict:
    """The list's filters and page from the query string the batch form carried, cleaned."""
    args = MultiDict(parse_qsl(back or "", keep_blank_values=False))
    page = requested_page(args)
    return {**queries.Filters.from_args(args).as_args(), **({"page": page} if page > 1 else {})}


@bp.post("/calls/<int:call_id>/applications/batch")
@require(can_screen_applications)
def batch(call_id):
    call = get_or_404(Call, call_id)
    form = BatchForm()
    back = form.back.data or ""
    single = queries.small_int(back.removeprefix(APPLICATION_BACK)) if back.startswith(APPLICATION_BACK) else None
    if form.validate_on_submit():
        chosen = queries.applications_in_call(call, form.ids.data)
        chosen_ids = {a.id for a in chosen}
        try:
            changed = services.apply_batch(current_user, chosen, form.action.data, reason=form.reason.data,
                                           tag=form.tag.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("%(changed)s of %(selected)s selected applications changed.",
                    changed=changed, selected=len(chosen_ids)), "success" if changed else "info")
            if single in chosen_ids:
                return redirect(url_for(".application", application_id=single))
            return redirect(url_for(".applications", call_id=call.id, **_list_args(back)))
    if single:
        application = _screened(single)
        if application.call_id != call.id:
            abort(404)
        return _detail_page(application, batch_form=form)
    args = MultiDict(parse_qsl(back, keep_blank_values=False))
    return _list_page(call, queries.Filters.from_args(args), requested_page(args), batch_form=form)


@bp.get("/calls/<int:call_id>/applications/export.<any(csv, xlsx):fmt>")
@require(can_screen_applications)
def export(call_id, fmt):
    call = get_or_404(Call, call_id)
    filters = queries.Filters.from_args(request.args)
    rows = queries.all_applications(call, filters)
    data = exports.export(call, rows, queries.open_flags(call_id=call.id), fmt)
    services.record_export(current_user, call, fmt, filters.as_args(), len(rows))
    db.session.commit()
    return Response(data, mimetype=exports.FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(call, fmt)}"',
        "Cache-Control": "no-store",
    })


@bp.post("/calls/<int:call_id>/duplicates/recheck")
@require(can_screen_applications)
def recheck_duplicates(call_id):
    call = get_or_404(Call, call_id)
    new_flags = services.recheck_duplicates(current_user, call)
    db.session.commit()
    flash(_("Duplicates checked again: %(count)s new flags.", count=new_flags), "success" if new_flags else "info")
    return redirect(url_for(".applications", call_id=call.id, flagged="yes" if new_flags else None))


# --- one application ---------------------------------------------------------------------------------

def _screened(application_id: int) -> Application:
    """A submitted or withdrawn application with its details loaded, or 404."""
    application = queries.application_detail(application_id)
    if application is None or application.status == ApplicationStatus.DRAFT:
        abort(404)
    return application


def _detail_page(application: Application, *, override_form=None, comment_form=None, batch_form=None,
                 flag_forms=None):
    flags = queries.flags_of(application)
    flag_forms = dict(flag_forms or {})
    for flag in flags:
        if flag.status == FlagStatus.OPEN and flag.id not in flag_forms:
            flag_forms[flag.id] = flag_form(flag, formdata=None)
    for form in flag_forms.values():
        form.back.data = str(application.id)
    if override_form is None and not application.eligible and application.status == ApplicationStatus.SUBMITTED:
        override_form = OverrideForm(formdata=None, prefix="override",
                                     action="revoke" if application.eligibility_overridden else "override")
    batch_form = batch_form or BatchForm(formdata=None)
    batch_form.back.data = f"{APPLICATION_BACK}{application.id}"
    may_comment = can_comment_on_application(current_user, application)
    return render_template(
        "screening/application.html", application=application, call=application.call, flags=flags,
        flag_forms=flag_forms, override_form=override_form, batch_form=batch_form,
        comment_form=(comment_form or CommentForm(formdata=None, prefix="comment")) if may_comment else None,
        comments=queries.comments_of(application), audit=queries.audit_trail(application),
        override_by=queries.override_by(application),
        reasons_key="en" if _locale_is_english() else "ar",
    )


def _locale_is_english() -> bool:
    return str(get_locale() or "ar").startswith("en")


@bp.get("/applications/<int:application_id>")
@require(can_screen_applications)
def application(application_id):
    return _detail_page(_screened(application_id))


@bp.post("/applications/<int:application_id>/eligibility")
@require(can_screen_applications)
def override_eligibility(application_id):
    application = _screened(application_id)
    if application.eligible or application.status != ApplicationStatus.SUBMITTED:
        flash(_("Only a submitted application that fails the call’s rules can be ruled eligible."), "error")
        return redirect(url_for(".application", application_id=application.id) + "#eligibility")
    form = OverrideForm(prefix="override")
    if form.validate_on_submit():
        verb = services.override_eligibility if form.action.data == "override" else services.revoke_override
        try:
            verb(current_user, application, form.reason.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The application is ruled eligible.") if form.action.data == "override"
                  else _("The override is taken back."), "success")
            return redirect(url_for(".application", application_id=application.id))
    return _detail_page(application, override_form=form)


@bp.post("/applications/<int:application_id>/comments")
@require(can_screen_applications)
def comment(application_id):
    application = _screened(application_id)
    if not can_comment_on_application(current_user, application):
        abort(403)
    form = CommentForm(prefix="comment")
    if form.validate_on_submit():
        try:
            services.add_comment(current_user, application, form.body.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Your comment is added."), "success")
            return redirect(url_for(".application", application_id=application.id) + "#comments")
    return _detail_page(application, comment_form=form)


@bp.post("/applications/<int:application_id>/tags/remove")
@require(can_screen_applications)
def remove_tag(application_id):
    application = _screened(application_id)
    if services.remove_tag(current_user, application, request.form.get("tag", "")):
        db.session.commit()
        flash(_("The tag is removed."), "success")
    else:
        flash(_("This application has no such tag."), "info")
    return redirect(url_for(".application", application_id=application.id))


@bp.post("/flags/<int:flag_id>")
@require(can_screen_applications)
def resolve_flag(flag_id):
    flag = get_or_404(DuplicateFlag, flag_id)
    form = flag_form(flag)
    viewed = queries.small_int(form.back.data)
    if viewed not in (flag.application_id, flag.other_id):
        viewed = flag.application_id if flag.application.status != ApplicationStatus.DRAFT else flag.other_id
    if flag.status != FlagStatus.OPEN:
        flash(_("This flag has already been resolved."), "error")
        return redirect(url_for(".application", application_id=viewed) + "#flags")
    if form.validate_on_submit():
        try:
            services.resolve_flag(current_user, flag, form.outcome.data, form.reason.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The flag is cleared.") if form.outcome.data == services.FLAG_CLEAR
                  else _("The application is rejected as a duplicate."), "success")
            return redirect(url_for(".application", application_id=viewed) + "#flags")
    return _detail_page(_screened(viewed), flag_forms={flag.id: form})
