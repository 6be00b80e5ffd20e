"""Review scores on 0-100, per-application statistics, reviewer calibration, flags and the ranking of a call."""
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

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
    return _scorer(criteria)(answers)


def _scorer(criteria: Iterable[Criterion]):
    """review_score with the criteria read once: rank_call scores tens of thousands of reviews per call."""
    parts = [(c.id, c.weight, c.lo, c.hi, c.hi - c.lo) for c in criteria]
    fsum = math.fsum

    def score(answers: Mapping) -> float | None:
        weighted, weights = [], []
        for cid, weight, lo, hi, span in parts:
            x = answers.get(cid)
            if x is None:
                continue
            x = float(x)  # Numeric columns arrive as Decimal, which refuses arithmetic with float weights
            if not lo <= x <= hi:
                raise ValueError(f"criterion {cid}: score {x!r} is outside {lo}..{hi}")
            weighted.append(weight * (x - lo) / span)
            weights.append(weight)
        total = fsum(weights)
        if total == 0:
            return None
        return 100 * fsum(weighted) / total

    return score


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
    sd = _stdev(values) if n >= 2 else None
    ordered = sorted(values)
    half = n // 2
    return ScoreStats(
        count=n,
        mean=math.fsum(values) / n,  # what statistics.fmean does
        # statistics.median, on the list already sorted
        median=ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2,
        minimum=min(values),
        maximum=max(values),
        sd=sd,
        se=None if sd is None else sd / math.sqrt(n),
    )


def _stdev(values: Sequence) -> float:
    """statistics.stdev(values) for two or more values, to the last bit, without its Fraction arithmetic.

    statistics.stdev is the correctly rounded square root of the exact sample variance, and it was most of
    rank_call's time. A float or int is an integer over a power of two, so scaling everything to the largest of
    those denominators gives plain integers and the exact variance (n*sum(x^2) - sum(x)^2) / (n*(n-1)*D^2);
    its square root is rounded the way statistics rounds it. Float sums would be off by an ulp now and then, and
    an ulp is enough to flip a threshold flag (sd >= 15) or a rounded tie key, so no float shortcut here.
    Anything else (Decimal, Fraction, inf, nan) goes to statistics.stdev itself."""
    ratios = []
    scale = 1
    for x in values:
        kind = type(x)
        if not (kind is int or kind is float and math.isfinite(x)):
            return statistics.stdev(values)
        numerator, denominator = x.as_integer_ratio()
        ratios.append((numerator, denominator))
        if denominator > scale:
            scale = denominator
    total = squares = 0
    for numerator, denominator in ratios:
        k = numerator * (scale // denominator)
        total += k
        squares += k * k
    n = len(ratios)
    return _float_sqrt_of_frac(n * squares - total * total, n * (n - 1) * scale * scale)


_SQRT_BITS = 2 * 53 + 3


def _float_sqrt_of_frac(n: int, m: int) -> float:
    """Square root of n/m (n >= 0, m > 0) as a float, correctly rounded: statistics._float_sqrt_of_frac of
    Python 3.11, copied rather than imported because it is private. A round-to-odd integer square root with
    at least 2*53+3 bits, then one rounding to float; the result depends only on the value n/m."""
    q = (n.bit_length() - m.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        numerator = _isqrt_of_frac_rto(n, m << 2 * q) << q
        denominator = 1
    else:
        numerator = _isqrt_of_frac_rto(n << -2 * q, m)
        denominator = 1 << -q
    return numerator / denominator


def _isqrt_of_frac_rto(n: int, m: int) -> int:
    a = math.isqrt(n // m)
    return a | (a * a * m != n)


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
    call_mean = math.fsum(everything) / len(everything) if everything else None
    call_sd = _stdev(everything) if len(everything) >= 2 else None
    reviewers = {}
    for reviewer_id, scores in by_reviewer.items():
        n = len(scores)
        mean = math.fsum(scores) / n
        sd = _stdev(scores) if n >= 2 else None
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
    answer_sets = list(answer_sets)
    means = {}
    for c in criteria:
        xs = [float(x) for answers in answer_sets if (x := answers.get(c.id)) is not None]
        means[c.id] = math.fsum(xs) / len(xs) if xs else None  # what statistics.fmean does
    return means


def failed_criteria(means: Mapping, criteria: Iterable[Criterion]) -> tuple:
    """Ids of criteria whose mean raw score is below their threshold; an unanswered criterion does not fail."""
    return tuple(c.id for c in criteria
                 if c.threshold is not None and means.get(c.id) is not None and means[c.id] < c.threshold)


def split_criteria(answer_sets: Iterable[Mapping], criteria: Iterable[Criterion]) -> tuple:
    """Ids of criteria where some reviewers scored below the threshold and some at or above it."""
    answer_sets = list(answer_sets)
    split = []
    for c in criteria:
        if c.threshold is not None:
            below = [x < c.threshold for answers in answer_sets if (x := answers.get(c.id)) is not None]
            if any(below) and not all(below):
                split.append(c.id)
    return tuple(split)


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


_UNSEEN = object()


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
    fsum = math.fsum

    # The single pass: group answers by application and review, in first-seen order. Rows usually come sorted
    # by application and review, so the dictionaries are only consulted when either changes.
    submitted: dict = {}
    reviews_of: dict = {}       # application id -> {review id: reviewer id}
    answers_of: dict = {}       # review id -> {criterion id: raw}
    current_app = current_review = _UNSEEN
    app_reviews = answers = None
    needs_submitted = False
    for application_id, submitted_at, review_id, reviewer_id, criterion_id, raw in rows:
        if application_id != current_app:
            current_app, current_review = application_id, _UNSEEN
            app_reviews = reviews_of.setdefault(application_id, {})
            needs_submitted = submitted.get(application_id) is None
        if needs_submitted:  # the first submitted_at that is not None
            submitted[application_id] = submitted_at
            needs_submitted = submitted_at is None
        if review_id is None:
            continue
        if review_id != current_review:
            current_review = review_id
            app_reviews.setdefault(review_id, reviewer_id)
            answers = answers_of.setdefault(review_id, {})
        if criterion_id is not None:
            answers[criterion_id] = raw  # a repeated (review, criterion) row: the last one wins

    # Everything below works on the grouped data, not on the rows.
    score = _scorer(criteria)
    scores = {review_id: score(answers) for review_id, answers in answers_of.items()}
    calibration = calibrate(
        ((reviewer_id, scores[review_id]) for app_reviews in reviews_of.values()
         for review_id, reviewer_id in app_reviews.items()),
        min_reviews=min_reviews_for_calibration, sd_floor=sd_floor)
    # Calibration.apply, with each calibrated reviewer's mean and divisor looked up once.
    call_mean, call_sd = calibration.call_mean, calibration.call_sd
    calibrators = {reviewer_id: (info.mean, max(info.sd, sd_floor))
                   for reviewer_id, info in calibration.reviewers.items() if info.calibrated}

    # Every figure below is, to the last bit, what the statistics module gives (see _stdev): the rounded sort keys
    # and the threshold flags come out as they always did, and exactly equal means stay tied.
    order = _tie_order(criteria)
    keyed = []
    for application_id, app_reviews in reviews_of.items():
        answer_sets = [answers_of[review_id] for review_id in app_reviews]
        stats = score_stats([scores[review_id] for review_id in app_reviews])
        means = criterion_means(answer_sets, criteria)
        review_results = []
        c_values = []
        median, several = stats.median, stats.count >= 2
        for review_id, reviewer_id in app_reviews.items():
            s = scores[review_id]
            calibrator = None if s is None else calibrators.get(reviewer_id)
            if calibrator is None:
                c = s
            else:
                c = call_mean + call_sd * (s - calibrator[0]) / calibrator[1]
                c = min(100.0, max(0.0, c))
            if c is not None:
                c_values.append(c)
            review_results.append(ReviewResult(
                review_id, reviewer_id, s, c, calibrator is not None,
                None if calibrator is not None or s is None else TOO_FEW_REVIEWS,
                s is not None and several and abs(s - median) >= outlier_distance,
                answers_of[review_id],  # grouped above and never changed after: no copy needed
            ))
        calibrated_mean = fsum(c_values) / len(c_values) if c_values else None
        ranked_score = stats.mean if by == "raw" else calibrated_mean
        at = submitted[application_id]
        key = (_desc(ranked_score), *[_desc(means[cid]) for cid in order],
               (1, 0) if at is None else (0, at), application_id)
        # Everything but the rank and the tie-break, which the sort below decides.
        keyed.append((key, (
            application_id, at, by, ranked_score, stats, calibrated_mean, means,
            failed_criteria(means, criteria),
            split_criteria(answer_sets, criteria),
            is_disagreement(stats, max_range=disagreement_range, max_sd=disagreement_sd),
            tuple(r.review_id for r in review_results if r.outlier),
            tuple(review_results),
        )))

    keyed.sort(key=itemgetter(0))
    ranked = []
    previous = None
    for position, (k, (application_id, at, *fields)) in enumerate(keyed, start=1):
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
        ranked.append(ApplicationResult(application_id, at, position, *fields, tie_break, tie_criterion))
        previous = k
    return ranked
