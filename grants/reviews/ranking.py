"""The ranking page's data (scoring.rank_call over one query's rows, plus names), and its two audited verbs."""
from dataclasses import dataclass, field

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import Application, Call, User
from . import queries, scoring
from .services import reviewable_applications

RAW = "raw"
CALIBRATED = "calibrated"
RANK_BY = (RAW, CALIBRATED)

TIE_RULE = _l("Ties are broken by the mean on the highest-weighted criterion, then the next, "
              "then the earlier submission.")


# --- which score ranks ----------------------------------------------------------------------------

def default_rank_by(call: Call) -> str:
    return CALIBRATED if call.rank_by_calibrated else RAW


def rank_by(call: Call, asked: str | None) -> str:
    """The score staff asked for in the address, else the call's saved default; anything else is ignored."""
    return asked if asked in RANK_BY else default_rank_by(call)


def set_rank_by(actor: User, call: Call, by: str) -> bool:
    """Save which score ranks this call by default; returns whether anything changed."""
    if by not in RANK_BY:
        raise ActionRefused(_l("Choose the raw or the calibrated mean."), field="by")
    calibrated = by == CALIBRATED
    if call.rank_by_calibrated == calibrated:
        return False
    call.rank_by_calibrated = calibrated
    record(actor, "reviews.set_rank_by", call, rank_by=by)
    db.session.flush()
    return True


def record_export(actor: User, call: Call, fmt: str, by: str, rows: int) -> None:
    """Who took the ranking out of the system, in which form, and when."""
    record(actor, "reviews.export_ranking", call, format=fmt, rank_by=by, rows=rows)
    db.session.flush()


# --- the page data ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outlier:
    reviewer_name: str
    score: float


@dataclass(frozen=True)
class RankedApplication:
    """One ranked application with what the page shows beside the figures."""

    result: scoring.ApplicationResult
    reference: str
    business_name: str
    applicant_name: str
    submitted_reviews: int
    wanted_reviews: int
    failed: tuple            # criterion names
    split: tuple             # criterion names
    outliers: tuple          # Outlier
    tie_break_text: str | None = None

    @property
    def application_id(self) -> int:
        return self.result.application_id

    @property
    def stats(self) -> scoring.ScoreStats:
        return self.result.stats

    @property
    def incomplete(self) -> bool:
        return self.submitted_reviews < self.wanted_reviews

    @property
    def flag_texts(self) -> list[str]:
        texts = []
        if self.result.disagreement:
            texts.append(_("Reviewers disagree"))
        for outlier in self.outliers:
            texts.append(_("Outlier review: %(reviewer)s (%(score)s)", reviewer=outlier.reviewer_name,
                           score=score_text(outlier.score)))
        for name in self.split:
            texts.append(_("Reviewers on both sides of the threshold: %(criterion)s", criterion=name))
        return texts


@dataclass(frozen=True)
class ReviewerSummary:
    reviewer_id: int
    name: str
    reviews: int
    mean: float | None
    sd: float | None
    calibrated: bool

    @property
    def calibration_text(self) -> str:
        return _("calibrated") if self.calibrated else _("not calibrated: too few reviews")


@dataclass
class Ranking:
    call: Call
    by: str
    criteria: list
    rows: list = field(default_factory=list)
    reviewers: list = field(default_factory=list)

    @property
    def wanted_reviews(self) -> int:
        return self.call.reviewers_per_application


def scoring_criteria(call: Call) -> list[scoring.Criterion]:
    return [scoring.Criterion(id=c.id, weight=float(c.weight), lo=c.min_score, hi=c.max_score,
                              threshold=None if c.threshold is None else float(c.threshold), name=c.name)
            for c in call.criteria]


def application_display(call_id: int) -> dict:
    """Application id -> (reference, business name, applicant name) for the reviewable applications: one query."""
    ids = reviewable_applications(call_id).with_only_columns(Application.id)
    english = str(get_locale() or "ar").startswith("en")
    display = {}
    for app_id, reference, business, name_ar, name_latin, account_name in db.session.execute(
            select(Application.id, Application.reference, Application.business_name, Application.full_name_ar,
                   Application.full_name_latin, User.full_name)
            .join(User, User.id == Application.applicant_id)
            .where(Application.id.in_(ids))):
        names = (name_latin, name_ar) if english else (name_ar, name_latin)
        display[app_id] = (reference or "", business or "", names[0] or names[1] or account_name or "")
    return display


def reviewer_names(reviewer_ids) -> dict:
    """User id -> full name, in one query."""
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(sorted(reviewer_ids)))).all())


def _tie_break_text(result: scoring.ApplicationResult, names: dict) -> str | None:
    if result.tie_break == "criterion":
        return _("Same score as the one above: ranked by the mean on %(criterion)s.",
                 criterion=names.get(result.tie_break_criterion_id, ""))
    if result.tie_break in ("submitted_at", "application_id"):
        return _("Same score as the one above: ranked by the earlier submission.")
    return None


def build_ranking(call: Call, by: str) -> Ranking:
    """Everything the ranking page and the exports show, in three queries however many applications there are."""
    criteria = list(call.criteria)
    results = scoring.rank_call(
        queries.ranking_rows(call.id), scoring_criteria(call), by=by,
        disagreement_range=call.disagreement_range, disagreement_sd=call.disagreement_sd)
    display = application_display(call.id)
    reviewer_ids = {review.reviewer_id for result in results for review in result.reviews}
    people = reviewer_names(reviewer_ids)
    criterion_names = {c.id: c.name for c in criteria}

    rows = []
    for result in results:
        reference, business, applicant = display.get(result.application_id, ("", "", ""))
        rows.append(RankedApplication(
            result=result, reference=reference, business_name=business, applicant_name=applicant,
            submitted_reviews=len(result.reviews), wanted_reviews=call.reviewers_per_application,
            failed=tuple(criterion_names[cid] for cid in result.failed_criteria),
            split=tuple(criterion_names[cid] for cid in result.split_criteria),
            outliers=tuple(Outlier(people.get(r.reviewer_id, ""), r.score) for r in result.reviews if r.outlier),
            tie_break_text=_tie_break_text(result, criterion_names),
        ))

    # The same calibration rank_call applied, read back per reviewer (grouped data, no query).
    calibration = scoring.calibrate((r.reviewer_id, r.score) for result in results for r in result.reviews)
    counts: dict = {}
    for result in results:
        for review in result.reviews:
            counts[review.reviewer_id] = counts.get(review.reviewer_id, 0) + 1
    reviewers = []
    for reviewer_id, count in counts.items():
        info = calibration.reviewers.get(reviewer_id)
        reviewers.append(ReviewerSummary(
            reviewer_id=reviewer_id, name=people.get(reviewer_id, ""), reviews=count,
            mean=info.mean if info else None, sd=info.sd if info else None,
            calibrated=bool(info and info.calibrated)))
    reviewers.sort(key=lambda r: (r.name, r.reviewer_id))
    return Ranking(call=call, by=by, criteria=criteria, rows=rows, reviewers=reviewers)


# --- one table for the page and the exports -----------------------------------------------------------

def score_text(value) -> str:
    """A score with two decimals in the reader's locale; a dash when there is none."""
    return "–" if value is None else format_decimal(value, format="#,##0.00", locale=get_locale())


def table_headers(ranking: Ranking) -> list[str]:
    """Column titles, in the reader's language; the page's table and both exports use exactly these."""
    return [
        _("Rank"), _("Reference"), _("Business name"), _("Applicant"), _("Completed reviews"),
        _("Mean"), _("Calibrated mean"), _("Median"), _("Minimum"), _("Maximum"),
        _("Standard deviation"), _("Standard error"),
        *(_("Mean: %(criterion)s", criterion=c.name) for c in ranking.criteria),
        _("Failed criteria"), _("Flags"),
    ]


def _rounded(value):
    return None if value is None else round(value, 2)


def table_values(ranking: Ranking, row: RankedApplication) -> list:
    """One row as plain values (numbers rounded to two decimals, None when missing), in the headers' order."""
    s = row.stats
    return [
        row.result.rank, row.reference, row.business_name, row.applicant_name, row.submitted_reviews,
        _rounded(s.mean), _rounded(row.result.calibrated_mean), _rounded(s.median), _rounded(s.minimum),
        _rounded(s.maximum), _rounded(s.sd), _rounded(s.se),
        *(_rounded(row.result.criterion_means.get(c.id)) for c in ranking.criteria),
        "; ".join(row.failed), "; ".join(row.flag_texts),
    ]
