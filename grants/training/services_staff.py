"""Staff verbs of training: create and change courses, open and close enrolment, add, change and delete sessions.

Enrolling, removing, bulk enrolment and the waiting list are in services.py (the grantee's verbs share them).
Every verb checks its rule, audits, and flushes; the route commits.
"""
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import Audience, Call, Course, CourseCall, CourseSession, Topic, User
from . import queries, services

MAX_CAPACITY = 10_000
COURSE_FIELDS = ("title_ar", "title_en", "description_ar", "description_en", "trainer", "topic", "capacity",
                 "audience", "completion_percent")


def is_web_address(value: str) -> bool:
    """An http or https address with a host: nothing else is a link we put in front of trainees."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)


def _check_course(*, title_ar, capacity, completion_percent, audience, calls, **_ignored) -> None:
    if not (title_ar or "").strip():
        raise ActionRefused(_l("Enter the Arabic title."), field="title_ar")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise ActionRefused(_l("Enter a whole number from 1 to %(most)s.", most=MAX_CAPACITY), field="capacity")
    if not isinstance(completion_percent, int) or not 1 <= completion_percent <= 100:
        raise ActionRefused(_l("Enter a whole number from 1 to 100."), field="completion_percent")
    if audience == Audience.GRANTEES and not calls:
        raise ActionRefused(_l("Choose the calls whose grantees may enrol, or let another audience enrol."),
                            field="calls")
    if calls:
        found = set(db.session.scalars(select(Call.id).where(Call.id.in_(list(calls)))))
        if found != set(calls):
            raise ActionRefused(_l("One of the chosen calls no longer exists. Reload the page."), field="calls")


def _link_calls(course: Course, calls: dict[int, bool]) -> dict[str, list[int]]:
    """Make the course's call links match `calls` ({call id: required before payment}); returns what changed."""
    existing = {link.call_id: link for link in course.call_links}
    changes = {"linked": [], "unlinked": [], "required": [], "not_required": []}
    for call_id, link in existing.items():
        if call_id not in calls:
            course.call_links.remove(link)
            changes["unlinked"].append(call_id)
        elif link.required_for_payment != calls[call_id]:
            link.required_for_payment = calls[call_id]
            changes["required" if calls[call_id] else "not_required"].append(call_id)
    for call_id, required in calls.items():
        if call_id not in existing:
            course.call_links.append(CourseCall(call_id=call_id, required_for_payment=bool(required)))
            changes["linked"].append(call_id)
            if required:
                changes["required"].append(call_id)
    return {key: sorted(ids) for key, ids in changes.items() if ids}


def create_course(actor: User, *, title_ar: str, title_en: str = "", description_ar: str = "",
                  description_en: str = "", trainer: str = "", topic: Topic = Topic.OTHER, capacity: int,
                  audience: Audience = Audience.GRANTEES, completion_percent: int = 80,
                  calls: dict[int, bool] | None = None) -> Course:
    """A new course, closed to enrolment until staff add its sessions and open it."""
    calls = dict(calls or {})
    _check_course(title_ar=title_ar, capacity=capacity, completion_percent=completion_percent, audience=audience,
                  calls=calls)
    course = Course(title_ar=title_ar.strip(), title_en=(title_en or "").strip(), description_ar=description_ar or "",
                    description_en=description_en or "", trainer=(trainer or "").strip(), topic=Topic(topic),
                    capacity=capacity, seats_taken=0, audience=Audience(audience),
                    completion_percent=completion_percent, enrolment_open=False, created_by_id=actor.id)
    db.session.add(course)
    _link_calls(course, calls)
    db.session.flush()
    record(actor, "training.course_create", course, title=course.title_ar, capacity=capacity,
           audience=course.audience.value, calls=sorted(calls) or None,
           required_for_payment=sorted(c for c, required in calls.items() if required) or None)
    return course


def update_course(actor: User, course: Course, *, calls: dict[int, bool] | None = None, **fields):
    """Change a course. The capacity may not drop below the seats taken; when it grows, the waiting list moves up.

    Returns the enrolments promoted from the waiting list (they are emailed).
    """
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"update_course() got unexpected fields {sorted(unknown)}")
    calls = dict(calls or {})
    services._lock(course)  # seats_taken is read under the lock that enrolments take
    values = {name: getattr(course, name) for name in COURSE_FIELDS} | fields
    _check_course(**values, calls=calls)
    if values["capacity"] < course.seats_taken:
        raise ActionRefused(_l("%(count)s people hold a seat: the course cannot have fewer seats than that. "
                               "Remove people first.", count=course.seats_taken), field="capacity")
    values["topic"], values["audience"] = Topic(values["topic"]), Audience(values["audience"])
    for name in ("title_ar", "title_en", "trainer"):
        values[name] = (values[name] or "").strip()
    changed = {name: _audit_value(values[name]) for name in COURSE_FIELDS if values[name] != getattr(course, name)}
    grew = values["capacity"] > course.capacity
    for name in COURSE_FIELDS:
        setattr(course, name, values[name])
    link_changes = _link_calls(course, calls)
    db.session.flush()
    record(actor, "training.course_update", course, **changed, **link_changes)
    # fill_free_seats re-reads the course under its lock: the flush above has written the new capacity.
    return services.fill_free_seats(actor, course) if grew else []


def _audit_value(value):
    return value.value if hasattr(value, "value") else value


def open_enrolment(actor: User, course: Course) -> bool:
    """Show the course to the people it is for and take enrolments. Returns False when it was open already."""
    services._lock(course)
    if course.enrolment_open:
        return False
    if not course.sessions:
        raise ActionRefused(_l("Add the course's sessions before opening it: people enrol for dates."))
    if queries.has_ended(course):
        raise ActionRefused(_l("This course has ended."))
    course.enrolment_open = True
    db.session.flush()
    record(actor, "training.open_enrolment", course)
    return True


def close_enrolment(actor: User, course: Course) -> bool:
    """Stop taking enrolments; people already in the course or waiting stay. Returns False when it was closed."""
    services._lock(course)
    if not course.enrolment_open:
        return False
    course.enrolment_open = False
    db.session.flush()
    record(actor, "training.close_enrolment", course)
    return True


# --- sessions ----------------------------------------------------------------------------------------------

def _check_session(starts_at: datetime, ends_at: datetime, place: str, online_url: str) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("session times must be aware")
    if ends_at <= starts_at:
        raise ActionRefused(_l("The session must end after it starts."), field="ends")
    if online_url and not is_web_address(online_url):
        raise ActionRefused(_l("Enter a web address starting with https:// or http://."), field="online_url")
    if not place and not online_url:
        raise ActionRefused(_l("Enter the place of the session, or an online link below."), field="place")


def add_session(actor: User, course: Course, *, starts_at: datetime, ends_at: datetime, place: str = "",
                online_url: str = "") -> CourseSession:
    place, online_url = (place or "").strip(), (online_url or "").strip()
    _check_session(starts_at, ends_at, place, online_url)
    session = CourseSession(course_id=course.id, starts_at=starts_at, ends_at=ends_at, place=place,
                            online_url=online_url)
    course.sessions.append(session)
    db.session.flush()
    db.session.refresh(course, ["sessions"])  # in date order, as every reader expects
    record(actor, "training.session_add", course, session_id=session.id, starts_at=starts_at.isoformat(),
           ends_at=ends_at.isoformat())
    return session


def update_session(actor: User, session: CourseSession, *, starts_at: datetime, ends_at: datetime,
                   place: str = "", online_url: str = "") -> None:
    """Change a session. Once attendance was taken its date and times stay: they are what people attended."""
    place, online_url = (place or "").strip(), (online_url or "").strip()
    _check_session(starts_at, ends_at, place, online_url)
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    if moved and session.attendance_taken_at is not None:
        raise ActionRefused(_l("Attendance was taken for this session: its date and times can no longer change."),
                            field="date")
    changed = {}
    if moved:
        changed.update(starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat())
    if place != session.place:
        changed["place"] = place
    if online_url != session.online_url:
        changed["online_url"] = online_url
    session.starts_at, session.ends_at, session.place, session.online_url = starts_at, ends_at, place, online_url
    db.session.flush()
    db.session.refresh(session.course, ["sessions"])  # keep the course's sessions in date order
    record(actor, "training.session_update", session.course, session_id=session.id, **changed)


def delete_session(actor: User, session: CourseSession) -> None:
    """Delete a session planned by mistake. Refused once attendance was taken: completion rests on it."""
    course = session.course
    services._lock(course)
    if session.attendance_taken_at is not None:
        raise ActionRefused(_l("Attendance was taken for this session, so it cannot be deleted."))
    if course.enrolment_open and len(course.sessions) == 1:
        raise ActionRefused(_l("This is the only session of a course open for enrolment: close enrolment first, "
                               "or add another session."))
    record(actor, "training.session_delete", course, session_id=session.id, starts_at=session.starts_at.isoformat(),
           ends_at=session.ends_at.isoformat())
    course.sessions.remove(session)
    db.session.flush()
