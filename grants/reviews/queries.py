"""Read helpers for reviews: a reviewer's queue with progress, and the rows the ranking is computed from."""
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..paging import PAGE_SIZE, Page, clamp, requested_page
from ..models import Application, Call, Review, ReviewStatus, Score, Sector, localized
from .services import reviewable_applications


# --- the reviewer's queue: one page of 50 reviews, what is still to do first --------------------------------------

QUEUE_PAGE_SIZE = PAGE_SIZE

# The queue's filters, in the order of the links above it: key → title. The first is what the page opens on.
QUEUE_FILTERS = {"todo": _l("To do"), "submitted": _l("Submitted"), "all": _l("All")}


def _unfinished():
    return Review.status != ReviewStatus.SUBMITTED


@dataclass(frozen=True)
class QueueFilters:
    """Read leniently from the query string: an unknown filter means "to do", a page that is not a number the first
    and a page past the end the last, never an error."""

    show: str = "todo"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        show = args.get("show", "")
        return cls(show=show if show in QUEUE_FILTERS else "todo",
                   page=requested_page(args))


@dataclass(frozen=True)
class CallProgress:
    """One call's share of the reviewer's work: done of total, and when the first unfinished review is due."""

    call_id: int
    code: str
    title_ar: str
    title_en: str
    blind_review: bool
    done: int
    total: int
    next_due: datetime | None

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def to_do(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class QueueRow:
    id: int
    call_id: int
    status: ReviewStatus
    due_at: datetime | None
    reference: str
    business_name: str
    sector_ar: str | None
    sector_en: str | None

    @property
    def sector(self) -> str:
        return localized(self, "sector")


@dataclass
class QueuePage(Page):
    """One page of the queue (the filter shown: `total` counts it), with the progress of every call of the reviewer
    and the count of every filter."""

    calls: list[CallProgress] = field(default_factory=list)  # newest call first

    @property
    def done(self) -> int:
        return self.counts["submitted"]

    @property
    def assigned(self) -> int:
        return self.counts["all"]

    @property
    def groups(self) -> list[tuple[CallProgress, list[QueueRow]]]:
        """The page's rows under their call (rows come ordered by call)."""
        by_id = {call.call_id: call for call in self.calls}
        return [(by_id[call_id], list(rows)) for call_id, rows in groupby(self.items, key=lambda row: row.call_id)]


def reviewer_calls(reviewer_id: int) -> list[CallProgress]:
    """Per call the reviewer has reviews in: done of total and the first due date still open, in one aggregate
    query (newest call first)."""
    rows = db.session.execute(
        select(Call.id, Call.code, Call.title_ar, Call.title_en, Call.blind_review,
               func.count(Review.id).filter(Review.status == ReviewStatus.SUBMITTED), func.count(Review.id),
               func.min(Review.due_at).filter(_unfinished()))
        .join(Call, Call.id == Review.call_id)
        .where(Review.reviewer_id == reviewer_id)
        .group_by(Call.id, Call.code, Call.title_ar, Call.title_en, Call.blind_review)
        .order_by(Call.id.desc()))
    return [CallProgress(call_id=row[0], code=row[1], title_ar=row[2], title_en=row[3], blind_review=row[4],
                         done=int(row[5]), total=int(row[6]), next_due=row[7]) for row in rows]


def reviewer_queue(reviewer_id: int, filters: QueueFilters = QueueFilters()) -> QueuePage:
    """One page of the reviewer's own reviews (and nobody else's): newest call first; within a call the unfinished
    ones first, by due date. Two queries: the progress aggregate, then the page's rows as columns."""
    calls = reviewer_calls(reviewer_id)
    done, total = sum(call.done for call in calls), sum(call.total for call in calls)
    counts = {"todo": total - done, "submitted": done, "all": total}
    page = clamp(filters.page, counts[filters.show], QUEUE_PAGE_SIZE)
    # Even an empty filter sends its query: the page costs the same statements whatever it shows.
    shown = {"todo": [_unfinished()], "submitted": [Review.status == ReviewStatus.SUBMITTED], "all": []}[filters.show]
    rows = db.session.execute(
        select(Review.id, Review.call_id, Review.status, Review.due_at, Application.reference,
               Application.business_name, Sector.name_ar, Sector.name_en)
        .join(Application, Application.id == Review.application_id)
        .outerjoin(Sector, Sector.id == Application.sector_id)
        .where(Review.reviewer_id == reviewer_id, *shown)
        .order_by(Review.call_id.desc(), case((_unfinished(), 0), else_=1), Review.due_at.asc().nulls_last(),
                  Review.id)
        .limit(QUEUE_PAGE_SIZE).offset((page - 1) * QUEUE_PAGE_SIZE))
    items = [QueueRow(id=row[0], call_id=row[1], status=ReviewStatus(row[2]), due_at=row[3], reference=row[4] or "",
                      business_name=row[5] or "", sector_ar=row[6], sector_en=row[7]) for row in rows]
    return QueuePage(items, page, counts[filters.show], QUEUE_PAGE_SIZE, counts, calls=calls)


def reviewer_progress(reviewer_id: int) -> tuple[int, int]:
    """(submitted, assigned) counts for "7 of 12 done"."""
    done, total = db.session.execute(
        select(func.count().filter(Review.status == ReviewStatus.SUBMITTED), func.count())
        .where(Review.reviewer_id == reviewer_id)
    ).one()
    return done, total


def ranking_rows(call_id: int):
    """Flat rows for grants.reviews.scoring.rank_call: one query over applications, submitted reviews, scores."""
    applications = reviewable_applications(call_id).subquery()
    return db.session.execute(
        select(applications.c.id, applications.c.submitted_at, Review.id, Review.reviewer_id,
               Score.criterion_id, Score.value)
        .select_from(applications)
        .outerjoin(Review, and_(Review.application_id == applications.c.id,
                                Review.status == ReviewStatus.SUBMITTED))
        .outerjoin(Score, Score.review_id == Review.id)
        .order_by(applications.c.id, Review.id, Score.criterion_id)
    )


def late_reviewers(call_id: int, now):
    """Per reviewer: unfinished reviews of the call and how many are past their due date."""
    return db.session.execute(
        select(Review.reviewer_id, func.count(),
               func.sum(case((Review.due_at < now, 1), else_=0)))
        .where(Review.call_id == call_id, Review.status != ReviewStatus.SUBMITTED)
        .group_by(Review.reviewer_id)
    ).all()
