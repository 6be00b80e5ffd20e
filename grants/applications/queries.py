"""Read helpers for applying: an applicant's applications and open calls, form choices, the status timeline."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Application, ApplicationStatus, Call, CallStatus, Document, Place, PlaceKind, Sector, utcnow,
)
from .eligibility import place_allowed


def application_of(user, call) -> Application | None:
    """The user's application to this call (there is at most one)."""
    return db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                       Application.applicant_id == user.id))


def my_applications(user) -> list[Application]:
    """The user's applications with their calls (joined: one query), newest first."""
    return list(db.session.scalars(
        select(Application).where(Application.applicant_id == user.id)
        .order_by(Application.created_at.desc(), Application.id.desc())))


def open_calls_not_applied(user, now: datetime | None = None) -> list[Call]:
    """Calls accepting applications now to which the user has no application yet."""
    now = now or utcnow()
    mine = exists().where(Application.call_id == Call.id, Application.applicant_id == user.id)
    return list(db.session.scalars(
        select(Call).where(Call.status == CallStatus.OPEN, Call.opens_at <= now, Call.closes_at > now, ~mine)
        .order_by(Call.closes_at, Call.id)))


def application_with_details(application_id: int) -> Application | None:
    """An application with everything its summary shows, in a fixed number of queries."""
    return db.session.scalar(
        select(Application).where(Application.id == application_id)
        .options(selectinload(Application.budget_lines), selectinload(Application.documents),
                 selectinload(Application.place), selectinload(Application.sector)))


def document_count(application) -> int:
    return db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.application_id == application.id))


# --- choices for the form ---------------------------------------------------------------------------

def place_choices(call: Call, keep_id: int | None = None) -> dict[str, list[tuple[int, str]]]:
    """Subdistricts an applicant may choose, grouped by district: only active places (and active districts and
    governorates above them), only those the call accepts when it names places. The saved choice stays listed."""
    places = db.session.scalars(select(Place).order_by(Place.id)).all()  # one query; parents come from the map
    by_id = {place.id: place for place in places}
    governorates = {place.id for place in places if place.kind == PlaceKind.GOVERNORATE}
    groups: dict[str, list[tuple[int, str]]] = {}
    for place in places:
        if place.kind != PlaceKind.SUBDISTRICT:
            continue
        district = by_id.get(place.parent_id)
        governorate = by_id.get(district.parent_id) if district else None
        chain = [p for p in (place, district, governorate) if p is not None]
        offered = all(p.active for p in chain) and place_allowed(place, call)
        if not offered and place.id != keep_id:
            continue
        label = district.name if district else ""
        if len(governorates) > 1 and governorate is not None:
            label = f"{governorate.name} — {label}"
        groups.setdefault(label, []).append((place.id, place.name))
    return groups


def sector_choices(call: Call, keep_id: int | None = None) -> list[tuple[int, str]]:
    """The call's sectors when it names some, else every active sector; the saved choice stays listed."""
    if call.sectors:
        sectors = [s for s in call.sectors if s.active or s.id == keep_id]
    else:
        sectors = db.session.scalars(select(Sector).where((Sector.active.is_(True)) | (Sector.id == keep_id))
                                     .order_by(Sector.id)).all()
    return [(sector.id, sector.name) for sector in sectors]


def stage_choices(call: Call) -> list[tuple[str, str]]:
    return [(stage.value, stage.title) for stage in call.accepted_stages]


# --- the status timeline -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineStep:
    key: str
    label: str
    done: bool
    at: datetime | None = None
    note: str | None = None
    state: str = "upcoming"  # set by timeline(): done, current or upcoming


REVIEW_STARTED = (CallStatus.REVIEWING, CallStatus.DECIDED, CallStatus.ARCHIVED)
DECIDED = (CallStatus.DECIDED, CallStatus.ARCHIVED)


def _draft(application):
    return TimelineStep("draft", _l("Draft"), application.status != ApplicationStatus.DRAFT, application.created_at,
                        None if application.status != ApplicationStatus.DRAFT
                        else _l("Complete every step and submit before %(when)s.",
                                when=format_datetime(application.call.closes_at)))


def _submitted(application):
    return TimelineStep("submitted", _l("Submitted"), application.submitted_at is not None, application.submitted_at,
                        application.reference)


def _withdrawn(application):
    if application.status != ApplicationStatus.WITHDRAWN:
        return None
    return TimelineStep("withdrawn", _l("Withdrawn"), True, application.withdrawn_at)


def _under_review(application):
    if application.status != ApplicationStatus.SUBMITTED:
        return None
    call = application.call
    note = None
    if call.status not in REVIEW_STARTED:
        note = _l("Reviews start after the call closes on %(when)s.", when=format_datetime(call.closes_at))
    return TimelineStep("review", _l("Under review"), call.status in DECIDED, None, note)


def _decision(application):
    if application.status != ApplicationStatus.SUBMITTED:
        return None
    return TimelineStep("decision", _l("Decision"), application.call.status in DECIDED, None,
                        _l("We will tell you the decision by email."))


# Later features (decisions, training, payments) add or replace steps here: each function gets the application
# and returns a TimelineStep, or None when the step does not apply to it.
TIMELINE_STEPS: list[Callable[[Application], TimelineStep | None]] = [
    _draft, _submitted, _withdrawn, _under_review, _decision,
]


def timeline(application) -> list[TimelineStep]:
    """The application's steps in order; the first one not done is the current one."""
    steps = [step for build in TIMELINE_STEPS if (step := build(application)) is not None]
    result, current_found = [], False
    for step in steps:
        if step.done:
            state = "done"
        elif not current_found:
            state, current_found = "current", True
        else:
            state = "upcoming"
        result.append(TimelineStep(step.key, step.label, step.done, step.at, step.note, state))
    return result
