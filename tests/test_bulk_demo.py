"""The generated large program (grants/bulk_demo): row counts, references, reviews, budgets, tranches, determinism,
the dashboards' statistics, and a second run beside the first. Small sizes here; timing lives in bench/."""
import hashlib
from collections import defaultdict

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy import func, select

from grants.bulk_demo import followup, generate_program
from grants.disbursements import services as disbursements
from grants.extensions import db
from grants.models import (
    Application, ApplicationStatus, Call, Decision, Grant, Letter, LetterCounter, Outcome, ProgressReport, Review,
    ReviewStatus, Score, Tranche, TrancheStatus, User,
)
from grants.monitoring.stats import STAGES, Filters, summary_tables

SIZE = 150


@pytest.fixture
def generated(ctx):
    counts = _table_counts()
    added = generate_program(SIZE, seed=3)
    call = db.session.scalar(select(Call).where(Call.code == "BULK3"))
    return call, added, counts


def _table_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_counts_returned_are_the_rows_added(generated):
    call, added, before = generated
    after = _table_counts()
    assert {name: after[name] - before[name] for name in after if after[name] != before[name]} == added
    assert added["applications"] == SIZE
    assert db.session.scalar(select(func.count(Application.id)).where(Application.call_id == call.id)) == SIZE


def test_submitted_applications_have_unique_references_in_the_calls_sequence(generated):
    call, _, _ = generated
    references = list(db.session.scalars(select(Application.reference).where(
        Application.call_id == call.id, Application.status != ApplicationStatus.DRAFT)))
    assert references and len(set(references)) == len(references)
    assert sorted(references) == [f"BULK3-{n:05d}" for n in range(1, len(references) + 1)]
    assert call.application_seq == len(references)  # a real submission next gets the following number
    drafts = db.session.scalar(select(func.count(Application.id)).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.DRAFT, Application.reference.is_(None)))
    assert drafts + len(references) == SIZE


def test_reviewed_applications_have_three_submitted_reviews_by_distinct_reviewers(generated):
    call, _, _ = generated
    reviews = db.session.execute(select(Review.application_id, Review.reviewer_id, Review.status)
                                 .where(Review.call_id == call.id)).all()
    by_application = defaultdict(list)
    for application_id, reviewer_id, status in reviews:
        assert status == ReviewStatus.SUBMITTED
        by_application[application_id].append(reviewer_id)
    assert by_application
    assert all(len(set(reviewers)) == len(reviewers) == 3 for reviewers in by_application.values())
    # every review scores every criterion of the rubric, on the criterion's scale
    criteria = {c.id: c for c in call.criteria}
    scores = db.session.execute(select(Score.review_id, Score.criterion_id, Score.value)
                                .join(Review, Review.id == Score.review_id).where(Review.call_id == call.id)).all()
    assert len(scores) == len(reviews) * len(criteria)
    assert all(criteria[c].min_score <= value <= criteria[c].max_score for _, c, value in scores)
    # only reviewed applications get a decision
    decided = set(db.session.scalars(select(Decision.application_id).where(Decision.call_id == call.id)))
    assert decided == set(by_application)


def test_awards_stay_within_the_budget_and_limits(generated):
    call, _, _ = generated
    decisions = list(db.session.scalars(select(Decision).where(Decision.call_id == call.id)))
    approved = [d for d in decisions if d.outcome == Outcome.APPROVED]
    assert approved and any(d.outcome == Outcome.WAITLISTED for d in decisions)
    assert any(d.outcome == Outcome.NOT_SELECTED for d in decisions)
    assert sum(d.awarded_amount for d in approved) <= call.budget
    assert all(call.min_award <= d.awarded_amount <= call.max_award for d in approved)
    assert all(d.released_at is not None for d in decisions)
    requested = dict(db.session.execute(select(Application.id, Application.requested_amount)
                                        .where(Application.call_id == call.id)).all())
    assert all(call.min_award <= amount <= call.max_award for amount in requested.values())
    assert all(d.awarded_amount <= requested[d.application_id] for d in approved)


def test_tranches_add_up_to_each_grant_and_payments_stay_within_awards(generated):
    call, _, _ = generated
    grants = list(db.session.scalars(select(Grant).where(Grant.call_id == call.id)))
    assert grants
    paid_any = False
    for grant in grants:
        assert sum(t.amount for t in grant.tranches) == grant.amount
        paid = sum(t.amount for t in grant.tranches if t.status == TrancheStatus.PAID)
        assert grant.paid_total == paid <= grant.amount
        paid_any = paid_any or paid > 0
        for earlier, later in zip(grant.tranches, grant.tranches[1:]):  # paid in order
            assert later.status != TrancheStatus.PAID or earlier.status == TrancheStatus.PAID
    assert paid_any
    reports = db.session.scalars(select(ProgressReport.status).join(Grant).where(Grant.call_id == call.id)).all()
    assert {"due", "approved"} <= {str(status) for status in reports}


def test_paid_tranches_have_one_letter_and_the_next_real_letter_gets_the_next_number(generated):
    call, _, _ = generated
    tranches = list(db.session.scalars(select(Tranche).join(Grant).where(Grant.call_id == call.id)))
    letters = list(db.session.scalars(select(Letter).join(Tranche).join(Grant).where(Grant.call_id == call.id)))
    lettered = {t.id for t in tranches if t.status in (TrancheStatus.PAID, TrancheStatus.LETTER_ISSUED)}
    assert lettered and sorted(letter.tranche_id for letter in letters) == sorted(lettered)
    assert len({letter.number for letter in letters}) == len(letters)
    assert all(letter.issued_at <= t.paid_at for letter in letters for t in [letter.tranche] if t.paid_at)

    from grants.disbursements import services

    approved = next(t for t in tranches if t.status == TrancheStatus.APPROVED)
    officer = db.session.scalar(select(User).where(User.email == "bulk3.officer@example.org"))
    letter = services.issue_letter(officer, approved)
    same_year = [x.sequence for x in letters if x.year == letter.year]
    assert letter.sequence == db.session.get(LetterCounter, letter.year).last_number
    assert letter.sequence > max(same_year, default=0)



def test_every_tranche_approved_or_later_meets_its_conditions(ctx, monkeypatch):
    """The generated payments could have been made through the app: nothing was approved against an unmet condition
    (required courses, the previous tranche paid, the previous progress report approved), also with several
    training cohorts."""
    monkeypatch.setattr(followup, "COHORT_SIZE", 4)
    generate_program(SIZE, seed=4)
    call = db.session.scalar(select(Call).where(Call.code == "BULK4"))
    tranches = db.session.scalars(select(Tranche).join(Grant).where(
        Grant.call_id == call.id, Tranche.status.in_([TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED,
                                                      TrancheStatus.PAID]))).all()
    assert tranches
    unmet = {(tranche.id, condition.key) for tranche in tranches for condition in disbursements.conditions(tranche)
             if not condition.met}
    assert unmet == set()

def test_seed_demo_command_generates_the_large_program(app, monkeypatch):
    import grants.demo

    monkeypatch.setattr(grants.demo, "seed_demo", list)  # the usual demo has its own test (test_cli.py)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--applications", "60", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Generated 60 applications" in result.output
    with app.app_context():
        call = db.session.scalar(select(Call).where(Call.code == "BULK5"))
        assert db.session.scalar(select(func.count(Application.id)).where(Application.call_id == call.id)) == 60


def _digest(call: Call) -> str:
    """People, amounts, scores and outcomes of a call in a fixed order (ids and dates left out)."""
    rows = db.session.execute(
        select(Application.full_name_ar, Application.full_name_latin, Application.gender, Application.date_of_birth,
               Application.place_id, Application.sector_id, Application.requested_amount, Application.status,
               Application.screening_status, Decision.outcome, Decision.awarded_amount, Decision.score)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .where(Application.call_id == call.id).order_by(Application.id)).all()
    scores = db.session.scalars(select(Score.value).join(Review, Review.id == Score.review_id)
                                .where(Review.call_id == call.id).order_by(Review.id, Score.criterion_id)).all()
    return hashlib.sha256(repr((rows, scores)).encode()).hexdigest()


def test_the_same_seed_twice_gives_the_same_program_in_a_second_call(generated):
    first, _, _ = generated
    second_counts = generate_program(SIZE, seed=3)
    second = db.session.scalar(select(Call).where(Call.code == "BULK3R2"))
    assert second is not None and second.id != first.id
    assert second_counts["applications"] == SIZE
    assert _digest(second) == _digest(first)
    references = db.session.scalars(select(Application.reference).where(Application.reference.is_not(None))).all()
    assert len(references) == len(set(references))
    emails = db.session.scalars(select(User.email)).all()
    assert len(emails) == len(set(emails))
    # ids were taken before inserting: rows added the ordinary way afterwards still get fresh ones
    user = User(email="after-bulk@example.org", full_name="بعد التوليد")
    db.session.add(user)
    db.session.flush()
    assert user.id > db.session.scalar(select(func.max(User.id)).where(User.email != user.email))
    other = generate_program(SIZE, seed=4)
    assert other["applications"] == SIZE
    assert _digest(db.session.scalar(select(Call).where(Call.code == "BULK4"))) != _digest(first)


def test_dashboard_statistics_run_and_the_funnel_narrows(generated):
    call, _, _ = generated
    with force_locale("en"):
        tables = {table.key: table for table in summary_tables(Filters(call_id=call.id))}
    funnel = dict(zip(tables["funnel"].keys, (row[1] for row in tables["funnel"].rows)))
    stages = [funnel[stage] for stage in STAGES[STAGES.index("submitted"):]]
    assert all(later <= earlier for earlier, later in zip(stages, stages[1:])), funnel
    assert funnel["started"] == SIZE and funnel["paid"] > 0
    assert funnel["paid"] == db.session.scalar(
        select(func.count(sa.distinct(Grant.id))).join(Tranche).where(Grant.call_id == call.id,
                                                                      Tranche.status == TrancheStatus.PAID))
