"""Review scores on 0-100, per-application statistics, reviewer calibration, flags and the ranking of a call."""
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

# Defaults; every one can be overridden per call through rank_call's keyword arguments.
MIN_REVIEWS_FOR_CALIBRATION = 5
SD_FLOOR = 5.0              # a reviewer who gives everyone ~70 must not have their tiny spread blown up
DISAGREEMENT_RANGE = 30.0
DISAGREEMENT_SD = 15.0
OUTLIER_DISTANCE = 25.0
TOO_FEW_REVIEWS = "too few reviews"

# Means are floats built from weighted sums: 65.0 and 64.99999999999999 are the same score for a ranking,
# so sort keys are rounded to this many decimals before comparing.
_KEY_DECIMALS = 9


@dataclass(frozen=True)
class Criterion:
    """One scoring criterion: raw scores run from lo to hi; threshold is the minimum acceptable mean RAW score."""

    id: int
    weight: float
    lo: float = 1
    hi: float = 5
    threshold: float | None = None
    name: str = ""

    def __post_init__(self):
        if not self.hi > self.lo:
            raise ValueError(f"criterion {self.id}: hi ({self.hi}) must be greater than lo ({self.lo})")
        if not self.weight >= 0 or math.isinf(self.weight):
            raise ValueError(f"criterion {self.id}: weight must be a finite number >= 0, not {self.weight!r}")


def review_score(answers: Mapping, criteria: Iterable[Criterion]) -> float | None:
    """S on 0-100: 100 * sum(w * (x - lo) / (hi - lo)) / sum(w), over ANSWERED criteria only.

    answers maps criterion id -> raw score, or None for "not applicable". N/A and missing answers are left
    out and the weights renormalised: a reviewer who cannot judge a criterion must not drag the score down
    as if they had given it the minimum. None when nothing (with weight > 0) was answered.
    Answers for ids not among the criteria are ignored; a raw score outside [lo, hi] raises ValueError."""
    weighted, weights = [], []
    for c in criteria:
        x = answers.get(c.id)
        if x is None:
            continue
        x = float(x)  # Numeric columns arrive as Decimal, which refuses arithmetic with float weights
        if not c.lo <= x <= c.hi:
            raise ValueError(f"criterion {c.id}: score {x!r} is outside {c.lo}..{c.hi}")
        weighted.append(c.weight * (x - c.lo) / (c.hi - c.lo))
        weights.append(c.weight)
    total = math.fsum(weights)
    if total == 0:
        return None
    return 100 * math.fsum(weighted) / total


@dataclass(frozen=True)
class ScoreStats:
    """Summary of one application's review scores. sd is the SAMPLE standard deviation (n - 1): the reviews
    are a sample of the opinions the application could have got. sd and se are None below two scores."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    sd: float | None = None
    se: float | None = None

    @property
    def range(self) -> float | None:
        return None if self.count == 0 else self.maximum - self.minimum


def score_stats(scores: Iterable[float]) -> ScoreStats:
    """count, mean, median, min, max, sample sd and standard error (sd / sqrt(n)) of the scores."""
    values = [s for s in scores if s is not None]
    n = len(values)
    if n == 0:
        return ScoreStats()
    sd = statistics.stdev(values) if n >= 2 else None
    return ScoreStats(
        count=n,
        mean=statistics.fmean(values),
        median=statistics.median(values),
        minimum=min(values),
        maximum=max(values),
        sd=sd,
        se=None if sd is None else sd / math.sqrt(n),
    )


@dataclass(frozen=True)
class ReviewerCalibration:
    """One reviewer's mean and sample sd over their scored reviews in the call; note says why not calibrated."""

    reviewer_id: int
    count: int
    mean: float | None
    sd: float | None
    calibrated: bool
    note: str | None = None


@dataclass(frozen=True)
class Calibration:
    """Call-wide mean and sd of all review scores plus each reviewer's own; apply() maps S to C."""

    call_mean: float | None
    call_sd: float | None
    reviewers: dict
    sd_floor: float = SD_FLOOR

    def apply(self, reviewer_id, score: float | None) -> float | None:
        """C = clip(mu + sigma * (S - mu_r) / max(sigma_r, floor), 0, 100) for calibrated reviewers, else S."""
        info = self.reviewers.get(reviewer_id)
        if score is None or info is None or not info.calibrated:
            return score
        c = self.call_mean + self.call_sd * (score - info.mean) / max(info.sd, self.sd_floor)
        return min(100.0, max(0.0, c))


def calibrate(scored_reviews: Iterable[tuple], *, min_reviews: int = MIN_REVIEWS_FOR_CALIBRATION,
              sd_floor: float = SD_FLOOR) -> Calibration:
    """Calibration from (reviewer_id, S) pairs of one call; reviews with S None are not counted anywhere.

    Only reviewers with at least min_reviews scored reviews are calibrated: a mean and sd from two or three
    reviews say more about which applications they drew than about how harsh they are."""
    by_reviewer: dict = {}
    everything = []
    for reviewer_id, score in scored_reviews:
        if score is None:
            continue
        by_reviewer.setdefault(reviewer_id, []).append(score)
        everything.append(score)
    call_mean = statistics.fmean(everything) if everything else None
    call_sd = statistics.stdev(everything) if len(everything) >= 2 else None
    reviewers = {}
    for reviewer_id, scores in by_reviewer.items():
        n = len(scores)
        mean = statistics.fmean(scores)
        sd = statistics.stdev(scores) if n >= 2 else None
        # min_reviews below 2 would leave sd undefined; such a reviewer stays uncalibrated whatever the setting.
        ok = n >= max(min_reviews, 2) and call_sd is not None
        reviewers[reviewer_id] = ReviewerCalibration(reviewer_id, n, mean, sd, ok, None if ok else TOO_FEW_REVIEWS)
    return Calibration(call_mean, call_sd, reviewers, sd_floor)


@dataclass(frozen=True)
class ReviewResult:
    """One review within an application's result: S, C, whether C is calibrated, and its raw answers."""

    review_id: int
    reviewer_id: int
    score: float | None
    calibrated_score: float | None
    calibrated: bool
    calibration_note: str | None
    outlier: bool
    answers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ApplicationResult:
    """One application of a ranked call.

    stats describe the raw scores S; calibrated_mean is the mean of the reviews' C values; score is whichever
    of the two the call was ranked by. failed_criteria: criteria whose mean RAW score is below the threshold.
    tie_break says what separated this application from the one ranked just above it when their scores were
    equal: "criterion" (then tie_break_criterion_id says which), "submitted_at", "application_id"; None when
    the score alone decided (or for the first)."""

    application_id: int
    submitted_at: object
    rank: int
    ranked_by: str
    score: float | None
    stats: ScoreStats
    calibrated_mean: float | None
    criterion_means: dict
    failed_criteria: tuple
    split_criteria: tuple
    disagreement: bool
    outlier_review_ids: tuple
    reviews: tuple
    tie_break: str | None = None
    tie_break_criterion_id: int | None = None

    @property
    def mean(self) -> float | None:
        return self.stats.mean

    @property
    def flagged(self) -> bool:
        return bool(self.disagreement or self.outlier_review_ids or self.split_criteria)


def criterion_means(answer_sets: Iterable[Mapping], criteria: Iterable[Criterion]) -> dict:
    """Criterion id -> mean raw score over the answers that are not N/A (None when nobody answered it)."""
    criteria = list(criteria)
    raw: dict = {c.id: [] for c in criteria}
    for answers in answer_sets:
        for c in criteria:
            x = answers.get(c.id)
            if x is not None:
                raw[c.id].append(float(x))
    return {cid: (statistics.fmean(xs) if xs else None) for cid, xs in raw.items()}


def failed_criteria(means: Mapping, criteria: Iterable[Criterion]) -> tuple:
    """Ids of criteria whose mean raw score is below their threshold; an unanswered criterion does not fail."""
    return tuple(c.id for c in criteria
                 if c.threshold is not None and means.get(c.id) is not None and means[c.id] < c.threshold)


def split_criteria(answer_sets: Iterable[Mapping], criteria: Iterable[Criterion]) -> tuple:
    """Ids of criteria where some reviewers scored below the threshold and some at or above it."""
    criteria = [c for c in criteria if c.threshold is not None]
    below, above = set(), set()
    for answers in answer_sets:
        for c in criteria:
            x = answers.get(c.id)
            if x is not None:
                (below if x < c.threshold else above).add(c.id)
    return tuple(c.id for c in criteria if c.id in below and c.id in above)


def is_disagreement(stats: ScoreStats, *, max_range: float = DISAGREEMENT_RANGE,
                    max_sd: float = DISAGREEMENT_SD) -> bool:
    """Reviewers disagree when the scores span max_range or more, or their sd reaches max_sd."""
    if stats.count < 2:
        return False
    return stats.range >= max_range or (stats.sd is not None and stats.sd >= max_sd)


def _tie_order(criteria: Sequence[Criterion]) -> list:
    """Criterion ids from the highest weight down; equal weights keep the order the call lists them in."""
    return [c.id for _, c in sorted(enumerate(criteria), key=lambda ic: (-ic[1].weight, ic[0]))]


def _desc(value: float | None) -> tuple:
    # Higher is better and a missing value goes last, without ever comparing None with a float.
    return (1, 0.0) if value is None else (0, -round(value, _KEY_DECIMALS))


def rank_call(rows: Iterable, criteria: Sequence[Criterion], *, by: str = "raw",
              min_reviews_for_calibration: int = MIN_REVIEWS_FOR_CALIBRATION, sd_floor: float = SD_FLOOR,
              disagreement_range: float = DISAGREEMENT_RANGE, disagreement_sd: float = DISAGREEMENT_SD,
              outlier_distance: float = OUTLIER_DISTANCE) -> list:
    """Rank every application of one call from flat rows, reading the rows exactly once.

    rows: (application_id, submitted_at, review_id, reviewer_id, criterion_id, raw_score_or_None) tuples,
    e.g. straight from one query joining applications, submitted reviews and their answers. An application
    without reviews may come as a row with review_id None (outer join); a review without answers as a row
    with criterion_id None. rows may be a one-shot iterator or cursor.

    by="raw" ranks by the mean S, by="calibrated" by the mean C. Ties: mean raw score on the highest-weighted
    criterion, then the next weight down, then the earlier submitted_at, then the application id (so the
    order is total). Applications without any score come last. Flags always use the raw scores S."""
    if by not in ("raw", "calibrated"):
        raise ValueError(f"by must be 'raw' or 'calibrated', not {by!r}")
    criteria = list(criteria)

    # The single pass: group answers by application and review, in first-seen order.
    submitted: dict = {}
    reviews_of: dict = {}       # application id -> {review id: reviewer id}
    answers_of: dict = {}       # review id -> {criterion id: raw}
    for application_id, submitted_at, review_id, reviewer_id, criterion_id, raw in rows:
        if submitted.get(application_id) is None:
            submitted[application_id] = submitted_at
        app_reviews = reviews_of.setdefault(application_id, {})
        if review_id is None:
            continue
        app_reviews.setdefault(review_id, reviewer_id)
        answers = answers_of.setdefault(review_id, {})
        if criterion_id is not None:
            answers[criterion_id] = raw  # a repeated (review, criterion) row: the last one wins

    # Everything below works on the grouped data, not on the rows.
    scores = {review_id: review_score(answers, criteria) for review_id, answers in answers_of.items()}
    calibration = calibrate(
        ((reviewer_id, scores[review_id]) for app_reviews in reviews_of.values()
         for review_id, reviewer_id in app_reviews.items()),
        min_reviews=min_reviews_for_calibration, sd_floor=sd_floor)

    results = []
    for application_id, app_reviews in reviews_of.items():
        answer_sets = [answers_of[review_id] for review_id in app_reviews]
        stats = score_stats(scores[review_id] for review_id in app_reviews)
        means = criterion_means(answer_sets, criteria)
        review_results = []
        for review_id, reviewer_id in app_reviews.items():
            s = scores[review_id]
            info = calibration.reviewers.get(reviewer_id)
            calibrated = s is not None and info is not None and info.calibrated
            review_results.append(ReviewResult(
                review_id=review_id,
                reviewer_id=reviewer_id,
                score=s,
                calibrated_score=calibration.apply(reviewer_id, s),
                calibrated=calibrated,
                calibration_note=None if calibrated or s is None else TOO_FEW_REVIEWS,
                outlier=s is not None and stats.count >= 2 and abs(s - stats.median) >= outlier_distance,
                answers=dict(answers_of[review_id]),
            ))
        c_values = [r.calibrated_score for r in review_results if r.calibrated_score is not None]
        calibrated_mean = statistics.fmean(c_values) if c_values else None
        results.append(ApplicationResult(
            application_id=application_id,
            submitted_at=submitted[application_id],
            rank=0,
            ranked_by=by,
            score=stats.mean if by == "raw" else calibrated_mean,
            stats=stats,
            calibrated_mean=calibrated_mean,
            criterion_means=means,
            failed_criteria=failed_criteria(means, criteria),
            split_criteria=split_criteria(answer_sets, criteria),
            disagreement=is_disagreement(stats, max_range=disagreement_range, max_sd=disagreement_sd),
            outlier_review_ids=tuple(r.review_id for r in review_results if r.outlier),
            reviews=tuple(review_results),
        ))

    order = _tie_order(criteria)

    def key(result: ApplicationResult) -> tuple:
        return (
            _desc(result.score),
            *(_desc(result.criterion_means[cid]) for cid in order),
            (1, 0) if result.submitted_at is None else (0, result.submitted_at),
            result.application_id,
        )

    keyed = sorted(((key(r), r) for r in results), key=lambda kr: kr[0])
    ranked = []
    previous = None
    for position, (k, result) in enumerate(keyed, start=1):
        tie_break, tie_criterion = None, None
        if previous is not None and k[0] == previous[0]:
            # Same score as the one above: name the first key that told them apart.
            first = next(i for i in range(1, len(k)) if k[i] != previous[i])
            if first <= len(order):
                tie_break, tie_criterion = "criterion", order[first - 1]
            elif first == len(order) + 1:
                tie_break = "submitted_at"
            else:
                tie_break = "application_id"
        ranked.append(replace(result, rank=position, tie_break=tie_break, tie_break_criterion_id=tie_criterion))
        previous = k
    return ranked

