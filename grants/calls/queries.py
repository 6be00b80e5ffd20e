"""Read helpers for calls: lists with their numbers in one aggregate query, the public list, place trees."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from ..extensions import db
from ..formatting import to_program_time
from ..models import Application, ApplicationStatus, AuditEntry, Call, CallStatus, Place, Sector, utcnow


@dataclass(frozen=True)
class CallRow:
    call: Call
    submitted: int
    drafts: int


def _count(status):
    return func.coalesce(func.sum(case((Application.status == status, 1), else_=0)), 0)


def calls_with_counts(status: str | None = None) -> list[CallRow]:
    """Every call with its submitted and draft applications counted, in one query."""
    query = (select(Call, _count(ApplicationStatus.SUBMITTED), _count(ApplicationStatus.DRAFT))
             .outerjoin(Application, Application.call_id == Call.id)
             .group_by(Call.id)
             .order_by(Call.opens_at.desc(), Call.id.desc()))
    if status in {s.value for s in CallStatus}:
        query = query.where(Call.status == status)
    return [CallRow(call, int(submitted), int(drafts)) for call, submitted, drafts in db.session.execute(query)]


def application_counts(call: Call) -> dict[ApplicationStatus, int]:
    rows = db.session.execute(select(Application.status, func.count()).where(Application.call_id == call.id)
                              .group_by(Application.status))
    counts = dict.fromkeys(ApplicationStatus, 0)
    counts.update({ApplicationStatus(status): n for status, n in rows})
    return counts


def public_calls(now: datetime | None = None) -> list[Call]:
    """Open calls whose window is current, the soonest to close first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Call).where(Call.status == CallStatus.OPEN, Call.opens_at <= now, Call.closes_at > now)
        .order_by(Call.closes_at, Call.id)))


def call_by_code(code: str) -> Call | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return db.session.scalar(select(Call).where(Call.code == code))


def days_left(call: Call, now: datetime | None = None) -> int:
    """Whole days from today to the last day applications are taken, in the program's timezone.

    0 means the call closes today. A call closing at midnight takes its last applications the day
    before, so that day counts as the last one.
    """
    now = now or utcnow()
    last_day = to_program_time(call.closes_at - timedelta(microseconds=1)).date()
    return max((last_day - to_program_time(now).date()).days, 0)


def call_audit(call: Call, limit: int = 100) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == Call.__tablename__, AuditEntry.subject_id == call.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))


# --- places and sectors ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceNode:
    place: Place
    depth: int
    # Active, and so is every place containing it: only such places are offered in new forms.
    offered: bool


def place_tree() -> list[PlaceNode]:
    """Every place, governorates first, each followed by what it contains (one query)."""
    places = db.session.scalars(select(Place).order_by(Place.id)).all()
    children: dict[int | None, list[Place]] = {}
    for place in places:
        children.setdefault(place.parent_id, []).append(place)
    tree: list[PlaceNode] = []

    def walk(parent_id, depth, parent_offered):
        for place in children.get(parent_id, []):
            offered = parent_offered and place.active
            tree.append(PlaceNode(place, depth, offered))
            walk(place.id, depth + 1, offered)

    walk(None, 0, True)
    return tree


def offered_places(keep_ids=()) -> list[PlaceNode]:
    """Places a new form may offer, plus those already chosen (kept so that saving does not drop them)."""
    keep = set(keep_ids or ())
    return [node for node in place_tree() if node.offered or node.place.id in keep]


def sectors(active_only: bool = False, keep_ids=()) -> list[Sector]:
    keep = set(keep_ids or ())
    rows = db.session.scalars(select(Sector).order_by(Sector.id)).all()
    return [s for s in rows if not active_only or s.active or s.id in keep]


def criteria_weight_total(call: Call):
    return sum((c.weight for c in call.criteria), start=0)
