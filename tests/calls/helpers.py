"""Helpers for the calls tests: a valid call form, errors beside fields, audit rows, program-time instants."""
import html
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEntry, Call

DAMASCUS = ZoneInfo("Asia/Damascus")


def call_form(**overrides) -> dict:
    """What a staff member types to create a valid call (times in the program's timezone)."""
    data = {
        "code": "DZ27A", "title_ar": "منح الشباب ٢٠٢٧", "title_en": "Youth grants 2027",
        "description_ar": "دعم المشاريع الصغيرة.", "description_en": "Support for small businesses.",
        "opens_at": "2027-01-10T09:00", "closes_at": "2027-02-10T23:59",
        "budget": "40000000", "currency": "SYP", "min_award": "500000", "max_award": "4000000",
        "reviewers_per_application": "3", "min_age": "18", "max_age": "35",
        "stages": ["idea", "existing"], "max_documents": "10",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def error_beside(response, field_id) -> str | None:
    """The error text the field() macro prints beside a field, or None."""
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def input_value(response, field_id) -> str | None:
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def flashes(response) -> str:
    return html.unescape(" ".join(re.findall(r'<div class="notice notice-\w+" role="\w+">(.*?)</div>',
                                             response.get_data(as_text=True), re.S)))


def audit_actions(app, call_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_type == "calls", AuditEntry.subject_id == call_id)
            .order_by(AuditEntry.id)))


def call_by_code(code) -> Call:
    return db.session.scalar(select(Call).where(Call.code == code))


def program_now() -> datetime:
    return datetime.now(DAMASCUS)


def closes_in_for(day_offset: int, at: time) -> timedelta:
    """make_call's closes_in for a call closing `day_offset` days from today at `at`, program time."""
    now = datetime.now(timezone.utc)
    target = datetime.combine(now.astimezone(DAMASCUS).date() + timedelta(days=day_offset), at, DAMASCUS)
    return target - now
