"""The check after a deadline rush: read the database and list what went wrong.

Kept apart from the load script so a test can run it against a tiny hand-made data set and prove that it
notices a missing or late submission, a repeated or missing receipt, or a late applicant who got through.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from grants.models import Application, ApplicationStatus, Call, OutboxMessage

RECEIPT_TEMPLATE = "application_received"  # queued by grants.applications.services.submit_application


@dataclass
class RushCheck:
    submitted: int = 0
    distinct_references: int = 0
    receipts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_rush(connection, call_id: int, *, expected: int, late_applicant_ids=()) -> RushCheck:
    """What the rush left in the call: `expected` submitted applications, one per applicant, each with its own
    reference and exactly one receipt email in the outbox, none submitted at or after the closing time, and
    none from the applicants who only pressed submit after the deadline.

    `connection` is a SQLAlchemy Connection or Session (anything with .execute)."""
    result = RushCheck()
    closes_at = connection.execute(select(Call.closes_at).where(Call.id == call_id)).scalar_one()
    rows = connection.execute(
        select(Application.id, Application.applicant_id, Application.reference, Application.submitted_at)
        .where(Application.call_id == call_id, Application.status == ApplicationStatus.SUBMITTED)
    ).all()
    result.submitted = len(rows)
    if result.submitted != expected:
        result.problems.append(f"{result.submitted} submitted applications, expected {expected}")

    per_applicant = connection.execute(
        select(Application.applicant_id, func.count()).where(Application.call_id == call_id)
        .group_by(Application.applicant_id).having(func.count() > 1)
    ).all()
    if per_applicant:
        result.problems.append(f"{len(per_applicant)} applicants have more than one application")

    references = Counter(row.reference for row in rows)
    result.distinct_references = len(references)
    if None in references:
        result.problems.append(f"{references[None]} submitted applications without a reference")
    repeated = sorted(reference for reference, count in references.items() if reference and count > 1)
    if repeated:
        result.problems.append(f"references given more than once: {', '.join(repeated[:10])}")

    late = [row.id for row in rows if row.submitted_at is None or row.submitted_at >= closes_at]
    if late:
        result.problems.append(
            f"{len(late)} submissions stored at or after the closing time {closes_at:%Y-%m-%d %H:%M:%S}")
    late_ids = set(late_applicant_ids)
    got_through = [row.id for row in rows if row.applicant_id in late_ids]
    if got_through:
        result.problems.append(f"{len(got_through)} applicants who pressed submit after the deadline were accepted")

    receipts = Counter(connection.execute(
        select(OutboxMessage.subject_id).where(OutboxMessage.template == RECEIPT_TEMPLATE,
                                               OutboxMessage.subject_type == Application.__tablename__)
        .where(OutboxMessage.subject_id.in_(select(Application.id).where(Application.call_id == call_id)))
    ).scalars())
    result.receipts = sum(receipts.values())
    submitted_ids = {row.id for row in rows}
    without = len(submitted_ids - set(receipts))
    if without:
        result.problems.append(f"{without} submitted applications without a receipt email")
    repeated_receipts = sum(1 for count in receipts.values() if count > 1)
    if repeated_receipts:
        result.problems.append(f"{repeated_receipts} applications with more than one receipt email")
    unsubmitted = len(set(receipts) - submitted_ids)
    if unsubmitted:
        result.problems.append(f"{unsubmitted} receipt emails for applications that are not submitted")
    return result
