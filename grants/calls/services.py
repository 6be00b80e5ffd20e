"""Call verbs: create and edit calls, their rubric and documents, move them through their lifecycle,
and keep the place and sector lists. Each verb checks its rule, flushes and writes an audit row."""
import re
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, CallStatus, Criterion, Place, PlaceKind, RequiredDocument, Sector, utcnow

CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,12}$")
SECTOR_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

TEXT_FIELDS = frozenset({"title_ar", "title_en", "description_ar", "description_en"})
CALL_FIELDS = TEXT_FIELDS | {
    "code", "opens_at", "closes_at", "budget", "currency", "min_award", "max_award", "reviewers_per_application",
    "blind_review", "reviewers_may_comment", "min_age", "max_age", "accepts_idea", "accepts_existing",
    "place_ids", "sector_ids", "max_documents",
}
# Fixed once the call is open: applicants and published material already rely on them.
FROZEN_WHEN_OPEN = frozenset({"code", "currency", "opens_at"})
# The form field a service value is typed in, so a refusal is shown beside it.
FORM_FIELD = {"place_ids": "places", "sector_ids": "sectors", "accepts_idea": "stages", "accepts_existing": "stages"}


# --- what may change when --------------------------------------------------------------------------

def editable_fields(call: Call) -> frozenset[str]:
    """The call's fields that staff may still change (service value names).

    - draft: everything;
    - open: everything except the code, the currency and the opening time. The texts, the budget and the
      review settings (reviewers per application, blind review, comments) change freely; the rest may only
      change in the applicants' favour (see _refuse_tightening): the closing time may move later, never
      earlier; the age range, places, sectors, business stages, award range and the number of documents may
      widen, never narrow. So nobody who could apply when the call opened, or who already applied, is
      shut out by an edit;
    - closed, reviewing, decided, archived: only the titles and descriptions.
    """
    if call.status == CallStatus.DRAFT:
        return CALL_FIELDS
    if call.status == CallStatus.OPEN:
        return CALL_FIELDS - FROZEN_WHEN_OPEN
    return TEXT_FIELDS


def editable_form_fields(call: Call) -> frozenset[str]:
    return frozenset(FORM_FIELD.get(name, name) for name in editable_fields(call))


def rubric_locked(call: Call) -> bool:
    """True once the rubric may no longer change: a review has been submitted, or the call is past review.

    Locking from the review phase on, even before the first submission, keeps reviewers who have
    started scoring from seeing the rubric move under them.
    """
    from ..models import Review, ReviewStatus

    if call.status in (CallStatus.REVIEWING, CallStatus.DECIDED, CallStatus.ARCHIVED):
        return True
    return bool(db.session.scalar(
        select(Review.id).where(Review.call_id == call.id, Review.status == ReviewStatus.SUBMITTED).limit(1)))


def documents_locked(call: Call) -> bool:
    """Required documents are fixed once the call opens (applicants upload against them).

    Their names stay editable, and a document may still be marked as an identity document, which only
    ever hides more from blind reviewers.
    """
    return call.status != CallStatus.DRAFT


# --- creating and editing calls --------------------------------------------------------------------

def create_call(actor, **values) -> Call:
    """A new call, as a draft."""
    _check_call_values(values, call=None)
    call = Call(status=CallStatus.DRAFT, created_by_id=getattr(actor, "id", None))
    _apply(call, values)
    db.session.add(call)
    _flush_call(call)
    record(actor, "call.create", call, code=call.code)
    return call


def update_call(actor, call: Call, **values) -> None:
    """Change a call within what its status allows (see editable_fields)."""
    changes = {name: value for name, value in values.items() if _current(call, name) != _comparable(name, value)}
    if not changes:
        return
    locked = sorted(set(changes) - editable_fields(call))
    if locked:
        message = (_l("This cannot change once the call is open.") if call.status == CallStatus.OPEN
                   else _l("Only the titles and descriptions can change once the call is closed."))
        raise ActionRefused(message, field=FORM_FIELD.get(locked[0], locked[0]))
    if call.status == CallStatus.OPEN:
        _refuse_tightening(call, changes)
    _check_call_values({**_all_values(call), **changes}, call=call)
    _apply(call, changes)
    _flush_call(call)
    record(actor, "call.update", call, fields=sorted(changes))


def _flush_call(call: Call) -> None:
    """The code was checked above; only someone saving the same code at the same moment gets here.
    The caller rolls back on the refusal, as after any other."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise ActionRefused(_l("Another call already uses the code %(code)s.", code=call.code), field="code") from error


def _current(call: Call, name: str):
    if name == "place_ids":
        return frozenset(p.id for p in call.places)
    if name == "sector_ids":
        return frozenset(s.id for s in call.sectors)
    return getattr(call, name)


def _comparable(name: str, value):
    return frozenset(value or ()) if name in ("place_ids", "sector_ids") else value


def _all_values(call: Call) -> dict:
    return {name: _current(call, name) for name in CALL_FIELDS}


def _apply(call: Call, values: dict) -> None:
    for name, value in values.items():
        if name == "place_ids":
            call.places = _load(Place, value, "places")
        elif name == "sector_ids":
            call.sectors = _load(Sector, value, "sectors")
        else:
            setattr(call, name, value)


def _load(model, ids, field):
    ids = sorted(set(ids or ()))
    rows = db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)).all() if ids else []
    if len(rows) != len(ids):
        raise ActionRefused(_l("Choose from the list."), field=field)
    return list(rows)


def _check_call_values(values: dict, call: Call | None) -> None:
    """The rules the database also enforces, as messages beside the fields instead of an error page."""
    code = values.get("code") or ""
    if not CODE_PATTERN.match(code):
        raise ActionRefused(_l("The code has 3 to 12 capital letters or digits, for example DZ26A."), field="code")
    same_code = select(Call.id).where(Call.code == code)
    if call is not None:
        same_code = same_code.where(Call.id != call.id)
    if db.session.scalar(same_code) is not None:
        raise ActionRefused(_l("Another call already uses the code %(code)s.", code=code), field="code")
    for name in ("title_ar", "title_en"):
        if not (values.get(name) or "").strip():
            raise ActionRefused(_l("Enter a title."), field=name)
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime) or closes_at <= opens_at:
        raise ActionRefused(_l("The closing time must be after the opening time."), field="closes_at")
    budget, low, high = values.get("budget") or 0, values.get("min_award") or 0, values.get("max_award") or 0
    if budget <= 0:
        raise ActionRefused(_l("Enter a whole amount greater than zero."), field="budget")
    if low <= 0:
        raise ActionRefused(_l("Enter a whole amount greater than zero."), field="min_award")
    if high < low:
        raise ActionRefused(_l("The maximum award cannot be smaller than the minimum award."), field="max_award")
    if high > budget:
        raise ActionRefused(_l("The maximum award cannot be larger than the budget."), field="max_award")
    if not 1 <= (values.get("reviewers_per_application") or 0) <= 10:
        raise ActionRefused(_l("Enter a number from 1 to 10."), field="reviewers_per_application")
    min_age, max_age = values.get("min_age"), values.get("max_age")
    if min_age is None or max_age is None or min_age < 0 or min_age > max_age:
        raise ActionRefused(_l("The maximum age cannot be below the minimum age."), field="max_age")
    if not (values.get("accepts_idea") or values.get("accepts_existing")):
        raise ActionRefused(_l("Choose at least one business stage."), field="stages")
    max_documents = values.get("max_documents")
    if max_documents is None or max_documents < 0:
        raise ActionRefused(_l("Enter a number from 0 to 50."), field="max_documents")
    if call is not None and max_documents < len(call.required_documents):
        raise ActionRefused(_l("The call asks for %(count)d documents; allow at least that many.",
                               count=len(call.required_documents)), field="max_documents")
    _refuse_inactive_additions(Place, values.get("place_ids"), _current(call, "place_ids") if call else (), "places")
    _refuse_inactive_additions(Sector, values.get("sector_ids"), _current(call, "sector_ids") if call else (),
                               "sectors")


def _refuse_inactive_additions(model, ids, already, field) -> None:
    """Deactivated places and sectors stay on calls that had them, but are not added anew."""
    added = set(ids or ()) - set(already or ())
    if added and db.session.scalar(select(func.count()).select_from(model)
                                   .where(model.id.in_(added), model.active.is_(True))) != len(added):
        raise ActionRefused(_l("Choose from the list."), field=field)


def _refuse_tightening(call: Call, changes: dict) -> None:
    """While a call is open its rules may only widen (see editable_fields)."""
    def refuse(field, message=_l("While the call is open this can only widen, not narrow.")):
        raise ActionRefused(message, field=field)

    if "closes_at" in changes and changes["closes_at"] < call.closes_at:
        refuse("closes_at", _l("While the call is open the closing time can only move later."))
    if "min_age" in changes and changes["min_age"] > call.min_age:
        refuse("min_age")
    if "max_age" in changes and changes["max_age"] < call.max_age:
        refuse("max_age")
    if "min_award" in changes and changes["min_award"] > call.min_award:
        refuse("min_award")
    if "max_award" in changes and changes["max_award"] < call.max_award:
        refuse("max_award")
    if "max_documents" in changes and changes["max_documents"] < call.max_documents:
        refuse("max_documents")
    for stage in ("accepts_idea", "accepts_existing"):
        if stage in changes and getattr(call, stage) and not changes[stage]:
            refuse("stages")
    if "sector_ids" in changes:
        old, new = _current(call, "sector_ids"), set(changes["sector_ids"])
        # An empty list means every sector, the widest possible.
        if new and (not old or not old <= new):
            refuse("sectors")
    if "place_ids" in changes:
        old, new = call.places, set(changes["place_ids"])
        if new and (not old or not all(_covered(place, new) for place in old)):
            refuse("places")


def _covered(place: Place, ids: set[int]) -> bool:
    """The place, or a governorate or district containing it, is in ids."""
    while place is not None:
        if place.id in ids:
            return True
        place = place.parent
    return False


# --- lifecycle ------------------------------------------------------------------------------------

def open_call(actor, call: Call, now: datetime | None = None) -> None:
    """draft → open: needs a rubric and a closing time still ahead."""
    now = now or utcnow()
    _expect(call, CallStatus.DRAFT, _l("Only a draft call can be opened."))
    if not call.criteria:
        raise ActionRefused(_l("Add at least one criterion to the rubric before opening the call."))
    if call.closes_at <= now:
        raise ActionRefused(_l("The closing time has passed. Set a later closing time before opening the call."))
    _move(actor, call, CallStatus.OPEN, "call.open")


def close_call(actor, call: Call) -> None:
    """open → closed. A call whose closing time has passed already stops accepting (Call.is_accepting);
    closing it records that staff are done with it, or ends it early."""
    _expect(call, CallStatus.OPEN, _l("Only an open call can be closed."))
    _move(actor, call, CallStatus.CLOSED, "call.close", early=call.closes_at > utcnow() or None)


def start_review(actor, call: Call) -> None:
    """closed → reviewing."""
    _expect(call, CallStatus.CLOSED, _l("Only a closed call can go to review."))
    _move(actor, call, CallStatus.REVIEWING, "call.start_review")


def mark_decided(actor, call: Call) -> None:
    """reviewing → decided."""
    _expect(call, CallStatus.REVIEWING, _l("Only a call under review can be marked as decided."))
    _move(actor, call, CallStatus.DECIDED, "call.decide")


def archive_call(actor, call: Call) -> None:
    """decided → archived."""
    _expect(call, CallStatus.DECIDED, _l("Only a decided call can be archived."))
    _move(actor, call, CallStatus.ARCHIVED, "call.archive")


LIFECYCLE = {"open": open_call, "close": close_call, "start_review": start_review, "decide": mark_decided,
             "archive": archive_call}


def _expect(call: Call, status: CallStatus, message) -> None:
    if call.status != status:
        raise ActionRefused(message)


def _move(actor, call: Call, status: CallStatus, action: str, **details) -> None:
    old = call.status
    call.status = status
    db.session.flush()
    record(actor, action, call, **{"from": old.value, "to": status.value, **details})


# --- rubric ---------------------------------------------------------------------------------------

def _check_rubric_open(call: Call) -> None:
    if rubric_locked(call):
        raise ActionRefused(_l("The rubric cannot change once reviewing has started."))


def _check_criterion(values: dict) -> None:
    low, high = values["min_score"], values["max_score"]
    if low is None or high is None or not 0 <= low < high <= 100:
        raise ActionRefused(_l("The highest score must be above the lowest score."), field="max_score")
    weight = values["weight"]
    if weight is None or not weight.is_finite() or not Decimal("0") < weight < Decimal("1000"):
        raise ActionRefused(_l("Enter a weight greater than zero (at most 999)."), field="weight")
    threshold = values.get("threshold")
    if threshold is not None and (not threshold.is_finite() or not low <= threshold <= high):
        raise ActionRefused(_l("The threshold must lie on the scale, from %(low)s to %(high)s.", low=low, high=high),
                            field="threshold")


def add_criterion(actor, call: Call, **values) -> Criterion:
    _check_rubric_open(call)
    _check_criterion(values)
    criterion = Criterion(position=_next_position(Criterion, call), **values)
    call.criteria.append(criterion)
    db.session.flush()
    record(actor, "call.criterion_add", call, criterion=criterion.id, name=criterion.name_en)
    return criterion


def update_criterion(actor, criterion: Criterion, **values) -> None:
    _check_rubric_open(criterion.call)
    _check_criterion(values)
    changed = sorted(name for name, value in values.items() if getattr(criterion, name) != value)
    for name in changed:
        setattr(criterion, name, values[name])
    if changed:
        db.session.flush()
        record(actor, "call.criterion_update", criterion.call, criterion=criterion.id, fields=changed)


def delete_criterion(actor, criterion: Criterion) -> None:
    call = criterion.call
    _check_rubric_open(call)
    if call.status != CallStatus.DRAFT and len(call.criteria) <= 1:
        raise ActionRefused(_l("A call that has opened keeps at least one criterion."))
    call.criteria.remove(criterion)
    db.session.flush()
    record(actor, "call.criterion_delete", call, criterion=criterion.id, name=criterion.name_en)


def move_criterion(actor, criterion: Criterion, direction: str) -> None:
    _check_rubric_open(criterion.call)
    if _swap(criterion.call.criteria, criterion, direction):
        record(actor, "call.criterion_move", criterion.call, criterion=criterion.id, direction=direction)


def _next_position(model, call: Call) -> int:
    if call.id is None:
        return 0
    last = db.session.scalar(select(func.max(model.position)).where(model.call_id == call.id))
    return 0 if last is None else last + 1


def _swap(items: list, item, direction: str) -> bool:
    """Swap an item with its neighbour; positions are unique per call, so go through a free one."""
    items = sorted(items, key=lambda i: i.position)
    index = items.index(item)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(items):
        return False
    other = items[other_index]
    mine, theirs = item.position, other.position
    item.position = -1
    db.session.flush()
    other.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    return True


# --- required documents ---------------------------------------------------------------------------

def add_required_document(actor, call: Call, **values) -> RequiredDocument:
    if documents_locked(call):
        raise ActionRefused(_l("Documents can be added or removed only while the call is a draft."))
    if len(call.required_documents) >= call.max_documents:
        raise ActionRefused(_l("The call allows at most %(count)d documents per application; raise that limit first.",
                               count=call.max_documents))
    document = RequiredDocument(position=_next_position(RequiredDocument, call), **values)
    call.required_documents.append(document)
    db.session.flush()
    record(actor, "call.document_add", call, document=document.id, name=document.name_en)
    return document


def update_required_document(actor, document: RequiredDocument, **values) -> None:
    changed = sorted(name for name, value in values.items() if getattr(document, name) != value)
    if documents_locked(document.call):
        for name in changed:
            if name in ("name_ar", "name_en") or (name == "is_identity" and values[name]):
                continue
            raise ActionRefused(_l("Once the call is open only the names can change, and a document can be "
                                   "marked as an identity document."), field=name)
    for name in changed:
        setattr(document, name, values[name])
    if changed:
        db.session.flush()
        record(actor, "call.document_update", document.call, document=document.id, fields=changed)


def delete_required_document(actor, document: RequiredDocument) -> None:
    call = document.call
    if documents_locked(call):
        raise ActionRefused(_l("Documents can be added or removed only while the call is a draft."))
    call.required_documents.remove(document)
    db.session.flush()
    record(actor, "call.document_delete", call, document=document.id, name=document.name_en)


def move_required_document(actor, document: RequiredDocument, direction: str) -> None:
    if documents_locked(document.call):
        raise ActionRefused(_l("Documents can be reordered only while the call is a draft."))
    if _swap(document.call.required_documents, document, direction):
        record(actor, "call.document_move", document.call, document=document.id, direction=direction)


# --- places and sectors ---------------------------------------------------------------------------

PARENT_KIND = {PlaceKind.DISTRICT: PlaceKind.GOVERNORATE, PlaceKind.SUBDISTRICT: PlaceKind.DISTRICT}


def _refuse_duplicate_place(parent_id, name_ar, name_en, place_id=None) -> None:
    siblings = select(Place).where(Place.parent_id.is_(None) if parent_id is None else Place.parent_id == parent_id)
    if place_id is not None:
        siblings = siblings.where(Place.id != place_id)
    for sibling in db.session.scalars(siblings):
        if sibling.name_en.casefold() == name_en.casefold():
            raise ActionRefused(_l("There is already a place with this name here."), field="name_en")
        if sibling.name_ar == name_ar:
            raise ActionRefused(_l("There is already a place with this name here."), field="name_ar")


def add_place(actor, *, kind: PlaceKind, parent_id: int | None, name_ar: str, name_en: str) -> Place:
    kind = PlaceKind(kind)
    parent = db.session.get(Place, parent_id) if parent_id is not None else None
    if kind == PlaceKind.GOVERNORATE:
        if parent_id is not None:
            raise ActionRefused(_l("A governorate is not part of another place."), field="parent_id")
    elif parent is None or parent.kind != PARENT_KIND[kind]:
        raise ActionRefused(_l("A district belongs to a governorate, a subdistrict to a district."), field="parent_id")
    _refuse_duplicate_place(parent_id, name_ar, name_en)
    place = Place(kind=kind, parent=parent, name_ar=name_ar, name_en=name_en, active=True)
    db.session.add(place)
    db.session.flush()
    record(actor, "place.create", place, kind=kind.value, name=name_en)
    return place


def update_place(actor, place: Place, *, name_ar: str, name_en: str, active: bool) -> None:
    """Rename or (de)activate. A deactivated place stays on the applications and calls that have it,
    but new forms no longer offer it, nor anything inside it."""
    _refuse_duplicate_place(place.parent_id, name_ar, name_en, place.id)
    changed = sorted(name for name, value in (("name_ar", name_ar), ("name_en", name_en), ("active", active))
                     if getattr(place, name) != value)
    if not changed:
        return
    place.name_ar, place.name_en, place.active = name_ar, name_en, active
    db.session.flush()
    action = "place.update" if "active" not in changed else ("place.activate" if active else "place.deactivate")
    record(actor, action, place, fields=changed)


def add_sector(actor, *, code: str, name_ar: str, name_en: str) -> Sector:
    if not SECTOR_CODE_PATTERN.match(code or ""):
        raise ActionRefused(_l("The code has 2 to 40 small Latin letters, digits or _, starting with a letter."),
                            field="code")
    if db.session.scalar(select(Sector.id).where(Sector.code == code)) is not None:
        raise ActionRefused(_l("Another sector already uses this code."), field="code")
    sector = Sector(code=code, name_ar=name_ar, name_en=name_en, active=True)
    db.session.add(sector)
    db.session.flush()
    record(actor, "sector.create", sector, code=code)
    return sector


def update_sector(actor, sector: Sector, *, name_ar: str, name_en: str, active: bool) -> None:
    changed = sorted(name for name, value in (("name_ar", name_ar), ("name_en", name_en), ("active", active))
                     if getattr(sector, name) != value)
    if not changed:
        return
    sector.name_ar, sector.name_en, sector.active = name_ar, name_en, active
    db.session.flush()
    action = "sector.update" if "active" not in changed else ("sector.activate" if active else "sector.deactivate")
    record(actor, action, sector, fields=changed)
