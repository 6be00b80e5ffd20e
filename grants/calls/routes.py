"""Routes of the calls feature: public call pages, and the staff pages that create and run calls."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..views import run_verb, undo_and_refuse
from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, CallStatus, Criterion, Place, PlaceKind, RequiredDocument, Sector, utcnow
from ..permissions import can_manage_calls, get_or_404, public, require
from . import bp, queries, services
from .forms import (
    CallForm, CriterionForm, PlaceEditForm, PlaceForm, RequiredDocumentForm, SectorEditForm, SectorForm,
    call_form_data,
)

# The one lifecycle step staff can take from each status, with its button.
NEXT_STEP = {
    CallStatus.DRAFT: "open_call",
    CallStatus.OPEN: "close_call",
    CallStatus.CLOSED: "start_review",
    CallStatus.REVIEWING: "mark_decided",
    CallStatus.DECIDED: "archive",
}


# --- public pages ---------------------------------------------------------------------------------

@bp.get("/calls")
@public
def index():
    now = utcnow()
    calls = [(call, queries.days_left(call, now)) for call in queries.public_calls(now)]
    return render_template("calls/index.html", calls=calls)


@bp.get("/calls/<code>")
@public
def show(code):
    call = queries.call_by_code(code)
    if call is None or (call.status == CallStatus.DRAFT and not can_manage_calls(current_user)):
        abort(404)
    now = utcnow()
    return render_template(
        "calls/show.html", call=call, accepting=call.is_accepting(now),
        opens_later=call.status == CallStatus.OPEN and now < call.opens_at,
        days_left=queries.days_left(call, now))


# --- staff: calls ---------------------------------------------------------------------------------

@bp.get("/staff/calls")
@require(can_manage_calls)
def manage():
    status = request.args.get("status", "")
    return render_template("calls/manage.html", rows=queries.calls_with_counts(status), statuses=list(CallStatus),
                           status=status)


def _set_call_choices(form: CallForm, call: Call | None) -> None:
    keep_places = [p.id for p in call.places] if call else []
    keep_sectors = [s.id for s in call.sectors] if call else []
    nodes = queries.offered_places(keep_places)
    form.places.choices = [(n.place.id, n.place.name) for n in nodes]
    form.place_depth = {n.place.id: n.depth for n in nodes}
    form.place_kind = {n.place.id: n.place.kind for n in nodes}
    form.sectors.choices = [(s.id, s.name) for s in queries.sectors(active_only=True, keep_ids=keep_sectors)]


@bp.route("/staff/calls/new", methods=["GET", "POST"])
@require(can_manage_calls)
def new():
    form = CallForm()
    _set_call_choices(form, None)
    if form.validate_on_submit():
        try:
            call = services.create_call(current_user, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The call %(code)s is saved as a draft. Add its rubric and documents, then open it.",
                    code=call.code), "success")
            return redirect(url_for(".detail", call_id=call.id))
    return render_template("calls/form.html", form=form, call=None, editable=None)


@bp.route("/staff/calls/<int:call_id>/edit", methods=["GET", "POST"])
@require(can_manage_calls)
def edit(call_id):
    call = get_or_404(Call, call_id)
    editable = services.editable_form_fields(call)
    initial = call_form_data(call)
    form = CallForm(data=initial if request.method == "GET" else None)
    _set_call_choices(form, call)
    if request.method == "POST":
        form.freeze(initial, [f.name for f in form if f.name in initial and f.name not in editable], request.form)
        form.keep_seconds(initial)
    if form.validate_on_submit():
        try:
            services.update_call(current_user, call, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The call is saved."), "success")
            return redirect(url_for(".detail", call_id=call.id))
    return render_template("calls/form.html", form=form, call=call, editable=editable)


@bp.get("/staff/calls/<int:call_id>")
@require(can_manage_calls)
def detail(call_id):
    call = get_or_404(Call, call_id)
    return render_template(
        "calls/detail.html", call=call, counts=queries.application_counts(call), next_step=NEXT_STEP.get(call.status),
        rubric_locked=services.rubric_locked(call), documents_locked=services.documents_locked(call),
        audit=queries.call_audit(call), now=utcnow())


def _lifecycle(call_id, verb_name, success_message):
    call = get_or_404(Call, call_id)
    try:
        services.LIFECYCLE[verb_name](current_user, call)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        flash(success_message, "success")
    return redirect(url_for(".detail", call_id=call_id))


@bp.post("/staff/calls/<int:call_id>/open")
@require(can_manage_calls)
def open_call(call_id):
    return _lifecycle(call_id, "open", _("The call is open: applicants can apply until its closing time."))


@bp.post("/staff/calls/<int:call_id>/close")
@require(can_manage_calls)
def close_call(call_id):
    return _lifecycle(call_id, "close", _("The call is closed: no more applications are accepted."))


@bp.post("/staff/calls/<int:call_id>/start-review")
@require(can_manage_calls)
def start_review(call_id):
    return _lifecycle(call_id, "start_review", _("The call is under review. Its rubric can no longer change."))


@bp.post("/staff/calls/<int:call_id>/decide")
@require(can_manage_calls)
def mark_decided(call_id):
    return _lifecycle(call_id, "decide", _("The call is marked as decided."))


@bp.post("/staff/calls/<int:call_id>/archive")
@require(can_manage_calls)
def archive(call_id):
    return _lifecycle(call_id, "archive", _("The call is archived."))


# --- staff: rubric --------------------------------------------------------------------------------

@bp.route("/staff/calls/<int:call_id>/criteria", methods=["GET", "POST"])
@require(can_manage_calls)
def criteria(call_id):
    call = get_or_404(Call, call_id)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(current_user, call, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The criterion is added."), "success")
            return redirect(url_for(".criteria", call_id=call.id))
    return render_template("calls/criteria.html", call=call, form=form, locked=services.rubric_locked(call),
                           weight_total=queries.criteria_weight_total(call))


@bp.route("/staff/criteria/<int:criterion_id>", methods=["GET", "POST"])
@require(can_manage_calls)
def edit_criterion(criterion_id):
    criterion = get_or_404(Criterion, criterion_id)
    form = CriterionForm(obj=criterion if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_criterion(current_user, criterion, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The criterion is saved."), "success")
            return redirect(url_for(".criteria", call_id=criterion.call_id))
    return render_template("calls/criterion.html", criterion=criterion, call=criterion.call, form=form,
                           locked=services.rubric_locked(criterion.call))


@bp.post("/staff/criteria/<int:criterion_id>/delete")
@require(can_manage_calls)
def delete_criterion(criterion_id):
    criterion = get_or_404(Criterion, criterion_id)
    call_id = criterion.call_id
    return run_verb(lambda: services.delete_criterion(current_user, criterion), _("The criterion is deleted."),
                        url_for(".criteria", call_id=call_id))


@bp.post("/staff/criteria/<int:criterion_id>/move")
@require(can_manage_calls)
def move_criterion(criterion_id):
    criterion = get_or_404(Criterion, criterion_id)
    direction = _direction()
    return run_verb(lambda: services.move_criterion(current_user, criterion, direction), None,
                        url_for(".criteria", call_id=criterion.call_id))


def _direction() -> str:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return direction


# --- staff: required documents --------------------------------------------------------------------

@bp.route("/staff/calls/<int:call_id>/documents", methods=["GET", "POST"])
@require(can_manage_calls)
def documents(call_id):
    call = get_or_404(Call, call_id)
    form = RequiredDocumentForm()
    if form.validate_on_submit():
        try:
            services.add_required_document(current_user, call, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The document is added."), "success")
            return redirect(url_for(".documents", call_id=call.id))
    return render_template("calls/documents.html", call=call, form=form, locked=services.documents_locked(call))


@bp.route("/staff/required-documents/<int:document_id>", methods=["GET", "POST"])
@require(can_manage_calls)
def edit_document(document_id):
    document = get_or_404(RequiredDocument, document_id)
    form = RequiredDocumentForm(obj=document if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_required_document(current_user, document, **form.values())
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The document is saved."), "success")
            return redirect(url_for(".documents", call_id=document.call_id))
    return render_template("calls/document.html", document=document, call=document.call, form=form,
                           locked=services.documents_locked(document.call))


@bp.post("/staff/required-documents/<int:document_id>/delete")
@require(can_manage_calls)
def delete_document(document_id):
    document = get_or_404(RequiredDocument, document_id)
    call_id = document.call_id
    return run_verb(lambda: services.delete_required_document(current_user, document),
                        _("The document is removed from the call."), url_for(".documents", call_id=call_id))


@bp.post("/staff/required-documents/<int:document_id>/move")
@require(can_manage_calls)
def move_document(document_id):
    document = get_or_404(RequiredDocument, document_id)
    direction = _direction()
    return run_verb(lambda: services.move_required_document(current_user, document, direction), None,
                        url_for(".documents", call_id=document.call_id))


# --- staff: places and sectors ---------------------------------------------------------------------

@bp.route("/staff/places", methods=["GET", "POST"])
@require(can_manage_calls)
def places():
    tree = queries.place_tree()
    form = PlaceForm()
    form.parent_id.choices = [("", _("None (a governorate)"))] + [
        (str(node.place.id), f"{'— ' * node.depth}{node.place.name} ({node.place.kind.title})")
        for node in tree if node.place.kind != PlaceKind.SUBDISTRICT]
    if form.validate_on_submit():
        try:
            place = services.add_place(current_user, kind=form.kind.data, parent_id=form.parent(),
                                       name_ar=form.name_ar.data, name_en=form.name_en.data)
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("%(name)s is added.", name=place.name), "success")
            return redirect(url_for(".places"))
    return render_template("calls/places.html", tree=tree, form=form)


@bp.route("/staff/places/<int:place_id>", methods=["GET", "POST"])
@require(can_manage_calls)
def edit_place(place_id):
    place = get_or_404(Place, place_id)
    form = PlaceEditForm(obj=place if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_place(current_user, place, name_ar=form.name_ar.data, name_en=form.name_en.data,
                                  active=bool(form.active.data))
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The place is saved."), "success")
            return redirect(url_for(".places"))
    return render_template("calls/place.html", place=place, form=form)


@bp.route("/staff/sectors", methods=["GET", "POST"])
@require(can_manage_calls)
def sectors():
    form = SectorForm()
    if form.validate_on_submit():
        try:
            sector = services.add_sector(current_user, code=form.code.data, name_ar=form.name_ar.data,
                                         name_en=form.name_en.data)
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("%(name)s is added.", name=sector.name), "success")
            return redirect(url_for(".sectors"))
    return render_template("calls/sectors.html", sectors=queries.sectors(), form=form)


@bp.route("/staff/sectors/<int:sector_id>", methods=["GET", "POST"])
@require(can_manage_calls)
def edit_sector(sector_id):
    sector = get_or_404(Sector, sector_id)
    form = SectorEditForm(obj=sector if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_sector(current_user, sector, name_ar=form.name_ar.data, name_en=form.name_en.data,
                                   active=bool(form.active.data))
        except ActionRefused as refusal:
            undo_and_refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The sector is saved."), "success")
            return redirect(url_for(".sectors"))
    return render_template("calls/sector.html", sector=sector, form=form)
