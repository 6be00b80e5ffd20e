"""Review reminders: once a day per reviewer, for unfinished reviews due within 3 days or overdue."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from grants.extensions import db
from grants.models import CallStatus, OutboxMessage, Review
from grants.reviews.reminders import remind_reviewers

from ..fixtures.outbox import queued, run_committed
from ..fixtures.program import make_application, make_call
from ..fixtures.reviews import make_review, make_reviewer

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # 12:00 in Damascus


@pytest.fixture
def setup(app, make_user):
    """A call under review with one application by a named applicant, and a reviewer who reads English."""

    def build(*, blind=False, status=CallStatus.REVIEWING, code="DZ26A", locale="en", reviewer=None):
        call_id = make_call(app, code=code, status=status, opens_in=timedelta(days=-30),
                            closes_in=timedelta(days=-1), blind_review=blind)
        application = make_application(app, make_user("applicant").id, call_id, submit=True,
                                       full_name_ar="سلمى الحسين", full_name_latin="Salma Al-Hussein")
        reviewer = reviewer or make_reviewer(app, make_user, locale=locale, name="Reviewer One")
        return call_id, application, reviewer

    return build


def assign(app, application, reviewer_id, due_at, *, submit=False) -> int:
    review_id = make_review(app, application, reviewer_id, values=[3, 3, 3] if submit else None, submit=submit)
    with app.app_context():
        db.session.execute(update(Review).where(Review.id == review_id).values(due_at=due_at))
        db.session.commit()
    return review_id


def run(app, now=NOW) -> int:
    return run_committed(app, remind_reviewers, now)


def messages(app) -> list[OutboxMessage]:
    return queued(app, "review_reminder")


def reference_of(app, application_id) -> str:
    from grants.models import Application

    with app.app_context():
        return db.session.get(Application, application_id).reference


def test_due_within_three_days_is_reminded(app, setup):
    _call, application, reviewer = setup()
    assign(app, application, reviewer.id, NOW + timedelta(days=2, hours=20))
    assert run(app) == 1
    [message] = messages(app)
    assert message.recipient_id == reviewer.id and message.locale == "en"
    assert message.subject == "1 review is due soon"
    reference = reference_of(app, application)
    assert reference in message.body_text and reference in message.body_html
    assert "http://localhost/reviews" in message.body_text and 'href="http://localhost/reviews"' in message.body_html
    assert "due 3/13/26, 8:00" in message.body_text  # 05:00 UTC on the 13th is 08:00 in Damascus
    assert message.dedupe_key == f"review-reminder:{reviewer.id}:2026-03-10"


def test_due_in_five_days_is_not_reminded(app, setup):
    _call, application, reviewer = setup()
    assign(app, application, reviewer.id, NOW + timedelta(days=5))
    assert run(app) == 0 and messages(app) == []


def test_overdue_is_reminded(app, setup):
    _call, application, reviewer = setup()
    assign(app, application, reviewer.id, NOW - timedelta(days=4))
    assert run(app) == 1
    [message] = messages(app)
    assert message.subject == "1 review is overdue" and "was due" in message.body_text


def test_once_a_day_per_reviewer(app, setup):
    _call, application, reviewer = setup()
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    assert run(app) == 1
    assert run(app, NOW + timedelta(hours=6)) == 0  # 18:00 in Damascus, the same day
    assert len(messages(app)) == 1
    assert run(app, NOW + timedelta(days=1)) == 1  # the next day: again (and now it is due today)
    assert len(messages(app)) == 2


def test_the_day_is_the_programs_day(app, setup):
    _call, application, reviewer = setup()
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    assert run(app, datetime(2026, 3, 10, 20, 0, tzinfo=timezone.utc)) == 1  # 23:00 in Damascus, the 10th
    assert run(app, datetime(2026, 3, 10, 21, 30, tzinfo=timezone.utc)) == 1  # 00:30 on the 11th there
    assert [m.dedupe_key.rsplit(":", 1)[1] for m in messages(app)] == ["2026-03-10", "2026-03-11"]


def test_submitted_reviews_are_never_reminded(app, setup):
    _call, application, reviewer = setup()
    assign(app, application, reviewer.id, NOW - timedelta(days=1), submit=True)
    assert run(app) == 0 and messages(app) == []


def test_drafts_are_reminded_and_one_email_lists_them_all(app, setup, make_user):
    call_id, application, reviewer = setup()
    second = make_application(app, make_user("applicant").id, call_id, submit=True)
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    draft = assign(app, second, reviewer.id, NOW - timedelta(hours=1))
    with app.app_context():
        db.session.execute(update(Review).where(Review.id == draft).values(status="draft"))
        db.session.commit()
    assert run(app) == 1
    [message] = messages(app)
    assert message.subject == "1 review is overdue"
    first_ref, second_ref = reference_of(app, application), reference_of(app, second)
    assert first_ref in message.body_text and second_ref in message.body_text
    assert message.body_text.index(second_ref) < message.body_text.index(first_ref)  # the overdue one first


def test_no_due_date_no_reminder(app, setup):
    _call, application, reviewer = setup()
    make_review(app, application, reviewer.id, submit=False)
    assert run(app) == 0


@pytest.mark.parametrize("status", [CallStatus.CLOSED, CallStatus.REVIEWING])
def test_calls_closed_or_in_review_are_reminded(app, setup, status):
    _call, application, reviewer = setup(status=status)
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    assert run(app) == 1


@pytest.mark.parametrize("status", [CallStatus.DECIDED, CallStatus.ARCHIVED])
def test_calls_past_review_are_not_reminded(app, setup, status):
    _call, application, reviewer = setup(status=status)
    assign(app, application, reviewer.id, NOW - timedelta(days=1))
    assert run(app) == 0


def test_inactive_reviewers_are_not_reminded(app, setup, make_user):
    reviewer = make_reviewer(app, make_user, active=False)
    _call, application, _ = setup(reviewer=reviewer)
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    assert run(app) == 0


def test_a_blind_call_never_names_the_applicant(app, setup):
    _call, application, reviewer = setup(blind=True)
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    assert run(app) == 1
    [message] = messages(app)
    for body in (message.body_text, message.body_html, message.subject):
        assert "سلمى" not in body and "Salma" not in body and "Hussein" not in body
    assert reference_of(app, application) in message.body_text


def test_an_open_call_names_the_applicant(app, setup):
    _call, application, reviewer = setup(blind=False)
    assign(app, application, reviewer.id, NOW + timedelta(days=1))
    run(app)
    [message] = messages(app)
    assert "سلمى الحسين" in message.body_text


def test_each_reviewer_in_their_language(app, setup, make_user):
    call_id, application, english = setup(locale="en")
    arabic = make_reviewer(app, make_user, locale="ar")
    assign(app, application, english.id, NOW + timedelta(days=1))
    assign(app, application, arabic.id, NOW + timedelta(days=1))
    assert run(app) == 2
    by_reviewer = {m.recipient_id: m for m in messages(app)}
    assert by_reviewer[english.id].locale == "en" and by_reviewer[arabic.id].locale == "ar"
    assert by_reviewer[english.id].body_html.startswith("<!doctype html>\n<html lang=\"en\" dir=\"ltr\">")
    assert 'lang="ar" dir="rtl"' in by_reviewer[arabic.id].body_html
    assert "Small business grants for youth" in by_reviewer[english.id].body_text
    assert "منح المشاريع الصغيرة للشباب" in by_reviewer[arabic.id].body_text


def test_the_command_queues_and_reports(app, setup):
    _call, application, reviewer = setup()
    from grants.models import utcnow

    assign(app, application, reviewer.id, utcnow() + timedelta(days=1))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reviews", "remind"])
    assert first.exit_code == 0 and "queued 1 reminder(s)" in first.output
    second = runner.invoke(args=["reviews", "remind"])
    assert second.exit_code == 0 and "queued 0 reminder(s)" in second.output
    assert len(messages(app)) == 1


def test_with_a_mail_server_the_outbox_sender_delivers(app, setup, smtp_server):
    _call, application, reviewer = setup()
    from grants.models import utcnow

    assign(app, application, reviewer.id, utcnow() - timedelta(hours=2))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reviews", "remind"])
    assert result.exit_code == 0 and "queued 1 reminder(s)" in result.output
    assert smtp_server.messages == []  # queued, not sent by the command itself
    sent = runner.invoke(args=["mail", "send"])
    assert "sent 1" in sent.output and len(smtp_server.messages) == 1
