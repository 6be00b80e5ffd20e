"""remind_reviewers(): one email a day to each reviewer whose unfinished reviews are due within 3 days or overdue.

Run by `flask --app grants reviews remind` (for example daily from cron or a systemd timer). The
messages go to the outbox in the caller's transaction; the outbox sender (`flask mail send`) delivers
them. A dedupe key per reviewer and program-timezone day makes a second run on the same day queue nothing.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import select

from ..extensions import db
from ..formatting import to_program_time
from ..mail.outbox import absolute_url, queue_email
from ..models import Application, Call, Review, ReviewStatus, Role, User, UserRole
from .services import ASSIGNABLE_CALL_STATES

DUE_SOON = timedelta(days=3)
UNFINISHED = (ReviewStatus.ASSIGNED, ReviewStatus.DRAFT)


@dataclass(frozen=True)
class ReminderItem:
    """One unfinished review as the email lists it; `applicant_name` is None for a blind call."""

    reference: str
    call_code: str
    call_title_ar: str
    call_title_en: str
    due_at: datetime
    overdue: bool
    applicant_name: str | None

    def call_title(self, locale: str) -> str:
        first, second = ((self.call_title_en, self.call_title_ar) if str(locale).startswith("en")
                         else (self.call_title_ar, self.call_title_en))
        return first or second


def due_reviews(now: datetime) -> dict[int, list[ReminderItem]]:
    """Per active reviewer: unfinished reviews of calls in review, due by now + 3 days, soonest first (one query)."""
    rows = db.session.execute(
        select(Review.reviewer_id, Review.due_at, Application.reference, Application.full_name_ar,
               Application.full_name_latin, Call.code, Call.title_ar, Call.title_en, Call.blind_review)
        .join(Application, Application.id == Review.application_id)
        .join(Call, Call.id == Review.call_id)
        .join(User, User.id == Review.reviewer_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == Role.REVIEWER))
        .where(Review.status.in_(UNFINISHED), Review.due_at.is_not(None), Review.due_at <= now + DUE_SOON,
               Call.status.in_(ASSIGNABLE_CALL_STATES), User.active.is_(True))
        .order_by(Review.reviewer_id, Review.due_at, Application.reference)
    ).all()
    items: dict[int, list[ReminderItem]] = {}
    for reviewer_id, due_at, reference, name_ar, name_latin, code, title_ar, title_en, blind in rows:
        items.setdefault(reviewer_id, []).append(ReminderItem(
            reference=reference, call_code=code, call_title_ar=title_ar, call_title_en=title_en, due_at=due_at,
            overdue=due_at < now,
            # Blind review: the reviewer never learns who applied, not even from an email.
            applicant_name=None if blind else (name_ar or name_latin)))
    return items


def _home_url() -> str:
    """The reviewer home as an emailed link. From the CLI there is no request, and absolute_url() with
    PUBLIC_URL set still needs one to build the path; a throwaway request context provides it."""
    if has_request_context():
        return absolute_url("reviews.home")
    with current_app.test_request_context(base_url="http://127.0.0.1:5000"):
        return absolute_url("reviews.home")


def remind_reviewers(now: datetime) -> int:
    """Queue today's reminder for every reviewer who needs one and has none yet; returns how many were queued."""
    items = due_reviews(now)
    if not items:
        return 0
    day = to_program_time(now).date().isoformat()
    reviewers = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(items))))}
    home_url = _home_url()
    queued = 0
    for reviewer_id, reviews in items.items():
        message = queue_email(
            "review_reminder", to=reviewers[reviewer_id], subject_object=reviewers[reviewer_id],
            dedupe_key=f"review-reminder:{reviewer_id}:{day}", items=reviews, home_url=home_url,
            overdue=sum(1 for item in reviews if item.overdue))
        if message is not None:
            queued += 1
    return queued
