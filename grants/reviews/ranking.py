"""The ranking: stored per call and score (rebuilt from scoring.rank_call when its inputs change), read a page at
a time with live names, and its two audited verbs."""
import functools
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import Call, RankingEntry, RankingSnapshot, User, utcnow
from ..paging import PAGE_SIZE, clamp
from . import queries, queries_ranking, scoring

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


# --- the stored ranking ------------------------------------------------------------------------------

# Bump when scoring changes what a ranking holds: every stored ranking then fails its fingerprint and is rebuilt.
RANKING_VERSION = 1
PER_PAGE = PAGE_SIZE


def scoring_criteria(call: Call) -> list[scoring.Criterion]:
    return [scoring.Criterion(id=c.id, weight=float(c.weight), lo=c.min_score, hi=c.max_score,
                              threshold=None if c.threshold is None else float(c.threshold), name=c.name)
            for c in call.criteria]


def inputs_fingerprint(call: Call, by: str) -> str:
    """A digest of everything rank_call's result depends on: the call's rubric and disagreement settings (already
    loaded with the call) and one aggregate query over its applications, submitted reviews and review edits.
    Computed from the data, not kept up to date by the verbs that change it, so no path can forget to."""
    settings = (RANKING_VERSION, by, call.disagreement_range, call.disagreement_sd,
                [(c.id, c.position, str(c.weight), c.min_score, c.max_score, str(c.threshold)) for c in call.criteria])
    return hashlib.sha256(repr((settings, queries_ranking.ranking_inputs(call.id))).encode()).hexdigest()


def stored_ranking(call: Call, by: str) -> tuple[RankingSnapshot, bool]:
    """The call's stored ranking by this score, rebuilt first when its inputs have changed, and whether this
    request locked the call to rebuild it (then the caller commits at once, which lets a waiting viewer go on)."""
    fingerprint = inputs_fingerprint(call, by)
    snapshot = db.session.get(RankingSnapshot, (call.id, by))
    if snapshot is not None and snapshot.fingerprint == fingerprint:
        return snapshot, False
    # One builder per call at a time: on PostgreSQL a second staff member opening the page now waits here for the
    # first one's commit, then finds the ranking built. (SQLite runs one writer at a time anyway.)
    db.session.execute(select(Call.id).where(Call.id == call.id).with_for_update())
    # Fingerprint before reading the rows: a change in between leaves an old fingerprint (rebuilt next time),
    # never a new fingerprint on old figures.
    fingerprint = inputs_fingerprint(call, by)
    snapshot = db.session.get(RankingSnapshot, (call.id, by), populate_existing=True)
    if snapshot is not None and snapshot.fingerprint == fingerprint:
        return snapshot, True
    return _rebuild(call, by, fingerprint, snapshot), True


def _rebuild(call: Call, by: str, fingerprint: str, snapshot: RankingSnapshot | None) -> RankingSnapshot:
    results = scoring.rank_call(
        queries.ranking_rows(call.id), scoring_criteria(call), by=by,
        disagreement_range=call.disagreement_range, disagreement_sd=call.disagreement_sd)
    if snapshot is None:
        snapshot = RankingSnapshot(call_id=call.id, rank_by=by)
        db.session.add(snapshot)
    snapshot.fingerprint, snapshot.rows, snapshot.built_at = fingerprint, len(results), utcnow()
    snapshot.reviewers = _reviewer_summary(results)
    db.session.execute(delete(RankingEntry).where(RankingEntry.call_id == call.id, RankingEntry.rank_by == by))
    db.session.flush()  # the snapshot row exists before the entries that point to it
    if results:
        # The table's own insert: one executemany (the ORM's bulk insert splits rows by which values are None).
        db.session.execute(insert(RankingEntry.__table__), [_entry_values(call.id, by, result) for result in results])
    return snapshot


def _entry_values(call_id: int, by: str, result: scoring.ApplicationResult) -> dict:
    s = result.stats
    return dict(
        call_id=call_id, rank_by=by, rank=result.rank, application_id=result.application_id,
        submitted_reviews=len(result.reviews), mean=s.mean, calibrated_mean=result.calibrated_mean,
        median=s.median, minimum=s.minimum, maximum=s.maximum, sd=s.sd, se=s.se,
        criterion_means={str(cid): mean for cid, mean in result.criterion_means.items()},
        failed_criteria=list(result.failed_criteria), split_criteria=list(result.split_criteria),
        disagreement=result.disagreement,
        outliers=[[review.reviewer_id, review.score] for review in result.reviews if review.outlier],
        tie_break=result.tie_break, tie_break_criterion_id=result.tie_break_criterion_id,
    )


def _reviewer_summary(results) -> list[dict]:
    """The same calibration rank_call applied, read back per reviewer (grouped data, no query)."""
    calibration = scoring.calibrate((r.reviewer_id, r.score) for result in results for r in result.reviews)
    counts: dict = {}
    for result in results:
        for review in result.reviews:
            counts[review.reviewer_id] = counts.get(review.reviewer_id, 0) + 1
    summary = []
    for reviewer_id, count in counts.items():
        info = calibration.reviewers.get(reviewer_id)
        summary.append({"reviewer_id": reviewer_id, "reviews": count, "mean": info.mean if info else None,
                        "sd": info.sd if info else None, "calibrated": bool(info and info.calibrated)})
    return summary


# --- the page data ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outlier:
    reviewer_name: str
    score: float


@dataclass(frozen=True)
class RankedApplication:
    """One row of the ranking as the page and the exports show it: stored figures, names read now."""

    rank: int
    application_id: int
    reference: str
    business_name: str
    applicant_name: str
    submitted_reviews: int
    wanted_reviews: int
    mean: float | None
    calibrated_mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    sd: float | None
    se: float | None
    criterion_means: dict    # criterion id -> mean raw score or None
    failed_ids: tuple        # criterion ids
    failed: tuple            # criterion names
    split: tuple             # criterion names
    disagreement: bool
    outliers: tuple          # Outlier
    tie_break_text: str | None = None

    @property
    def incomplete(self) -> bool:
        return self.submitted_reviews < self.wanted_reviews

    @property
    def flag_texts(self) -> list[str]:
        texts = []
        if self.disagreement:
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
    calibration_text: str    # translated once per view: a call may have a thousand reviewers


@dataclass
class Ranking:
    """What the page (one page of rows) and the exports (every row) show; total counts every ranked application."""

    call: Call
    by: str
    criteria: list
    rows: list = field(default_factory=list)
    reviewers: list = field(default_factory=list)
    total: int = 0
    page: object = None      # the page's Pagination; None for the exports

    @property
    def wanted_reviews(self) -> int:
        return self.call.reviewers_per_application


def _display(names, english: bool) -> tuple[str, str, str]:
    """(reference, business name, applicant name in the reader's script) from application_names' columns."""
    reference, business, name_ar, name_latin, account_name = names
    first, second = (name_latin, name_ar) if english else (name_ar, name_latin)
    return reference or "", business or "", first or second or account_name or ""


def _tie_break_text(entry: RankingEntry, names: dict) -> str | None:
    if entry.tie_break == "criterion":
        return _("Same score as the one above: ranked by the mean on %(criterion)s.",
                 criterion=names.get(entry.tie_break_criterion_id, ""))
    if entry.tie_break in ("submitted_at", "application_id"):
        return _("Same score as the one above: ranked by the earlier submission.")
    return None


def _ranking(call: Call, by: str, snapshot: RankingSnapshot, entries_with_names, page=None) -> Ranking:
    """Stored entries (each with application_names' columns) as rows, with reviewer names: one query for them."""
    criteria = list(call.criteria)
    criterion_names = {c.id: c.name for c in criteria}
    english = str(get_locale() or "ar").startswith("en")
    reviewer_ids = {r["reviewer_id"] for r in snapshot.reviewers}
    reviewer_ids.update(reviewer_id for entry, _names in entries_with_names for reviewer_id, _score in entry.outliers)
    people = queries_ranking.reviewer_names(reviewer_ids) if reviewer_ids else {}
    rows = []
    for entry, names in entries_with_names:
        reference, business, applicant = _display(names, english)
        rows.append(RankedApplication(
            rank=entry.rank, application_id=entry.application_id, reference=reference, business_name=business,
            applicant_name=applicant, submitted_reviews=entry.submitted_reviews,
            wanted_reviews=call.reviewers_per_application, mean=entry.mean, calibrated_mean=entry.calibrated_mean,
            median=entry.median, minimum=entry.minimum, maximum=entry.maximum, sd=entry.sd, se=entry.se,
            criterion_means={int(cid): mean for cid, mean in entry.criterion_means.items()},
            failed_ids=tuple(entry.failed_criteria),
            failed=tuple(criterion_names.get(cid, "") for cid in entry.failed_criteria),
            split=tuple(criterion_names.get(cid, "") for cid in entry.split_criteria),
            disagreement=entry.disagreement,
            outliers=tuple(Outlier(people.get(reviewer_id, ""), score) for reviewer_id, score in entry.outliers),
            tie_break_text=_tie_break_text(entry, criterion_names),
        ))
    calibration_texts = {True: _("calibrated"), False: _("not calibrated: too few reviews")}
    reviewers = sorted((ReviewerSummary(name=people.get(r["reviewer_id"], ""),
                                        calibration_text=calibration_texts[r["calibrated"]], **r)
                        for r in snapshot.reviewers), key=lambda r: (r.name, r.reviewer_id))
    return Ranking(call=call, by=by, criteria=criteria, rows=rows, reviewers=reviewers, total=snapshot.rows,
                   page=page)


def ranking_page(call: Call, by: str, snapshot: RankingSnapshot, asked_page: int) -> Ranking:
    """One page of PER_PAGE rows of the stored ranking, in two queries (the rows, their names)."""
    number = clamp(asked_page, snapshot.rows, PER_PAGE)
    page = db.paginate(queries_ranking.ranking_entries(call.id, by), page=number, per_page=PER_PAGE,
                       error_out=False, count=False)
    page.total = snapshot.rows  # the snapshot knows its size: no COUNT query
    names = queries_ranking.application_names([entry.application_id for entry in page.items])
    return _ranking(call, by, snapshot, [(entry, names.get(entry.application_id, ("",) * 5)) for entry in page.items],
                    page=page)


def full_ranking(call: Call, by: str, snapshot: RankingSnapshot) -> Ranking:
    """Every row of the stored ranking, for the exports: one query for the rows with their names."""
    return _ranking(call, by, snapshot, [(row[0], tuple(row[1:]))
                                         for row in queries_ranking.ranking_entries_with_names(call.id, by)])


# --- one table for the page and the exports -----------------------------------------------------------

_HUNDREDTHS = Decimal("0.01")


@functools.lru_cache(maxsize=16)
def _number_symbols(locale_name: str) -> tuple[str, str]:
    return get_decimal_symbol(locale_name), get_group_symbol(locale_name)


def score_formatter(locale=None):
    """score_text for one locale, looked up once: the page formats a few hundred numbers per view."""
    locale = locale or get_locale()
    decimal_symbol, group_symbol = _number_symbols(str(locale))

    def score(value) -> str:
        if value is None:
            return "–"
        if value < 0:
            return format_decimal(value, format="#,##0.00", locale=locale)  # the locale's own minus sign
        text = f"{Decimal(repr(value)).quantize(_HUNDREDTHS, ROUND_HALF_EVEN):,.2f}"
        return text.replace(",", "\0").replace(".", decimal_symbol).replace("\0", group_symbol)

    return score


def score_text(value) -> str:
    """A score with two decimals in the reader's locale; a dash when there is none.

    The same text as babel's format_decimal(value, "#,##0.00"), which rounds the float's shortest decimal form half
    to even, without its pattern parsing on every call (a third of the page's time when it showed every row)."""
    return score_formatter()(value)


def count_formatter(locale=None):
    """A whole number in the locale's grouping (babel's format_decimal of an int), symbols looked up once."""
    group_symbol = _number_symbols(str(locale or get_locale()))[1]
    return lambda n: f"{n:,}".replace(",", group_symbol)


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
    return [
        row.rank, row.reference, row.business_name, row.applicant_name, row.submitted_reviews,
        _rounded(row.mean), _rounded(row.calibrated_mean), _rounded(row.median), _rounded(row.minimum),
        _rounded(row.maximum), _rounded(row.sd), _rounded(row.se),
        *(_rounded(row.criterion_means.get(c.id)) for c in ranking.criteria),
        "; ".join(row.failed), "; ".join(row.flag_texts),
    ]
