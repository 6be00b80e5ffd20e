"""rank_call against a plain reference built on the statistics module (the code rank_call had before it was made
fast): same ranks, tie-breaks, flags and figures, on random calls with ties, single reviews, N/A answers,
unanswered reviews, applications without reviews and reviewers with too few reviews to calibrate."""
import math
import random
import statistics
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.reviews.scoring import (
    TOO_FEW_REVIEWS,
    ApplicationResult,
    Criterion,
    ReviewResult,
    ScoreStats,
    _desc,
    _stdev,
    _tie_order,
    calibrate,
    rank_call,
    score_stats,
)

T0 = datetime(2025, 3, 1, 9, 0)


# --- the reference: straightforward, exact statistics, no shortcuts ------------------------------------------

def ref_review_score(answers, criteria):
    weighted, weights = [], []
    for c in criteria:
        x = answers.get(c.id)
        if x is None:
            continue
        x = float(x)
        assert c.lo <= x <= c.hi
        weighted.append(c.weight * (x - c.lo) / (c.hi - c.lo))
        weights.append(c.weight)
    total = math.fsum(weights)
    return None if total == 0 else 100 * math.fsum(weighted) / total


def ref_stats(scores):
    values = [s for s in scores if s is not None]
    if not values:
        return ScoreStats()
    sd = statistics.stdev(values) if len(values) >= 2 else None
    return ScoreStats(len(values), statistics.fmean(values), statistics.median(values), min(values), max(values),
                      sd, None if sd is None else sd / math.sqrt(len(values)))


def ref_rank_call(rows, criteria, *, by="raw", min_reviews_for_calibration=5, sd_floor=5.0,
                  disagreement_range=30.0, disagreement_sd=15.0, outlier_distance=25.0):
    submitted, reviews_of, answers_of = {}, {}, {}
    for application_id, submitted_at, review_id, reviewer_id, criterion_id, raw in rows:
        if submitted.get(application_id) is None:
            submitted[application_id] = submitted_at
        app_reviews = reviews_of.setdefault(application_id, {})
        if review_id is None:
            continue
        app_reviews.setdefault(review_id, reviewer_id)
        answers = answers_of.setdefault(review_id, {})
        if criterion_id is not None:
            answers[criterion_id] = raw
    scores = {review_id: ref_review_score(answers, criteria) for review_id, answers in answers_of.items()}

    # Calibration: per reviewer and call-wide, with statistics.fmean / statistics.stdev.
    pairs = [(reviewer_id, scores[review_id]) for app_reviews in reviews_of.values()
             for review_id, reviewer_id in app_reviews.items() if scores[review_id] is not None]
    everything = [s for _, s in pairs]
    call_mean = statistics.fmean(everything) if everything else None
    call_sd = statistics.stdev(everything) if len(everything) >= 2 else None
    per_reviewer = {}
    for reviewer_id, s in pairs:
        per_reviewer.setdefault(reviewer_id, []).append(s)
    calibrated_reviewers = {
        reviewer_id: (statistics.fmean(xs), statistics.stdev(xs))
        for reviewer_id, xs in per_reviewer.items()
        if len(xs) >= max(min_reviews_for_calibration, 2) and call_sd is not None}

    results = []
    for application_id, app_reviews in reviews_of.items():
        answer_sets = [answers_of[r] for r in app_reviews]
        stats = ref_stats(scores[r] for r in app_reviews)
        means = {}
        for c in criteria:
            xs = [float(a[c.id]) for a in answer_sets if a.get(c.id) is not None]
            means[c.id] = statistics.fmean(xs) if xs else None
        split = tuple(c.id for c in criteria if c.threshold is not None
                      and any(a.get(c.id) is not None and a[c.id] < c.threshold for a in answer_sets)
                      and any(a.get(c.id) is not None and a[c.id] >= c.threshold for a in answer_sets))
        reviews = []
        for review_id, reviewer_id in app_reviews.items():
            s = scores[review_id]
            calibrated = s is not None and reviewer_id in calibrated_reviewers
            c = s
            if calibrated:
                mean, sd = calibrated_reviewers[reviewer_id]
                c = min(100.0, max(0.0, call_mean + call_sd * (s - mean) / max(sd, sd_floor)))
            reviews.append(ReviewResult(
                review_id, reviewer_id, s, c, calibrated, None if calibrated or s is None else TOO_FEW_REVIEWS,
                s is not None and stats.count >= 2 and abs(s - stats.median) >= outlier_distance,
                dict(answers_of[review_id])))
        c_values = [r.calibrated_score for r in reviews if r.calibrated_score is not None]
        calibrated_mean = statistics.fmean(c_values) if c_values else None
        disagreement = stats.count >= 2 and (stats.range >= disagreement_range or stats.sd >= disagreement_sd)
        results.append(ApplicationResult(
            application_id, submitted[application_id], 0, by, stats.mean if by == "raw" else calibrated_mean,
            stats, calibrated_mean, means,
            tuple(c.id for c in criteria if c.threshold is not None and means[c.id] is not None
                  and means[c.id] < c.threshold),
            split, disagreement, tuple(r.review_id for r in reviews if r.outlier), tuple(reviews)))

    # The documented tie rule: score (rounded, see scoring._KEY_DECIMALS), then the criterion means from the
    # highest weight down, then the earlier submission, then the application id.
    order = _tie_order(criteria)

    def key(r):
        return (_desc(r.score), *(_desc(r.criterion_means[cid]) for cid in order),
                (1, 0) if r.submitted_at is None else (0, r.submitted_at), r.application_id)

    ranked, previous = [], None
    for position, r in enumerate(sorted(results, key=key), start=1):
        k, tie_break, tie_criterion = key(r), None, None
        if previous is not None and k[0] == previous[0]:
            first = next(i for i in range(1, len(k)) if k[i] != previous[i])
            if first <= len(order):
                tie_break, tie_criterion = "criterion", order[first - 1]
            else:
                tie_break = "submitted_at" if first == len(order) + 1 else "application_id"
        ranked.append(replace(r, rank=position, tie_break=tie_break, tie_break_criterion_id=tie_criterion))
        previous = k
    return ranked


# --- random calls -------------------------------------------------------------------------------------------

def random_call(rng: random.Random, applications: int):
    """Criteria (equal weights included, so criterion tie-breaks happen) and flat rows as ranking_rows returns
    them, ordered by application, review and criterion."""
    criteria = [Criterion(10, weight=rng.choice([0.4, 0.3]), lo=1, hi=5, threshold=rng.choice([None, 2.5, 3])),
                Criterion(11, weight=rng.choice([0.3, 0.35]), lo=1, hi=5, threshold=rng.choice([None, 2])),
                Criterion(12, weight=rng.choice([0.3, 0.25, 0.0]), lo=0, hi=10)]
    reviewers = list(range(1, rng.randint(2, 12)))  # few reviewers: many calibrated; many: most too few
    rows, review_id = [], 1000
    for application_id in range(1, applications + 1):
        # Few distinct submission times, some missing: tie-breaks reach submitted_at and the application id.
        at = rng.choice([None, T0, T0 + timedelta(days=1), T0 + timedelta(days=2)])
        n_reviews = rng.choice([0, 1, 1, 2, 3, 3, 4])
        if n_reviews == 0:
            rows.append((application_id, at, None, None, None, None))
        for reviewer_id in rng.sample(reviewers, min(n_reviews, len(reviewers))):
            review_id += 1
            if rng.random() < 0.03:
                reviewer_id = rng.randint(500, 600)  # an occasional reviewer, too few reviews to calibrate
            answered = False
            for c in criteria:
                if rng.random() < 0.15:
                    continue  # N/A
                answered = True
                rows.append((application_id, at, review_id, reviewer_id, c.id,
                             rng.randint(int(c.lo), int(c.hi))))
            if not answered:
                rows.append((application_id, at, review_id, reviewer_id, None, None))
    return criteria, rows


def assert_same(rows, criteria, **options):
    fast = rank_call(iter(rows), criteria, **options)
    reference = ref_rank_call(rows, criteria, **options)
    assert [r.application_id for r in fast] == [r.application_id for r in reference]
    for got, want in zip(fast, reference):
        assert (got.rank, got.tie_break, got.tie_break_criterion_id) == \
               (want.rank, want.tie_break, want.tie_break_criterion_id)
        assert (got.failed_criteria, got.split_criteria, got.disagreement, got.outlier_review_ids) == \
               (want.failed_criteria, want.split_criteria, want.disagreement, want.outlier_review_ids)
        # Not just within 1e-9: the same floats to the last bit, so no rounded key or flag can flip.
        assert got == want
    return fast


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), applications=st.integers(0, 60), by=st.sampled_from(["raw", "calibrated"]),
       min_reviews=st.sampled_from([1, 2, 3, 5]))
def test_rank_call_equals_the_statistics_reference(seed, applications, by, min_reviews):
    criteria, rows = random_call(random.Random(seed), applications)
    assert_same(rows, criteria, by=by, min_reviews_for_calibration=min_reviews,
                disagreement_range=20.0, disagreement_sd=10.0)


@pytest.mark.parametrize("seed", range(4))
def test_a_larger_call_has_ties_singletons_and_uncalibrated_reviewers_and_still_matches(seed):
    rng = random.Random(seed)
    criteria, rows = random_call(rng, 400)
    for by in ("raw", "calibrated"):
        fast = assert_same(rows, criteria, by=by)
    # The data really covers the cases named in the module docstring.
    assert any(r.tie_break is not None for r in fast)
    assert any(r.stats.count == 1 and r.stats.sd is None for r in fast)
    assert any(r.stats.count == 0 for r in fast)
    reviews = [review for r in fast for review in r.reviews]
    assert any(review.calibration_note == TOO_FEW_REVIEWS for review in reviews)
    assert any(review.calibrated for review in reviews)
    assert any(review.score is None for review in reviews)


def test_too_few_reviews_to_calibrate_and_exact_ties():
    # Reviewer 9 has two reviews (not calibrated); 1..3 have five each. Applications 1 and 2 have the same
    # scores in another order: exactly tied means, decided by submission time, then by id.
    plain = [Criterion(1, weight=1, lo=0, hi=100, threshold=40)]
    rows = []
    review_id = 0

    def add(app, at, reviewer, score):
        nonlocal review_id
        review_id += 1
        rows.append((app, at, review_id, reviewer, 1, score))

    for app, at, scores in [(1, T0, (70, 10, 90)), (2, T0, (90, 70, 10)), (3, T0 - timedelta(hours=1), (10, 90, 70)),
                            (4, T0, (55, 55, 55)), (5, T0, (33, 34, 35))]:
        for reviewer, score in zip((1, 2, 3), scores):
            add(app, at, reviewer, score)
    add(6, T0, 9, 50)   # a single review: no sd, no disagreement, no outliers
    add(7, T0, 9, 60)
    rows.append((8, T0, None, None, None, None))  # no reviews at all: last
    for by in ("raw", "calibrated"):
        fast = assert_same(rows, plain, by=by)
        assert fast[-1].application_id == 8
    raw = {r.application_id: r for r in rank_call(rows, plain)}
    assert [raw[a].rank for a in (3, 1, 2)] == [2, 3, 4]
    assert (raw[1].tie_break, raw[2].tie_break) == ("submitted_at", "application_id")
    assert raw[6].stats.sd is None and raw[6].reviews[0].calibration_note == TOO_FEW_REVIEWS


# --- the exact standard deviation ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=2, max_size=40))
def test_stdev_is_statistics_stdev_to_the_last_bit(values):
    assert _stdev(values) == statistics.stdev(values)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**6, 10**6),
                          st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)),
                min_size=2, max_size=10))
def test_stdev_mixed_ints_floats_and_extreme_magnitudes(values):
    assert _stdev(values) == statistics.stdev(values)


def test_stdev_cases_that_float_sums_get_wrong_and_other_types():
    rng = random.Random(7)
    for _ in range(2000):
        values = [100 * rng.random() for _ in range(rng.randint(2, 7))]
        assert _stdev(values) == statistics.stdev(values)
    assert _stdev([0, 15, 30]) == 15.0  # exactly on the default disagreement sd
    assert _stdev([1e16, 1.0, -1e16, 3.0]) == statistics.stdev([1e16, 1.0, -1e16, 3.0])
    assert _stdev([5e-324, 0.0]) == statistics.stdev([5e-324, 0.0])
    assert _stdev([42.0, 42.0, 42.0]) == 0.0
    # Types the integer route does not handle keep statistics' own answer, type included.
    assert _stdev([Decimal("1.5"), Decimal("2.5")]) == statistics.stdev([Decimal("1.5"), Decimal("2.5")])
    assert isinstance(_stdev([Decimal("1.5"), Decimal("2.5")]), Decimal)
    assert _stdev([Fraction(1, 3), Fraction(2, 3)]) == statistics.stdev([Fraction(1, 3), Fraction(2, 3)])


def test_score_stats_and_calibrate_match_statistics():
    rng = random.Random(11)
    for _ in range(300):
        values = [rng.choice([None, 100 * rng.random(), rng.randint(0, 100)]) for _ in range(rng.randint(0, 6))]
        assert score_stats(values) == ref_stats(values)
    pairs = [(rng.randint(1, 6), 100 * rng.random()) for _ in range(80)]
    calibration = calibrate(pairs)
    assert calibration.call_sd == statistics.stdev([s for _, s in pairs])
    for reviewer_id, info in calibration.reviewers.items():
        mine = [s for r, s in pairs if r == reviewer_id]
        assert (info.mean, info.sd) == (statistics.fmean(mine), statistics.stdev(mine) if len(mine) > 1 else None)
