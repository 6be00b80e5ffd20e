"""Training verbs: enrol, leave, remove, bulk-enrol, promote from the waiting list, take attendance, certify.

Every verb that changes who holds a seat first locks the course row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers), so enrolments made at the same moment are decided one after
the other; the seat counter on that row has a CHECK against the capacity, so even a bug could not
overbook. Verbs audit and queue mail; the route commits.
"""
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..mail.outbox import absolute_url, queue_email
from ..models import (
    Application, Attendance, Certificate, Course, CourseSession, Enrolment, EnrolmentStatus, User, utcnow,
)
from . import ics, queries
from .completion import Progress


def _lock(course: Course) -> None:
    db.session.refresh(course, with_for_update=True)


# --- enrolment ---------------------------------------------------------------------------------------------

def enrol(user: User, course: Course, *, actor: User | None = None) -> Enrolment:
    """Give the user a seat, or a place at the end of the waiting list when the course is full.

    Self-service enrolment needs an open course the user is eligible for; staff (actor) may enrol anyone.
    Enrolling again while enrolled or waiting changes nothing and sends nothing (a double click).
    """
    actor = actor or user
    _lock(course)
    if queries.has_ended(course):
        raise ActionRefused(_l("This course has ended."))
    if actor.id == user.id:
        if not course.enrolment_open:
            raise ActionRefused(_l("This course is not taking enrolments."))
        if not queries.is_eligible(user, course):
            raise ActionRefused(_l("This course is not open to you."))
    enrolment = queries.enrolment_of(user.id, course.id)
    if enrolment is not None and enrolment.status in queries.ACTIVE:
        return enrolment
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, user_id=user.id, status=EnrolmentStatus.WAITLISTED)
        db.session.add(enrolment)
    now = utcnow()
    enrolment.queued_at, enrolment.left_at, enrolment.enrolled_by_id = now, None, actor.id
    enrolment.status = EnrolmentStatus.WAITLISTED
    db.session.flush()
    someone_waiting = db.session.scalar(queries.waitlist(course.id).where(Enrolment.id != enrolment.id).limit(1))
    if course.seats_taken < course.capacity and someone_waiting is None:
        _take_seat(course, enrolment, now)
        db.session.flush()
        _notify(enrolment, "training_enrolled")
    else:
        _notify(enrolment, "training_waitlisted", position=queries.waitlist_position(enrolment))
    record(actor, "training.enrol", course, user_id=user.id, status=enrolment.status.value)
    return enrolment


def _take_seat(course: Course, enrolment: Enrolment, now: datetime) -> None:
    enrolment.status, enrolment.enrolled_at = EnrolmentStatus.ENROLLED, now
    course.seats_taken += 1


def leave(actor: User, enrolment: Enrolment, *, reason: str = "") -> list[Enrolment]:
    """The person leaves (or staff remove them); the freed seat goes to the first on the waiting list.

    Returns the enrolments promoted. Leaving twice changes nothing. After the course has ended the
    record stays as it is: attendance and certificates rest on it.
    """
    course = enrolment.course
    _lock(course)
    db.session.refresh(enrolment)
    if enrolment.status == EnrolmentStatus.LEFT:
        return []
    if queries.has_ended(course):
        raise ActionRefused(_l("This course has ended: its enrolments can no longer change."))
    removed_by_staff = actor.id != enrolment.user_id
    if removed_by_staff and not (reason or "").strip():
        raise ActionRefused(_l("Write why this person is removed."), field="reason")
    held_seat = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status, enrolment.left_at = EnrolmentStatus.LEFT, utcnow()
    if held_seat:
        course.seats_taken -= 1
    db.session.flush()
    record(actor, "training.remove" if removed_by_staff else "training.leave", course,
           user_id=enrolment.user_id, reason=(reason or "").strip() or None)
    if removed_by_staff:
        _notify(enrolment, "training_removed", reason=reason.strip())
    return fill_free_seats(actor, course)


def fill_free_seats(actor: User, course: Course) -> list[Enrolment]:
    """Enrol people from the waiting list, in order, while seats are free (after a leave or a larger capacity).

    The caller holds the course lock (leave) or takes it here.
    """
    _lock(course)
    promoted = []
    now = utcnow()
    while course.seats_taken < course.capacity:
        first = db.session.scalar(queries.waitlist(course.id).limit(1).with_for_update())
        if first is None:
            break
        _take_seat(course, first, now)
        db.session.flush()
        _notify(first, "training_promoted")
        record(actor, "training.promote", course, user_id=first.user_id)
        promoted.append(first)
    return promoted


def bulk_enrol(actor: User, course: Course, call) -> dict[str, int]:
    """Enrol every grantee of the call who is not in the course yet; beyond capacity they wait in line."""
    counts = {"enrolled": 0, "waitlisted": 0, "already": 0}
    for user in queries.grantees_of_call(call.id):
        existing = queries.enrolment_of(user.id, course.id)
        if existing is not None and existing.status in queries.ACTIVE:
            counts["already"] += 1
            continue
        enrolment = enrol(user, course, actor=actor)
        counts["enrolled" if enrolment.status == EnrolmentStatus.ENROLLED else "waitlisted"] += 1
    record(actor, "training.bulk_enrol", course, call_id=call.id, **counts)
    return counts


# --- mail --------------------------------------------------------------------------------------------------

def course_calendar(course: Course, locale: str = "ar") -> str:
    """The course's sessions as an iCalendar file, titled in the reader's language."""
    domain = urlsplit(current_app.config.get("PUBLIC_URL") or "http://minha.local").hostname or "minha.local"
    url = absolute_url("training.course", course_id=course.id)
    first, second = (course.title_en, course.title_ar) if locale == "en" else (course.title_ar, course.title_en)
    title = first or second
    events = [{
        "uid": f"course-{course.id}-session-{session.id}", "starts_at": session.starts_at,
        "ends_at": session.ends_at, "summary": title,
        "location": session.place or session.online_url, "description": session.online_url, "url": url,
    } for session in course.sessions]
    return ics.calendar(events, name=title, domain=domain, now=utcnow())


def _notify(enrolment: Enrolment, template: str, **context) -> None:
    course = enrolment.course
    with_calendar = template in ("training_enrolled", "training_promoted")
    attachments = [{"filename": f"course-{course.id}.ics", "content_type": "text/calendar; charset=utf-8",
                    "content": course_calendar(course, enrolment.user.locale)}] if with_calendar and course.sessions else None
    # One message per state the enrolment reached at that moment: a retried request finds the key taken.
    moment = (enrolment.enrolled_at if with_calendar else enrolment.left_at or enrolment.queued_at)
    queue_email(template, to=enrolment.user, subject_object=course, attachments=attachments,
                dedupe_key=f"{template}:{enrolment.id}:{moment.isoformat()}", course=course, enrolment=enrolment,
                sessions=course.sessions, url=absolute_url("training.course", course_id=course.id), **context)


# --- attendance --------------------------------------------------------------------------------------------

def record_attendance(actor: User, session: CourseSession, present_enrolment_ids) -> int:
    """Save who was at the session: present for the ids given, absent for every other enrolled person.

    Returns how many were present. Only people enrolled in the course can be marked.
    """
    if session.starts_at > utcnow():
        raise ActionRefused(_l("Attendance can be taken once the session has started."))
    _lock(session.course)
    enrolled = {e.id: e for e in db.session.scalars(select(Enrolment).where(
        Enrolment.course_id == session.course_id, Enrolment.status == EnrolmentStatus.ENROLLED))}
    present = {int(i) for i in present_enrolment_ids} & enrolled.keys()
    rows = {row.enrolment_id: row for row in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}
    for enrolment_id in enrolled.keys() | rows.keys():
        row = rows.get(enrolment_id)
        if row is None:
            row = Attendance(session_id=session.id, enrolment_id=enrolment_id)
            db.session.add(row)
        row.present, row.recorded_by_id = enrolment_id in present, actor.id
    session.attendance_taken_at = session.attendance_taken_at or utcnow()
    db.session.flush()
    record(actor, "training.attendance", session.course, session_id=session.id, present=len(present),
           enrolled=len(enrolled))
    return len(present)


# --- certificates ------------------------------------------------------------------------------------------

_NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand


def new_certificate_number(year: int) -> str:
    """CT-2026-7K3F-9QXZ: random, so nobody can walk the numbers to list the program's trainees."""
    code = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
    return f"CT-{year}-{code[:4]}-{code[4:]}"


def holder_names(user: User) -> tuple[str, str]:
    """The name for a certificate: the Arabic and Latin names of the user's latest application, else the account's."""
    application = db.session.scalar(select(Application).where(Application.applicant_id == user.id,
                                                              Application.full_name_ar.is_not(None))
                                    .order_by(Application.id.desc()).limit(1))
    if application is None:
        return user.full_name, ""
    return application.full_name_ar or user.full_name, application.full_name_latin or ""


def certificate_for(enrolment: Enrolment) -> Certificate:
    """The enrolment's certificate, issued on first request once the course is completed."""
    existing = queries.certificate_of(enrolment)
    if existing is not None:
        return existing
    if enrolment.status != EnrolmentStatus.ENROLLED or queries.progress_of(enrolment).status != Progress.COMPLETED:
        raise ActionRefused(_l("A certificate is issued once the course is completed."))
    course = enrolment.course
    _lock(course)  # two downloads at once issue one certificate: the second finds the first here
    existing = queries.certificate_of(enrolment)
    if existing is not None:
        return existing
    name, latin = holder_names(enrolment.user)
    sessions = course.sessions
    certificate = Certificate(
        number=new_certificate_number(utcnow().year), enrolment_id=enrolment.id, holder_name=name,
        holder_name_latin=latin, course_title_ar=course.title_ar, course_title_en=course.title_en or course.title_ar,
        first_session_on=sessions[0].starts_at, last_session_on=sessions[-1].starts_at,
        hours=round(sum(s.hours for s in sessions), 1))
    db.session.add(certificate)
    db.session.flush()
    record(None, "training.certificate", course, user_id=enrolment.user_id, number=certificate.number)
    return certificate


def revoke_certificate(actor: User, certificate: Certificate, *, reason: str) -> None:
    if not (reason or "").strip():
        raise ActionRefused(_l("Write why the certificate is revoked."), field="reason")
    if certificate.revoked_at is not None:
        raise ActionRefused(_l("This certificate has already been revoked."))
    certificate.revoked_at, certificate.revoked_reason = utcnow(), reason.strip()
    record(actor, "training.revoke_certificate", certificate.enrolment.course, number=certificate.number,
           reason=reason.strip())


def find_certificate(number: str) -> Certificate | None:
    """The certificate with this number, as typed or scanned (case and spaces forgiven)."""
    cleaned = "".join((number or "").split()).upper()[:40]
    return db.session.scalar(select(Certificate).where(Certificate.number == cleaned)) if cleaned else None
