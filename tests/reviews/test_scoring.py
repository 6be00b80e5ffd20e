"""Tests for review scoring: the 0-100 score, N/A, statistics, calibration, flags and the ranking of a call."""
import math
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.reviews.scoring import (
    TOO_FEW_REVIEWS,
    ApplicationResult,
    Criterion,
    ScoreStats,
    calibrate,
    is_disagreement,
    rank_call,
    review_score,
    score_stats,
)

T0 = datetime(2025, 3, 1, 9, 0)
# One criterion on 0..100: S equals the raw score, which keeps hand computations readable.
PLAIN = [Criterion(1, weight=1, lo=0, hi=100)]


def rows_for(reviews):
    """Flat rows as one query returns them, from (application_id, submitted_at, review_id, reviewer_id,
    {criterion_id: raw}) tuples."""
    return [
        (app_id, submitted_at, review_id, reviewer_id, criterion_id, raw)
        for app_id, submitted_at, review_id, reviewer_id, answers in reviews
        for criterion_id, raw in answers.items()
    ]


def by_id(results):
    return {r.application_id: r for r in results}


# ---------------------------------------------------------------- review_score

def test_worked_example_is_65():
    criteria = [Criterion(1, 0.5), Criterion(2, 0.3), Criterion(3, 0.2)]  # all on 1..5
    # (5-1)/4 = 1, (3-1)/4 = 0.5, (1-1)/4 = 0  ->  100 * (0.5*1 + 0.3*0.5 + 0.2*0) / 1.0 = 65
    assert review_score({1: 5, 2: 3, 3: 1}, criteria) == pytest.approx(65)


def test_not_applicable_is_left_out_and_weights_renormalised():
    criteria = [Criterion(1, 0.5), Criterion(2, 0.3), Criterion(3, 0.2)]
    # Criterion 2 N/A: 100 * (0.5*1 + 0.2*0) / (0.5 + 0.2) = 100 * 0.5 / 0.7 = 71.43, not the 50 that
    # counting N/A as zero would give.
    assert review_score({1: 5, 2: None, 3: 1}, criteria) == pytest.approx(500 / 7)
    # A missing answer is the same as N/A.
    assert review_score({1: 5, 3: 1}, criteria) == pytest.approx(500 / 7)
    # Renormalising means N/A neither helps nor hurts: one answered criterion at 3/5 is 50 alone.
    assert review_score({1: None, 2: 3, 3: None}, criteria) == pytest.approx(50)


def test_nothing_answered_is_none_not_zero():
    criteria = [Criterion(1, 0.5), Criterion(2, 0.5)]
    assert review_score({1: None, 2: None}, criteria) is None
    assert review_score({}, criteria) is None
    # Only a zero-weight criterion answered: nothing weighs in either.
    assert review_score({3: 5}, [Criterion(3, 0), Criterion(4, 1)]) is None


def test_score_ends_and_different_scales():
    criteria = [Criterion(1, 2, lo=0, hi=10), Criterion(2, 1, lo=1, hi=3)]
    assert review_score({1: 0, 2: 1}, criteria) == 0
    assert review_score({1: 10, 2: 3}, criteria) == 100
    # 100 * (2 * 0.5 + 1 * 1) / 3 = 66.67
    assert review_score({1: 5, 2: 3}, criteria) == pytest.approx(200 / 3)
    assert review_score({1: Decimal("5"), 2: Decimal("3")}, criteria) == pytest.approx(200 / 3)


def test_unknown_criteria_are_ignored_and_bad_input_refused():
    assert review_score({1: 5, 99: 1}, [Criterion(1, 1)]) == 100
    with pytest.raises(ValueError):
        review_score({1: 6}, [Criterion(1, 1)])
    with pytest.raises(ValueError):
        review_score({1: 0}, [Criterion(1, 1)])
    with pytest.raises(ValueError):
        Criterion(1, 1, lo=5, hi=5)
    with pytest.raises(ValueError):
        Criterion(1, -0.1)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.one_of(st.none(), st.integers(1, 5))), min_size=1, max_size=6))
def test_score_is_between_0_and_100_and_ignores_na(pairs):
    criteria = [Criterion(i, w) for i, (w, _) in enumerate(pairs)]
    answers = {i: x for i, (_, x) in enumerate(pairs)}
    s = review_score(answers, criteria)
    answered = [(w, x) for w, x in pairs if x is not None and w > 0]
    if not answered:
        assert s is None
        return
    assert 0 - 1e-9 <= s <= 100 + 1e-9
    # Dropping the N/A criteria altogether gives the same score.
    kept = [c for c in criteria if answers[c.id] is not None]
    assert review_score(answers, kept) == pytest.approx(s)


# ---------------------------------------------------------------- statistics

def test_score_stats_by_hand():
    # 30, 50, 50: mean 130/3; squared deviations (40/3)^2 + 2*(20/3)^2 = 2400/9; sample variance (n-1 = 2)
    # 1200/9 = 400/3, sd = 20/sqrt(3) = 11.547; se = sd/sqrt(3) = 20/3.
    stats = score_stats([30, 50, 50])
    assert stats.count == 3
    assert stats.mean == pytest.approx(130 / 3)
    assert stats.median == 50
    assert (stats.minimum, stats.maximum, stats.range) == (30, 50, 20)
    assert stats.sd == pytest.approx(20 / math.sqrt(3))
    assert stats.se == pytest.approx(20 / 3)


def test_score_stats_small_samples():
    assert score_stats([]) == ScoreStats()
    one = score_stats([70])
    assert (one.count, one.mean, one.median, one.sd, one.se) == (1, 70, 70, None, None)
    two = score_stats([40, 60, None])
    # Sample sd of 40, 60: sqrt((100 + 100) / 1) = 14.142; even median is the mid-point.
    assert (two.count, two.median) == (2, 50)
    assert two.sd == pytest.approx(math.sqrt(200))


def test_disagreement_by_range_or_sd():
    assert is_disagreement(score_stats([20, 50]))             # range 30
    assert not is_disagreement(score_stats([40, 60]))         # range 20, sd 14.14
    assert is_disagreement(score_stats([40, 62]))             # range 22, sd 22/sqrt(2) = 15.56
    assert not is_disagreement(score_stats([0]))
    assert not is_disagreement(score_stats([20, 50]), max_range=31, max_sd=100)


# ---------------------------------------------------------------- the hand-computed call

def hand_computed_call():
    """One criterion, 0..10, weight 1, threshold 5: S = 10 * raw.

    reviewer 1 (A): apps 1..5 raw 3 3 4 5 5 -> S 30 30 40 50 50
    reviewer 2 (B): apps 1..5 raw 5 5 6 7 7 -> S 50 50 60 70 70
    reviewer 3 (C): app 1 raw 5            -> S 50 (one review only)
    App 5 was submitted before app 4."""
    criteria = [Criterion(1, 1, lo=0, hi=10, threshold=5)]
    submitted = {1: T0, 2: T0 + timedelta(hours=1), 3: T0 + timedelta(hours=2),
                 4: T0 + timedelta(hours=4), 5: T0 + timedelta(hours=3)}
    reviews = []
    for app_id, raw_a, raw_b in [(1, 3, 5), (2, 3, 5), (3, 4, 6), (4, 5, 7), (5, 5, 7)]:
        reviews.append((app_id, submitted[app_id], 100 + app_id, 1, {1: raw_a}))
        reviews.append((app_id, submitted[app_id], 200 + app_id, 2, {1: raw_b}))
    reviews.append((1, submitted[1], 301, 3, {1: 5}))
    return rows_for(reviews), criteria


def test_calibration_by_hand():
    rows, criteria = hand_computed_call()
    results = by_id(rank_call(iter(rows), criteria, by="calibrated"))
    # Call: 11 scores summing to 200 + 300 + 50 = 550, so mu = 50.
    # Squared deviations from 50: A 400 400 100 0 0, B 0 0 100 400 400, C 0 -> 1800; sigma = sqrt(1800/10).
    sigma = math.sqrt(180)  # 13.416
    # A: mean 40, deviations -10 -10 0 10 10 -> sd sqrt(400/4) = 10 (above the floor of 5).
    # B: mean 60, sd 10. C has one review: not calibrated, C = S.
    # C = 50 + sigma * (S - mu_r) / 10, so A's 30 and B's 50 both become 50 - sigma, and so on.
    app1 = results[1]
    [a, b, c] = sorted(app1.reviews, key=lambda r: r.reviewer_id)
    assert a.calibrated and b.calibrated
    assert a.calibrated_score == pytest.approx(50 - sigma)
    assert b.calibrated_score == pytest.approx(50 - sigma)
    assert not c.calibrated and c.calibration_note == TOO_FEW_REVIEWS and c.calibrated_score == 50
    # App 1 calibrated mean: (50 - sigma + 50 - sigma + 50) / 3 = 50 - 2 sigma / 3 = 41.06
    assert app1.calibrated_mean == pytest.approx(50 - 2 * sigma / 3)
    assert results[2].calibrated_mean == pytest.approx(50 - sigma)     # 30 -> 50-s, 50 -> 50-s
    assert results[3].calibrated_mean == pytest.approx(50)             # 40 -> 50, 60 -> 50
    assert results[4].calibrated_mean == pytest.approx(50 + sigma)     # 50 -> 50+s, 70 -> 50+s
    # Raw side of app 1: 30, 50, 50 (see test_score_stats_by_hand).
    assert app1.stats.mean == pytest.approx(130 / 3)
    assert app1.stats.sd == pytest.approx(20 / math.sqrt(3))
    assert app1.score == app1.calibrated_mean and app1.ranked_by == "calibrated"


def test_thresholds_and_flags_by_hand():
    rows, criteria = hand_computed_call()
    results = by_id(rank_call(rows, criteria))
    # Mean raw: app 1 (3+5+5)/3 = 4.33, app 2 4, app 3 5, app 4 6. Threshold 5: below fails, equal passes.
    assert results[1].criterion_means == {1: pytest.approx(13 / 3)}
    assert results[1].failed_criteria == (1,)
    assert results[2].failed_criteria == (1,)
    assert results[3].failed_criteria == ()
    assert results[4].failed_criteria == ()
    # Split: app 1 has a 3 (< 5) and two 5s (>= 5); app 3 a 4 and a 6; app 4 5 and 7 are both >= 5.
    assert results[1].split_criteria == (1,)
    assert results[3].split_criteria == (1,)
    assert results[4].split_criteria == ()
    # No disagreement anywhere: the widest range is 20 and the largest sd 20/sqrt(2) = 14.1 (apps 2..5).
    assert not any(r.disagreement for r in results.values())
    # No outliers: every score is within 20 of its application's median.
    assert not any(r.outlier_review_ids for r in results.values())


def test_ranking_by_hand_with_submission_time_tie_break():
    rows, criteria = hand_computed_call()
    # Raw means: app 4 = app 5 = 60, app 3 = 50, app 1 = 43.3, app 2 = 40. Apps 4 and 5 tie on the score
    # and on the only criterion (6), so the earlier submission (app 5) goes first.
    for by in ("raw", "calibrated"):
        ranked = rank_call(rows, criteria, by=by)
        assert [r.application_id for r in ranked] == [5, 4, 3, 1, 2]
        assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
        assert [r.tie_break for r in ranked] == [None, "submitted_at", None, None, None]


def test_disagreement_and_outlier_flags():
    reviews = [
        # App 1: 20, 50, 60 -> range 40 >= 30: disagreement; median 50, |20 - 50| = 30 >= 25: outlier.
        (1, T0, 11, 1, {1: 20}), (1, T0, 12, 2, {1: 50}), (1, T0, 13, 3, {1: 60}),
        # App 2: 50, 75, 75 -> median 75, |50 - 75| = 25 exactly: outlier. Range 25 and
        # sd sqrt(((50/3)^2 + 2 (25/3)^2) / 2) = 14.4: no disagreement.
        (2, T0, 21, 1, {1: 50}), (2, T0, 22, 2, {1: 75}), (2, T0, 23, 3, {1: 75}),
        # App 3: 40, 62 -> range 22 but sd 22 / sqrt(2) = 15.6 >= 15: disagreement; median 51, no outlier.
        (3, T0, 31, 1, {1: 40}), (3, T0, 32, 2, {1: 62}),
    ]
    results = by_id(rank_call(rows_for(reviews), PLAIN))
    assert results[1].disagreement and results[1].outlier_review_ids == (11,)
    assert not results[2].disagreement and results[2].outlier_review_ids == (21,)
    assert results[3].disagreement and results[3].outlier_review_ids == ()
    assert all(r.flagged for r in results.values())
    # Parameters change the thresholds.
    relaxed = by_id(rank_call(rows_for(reviews), PLAIN, disagreement_range=50, disagreement_sd=25,
                              outlier_distance=31))
    assert not any(r.flagged for r in relaxed.values())


# ---------------------------------------------------------------- calibration

def harsh_and_lenient_call():
    # Reviewer 1 is harsh: apps 1..5 get 60 (his best by far), 20, 25, 30, 35.
    # Reviewer 2 is lenient: apps 6..10 get 75 (her worst by far), 85, 90, 95, 100.
    reviews = []
    for i, score in enumerate([60, 20, 25, 30, 35]):
        reviews.append((1 + i, T0, 100 + i, 1, {1: score}))
    for i, score in enumerate([75, 85, 90, 95, 100]):
        reviews.append((6 + i, T0, 200 + i, 2, {1: score}))
    return rows_for(reviews)


def test_calibration_changes_the_order_of_a_harsh_and_a_lenient_reviewer():
    rows = harsh_and_lenient_call()
    raw = [r.application_id for r in rank_call(rows, PLAIN, by="raw")]
    calibrated = [r.application_id for r in rank_call(rows, PLAIN, by="calibrated")]
    # Raw: the lenient reviewer's worst (app 6, 75) beats the harsh reviewer's best (app 1, 60).
    assert raw.index(6) < raw.index(1)
    # Calibrated: the harsh reviewer's best is well above his own mean (34), the lenient reviewer's worst
    # well below hers (89), so app 1 now comes first.
    assert calibrated.index(1) < calibrated.index(6)
    assert calibrated[0] == 1


def test_fewer_than_five_reviews_are_not_calibrated():
    # Reviewer 1 has 4 reviews, reviewer 2 has 5: only reviewer 2 is calibrated.
    reviews = [(i, T0, 10 + i, 1, {1: 20 + 10 * i}) for i in range(1, 5)]
    reviews += [(i, T0, 20 + i, 2, {1: 50 + 5 * i}) for i in range(1, 6)]
    results = by_id(rank_call(rows_for(reviews), PLAIN, by="calibrated"))
    for app_id in range(1, 5):
        review = next(r for r in results[app_id].reviews if r.reviewer_id == 1)
        assert not review.calibrated
        assert review.calibration_note == "too few reviews"
        assert review.calibrated_score == review.score
    for app_id in range(1, 6):
        review = next(r for r in results[app_id].reviews if r.reviewer_id == 2)
        assert review.calibrated and review.calibration_note is None
    # The threshold is a parameter.
    lowered = by_id(rank_call(rows_for(reviews), PLAIN, min_reviews_for_calibration=4))
    assert all(r.calibrated for r in lowered[1].reviews)


def test_calibration_clips_at_0_and_100_and_floors_the_reviewer_sd():
    # Harsh H (1): 0 0 0 0 10 -> mean 2, sd sqrt((4*4 + 8^2)/4) = sqrt(20) = 4.47 -> floored to 5.
    # Lenient L (2): 100 100 100 100 90 -> mean 98, sd sqrt(20) -> 5.
    # Call: mean 500/10 = 50; squared deviations 4*2500 + 1600 twice = 23200 -> sigma = sqrt(23200/9) = 50.8.
    reviews = [(1 + i, T0, 10 + i, 1, {1: s}) for i, s in enumerate([0, 0, 0, 0, 10])]
    reviews += [(6 + i, T0, 20 + i, 2, {1: s}) for i, s in enumerate([100, 100, 100, 100, 90])]
    results = by_id(rank_call(rows_for(reviews), PLAIN, by="calibrated"))
    sigma = math.sqrt(23200 / 9)
    # H's 10: 50 + sigma * (10 - 2) / 5 = 131 -> 100.   H's 0: 50 + sigma * (-2) / 5 = 29.7.
    assert 50 + sigma * 8 / 5 > 100
    assert results[5].calibrated_mean == 100
    assert results[1].calibrated_mean == pytest.approx(50 - sigma * 2 / 5)
    # L's 90: 50 + sigma * (90 - 98) / 5 = -31 -> 0.     L's 100: 50 + sigma * 2 / 5 = 70.3.
    assert results[10].calibrated_mean == 0
    assert results[6].calibrated_mean == pytest.approx(50 + sigma * 2 / 5)


def test_calibrate_directly():
    calibration = calibrate([(1, 30), (1, 30), (1, 40), (1, 50), (1, 50), (2, 90), (3, None)])
    assert calibration.reviewers[1].calibrated
    assert (calibration.reviewers[1].mean, calibration.reviewers[1].sd) == (40, 10)
    assert not calibration.reviewers[2].calibrated and calibration.reviewers[2].note == TOO_FEW_REVIEWS
    assert 3 not in calibration.reviewers  # only N/A: no score to count
    assert calibration.apply(2, 90) == 90
    assert calibration.apply(1, None) is None
    assert calibration.apply("unknown", 42) == 42


# ---------------------------------------------------------------- tie-breaks

def test_ties_go_to_the_highest_weighted_criterion_first():
    # Listed out of weight order on purpose: the rule follows the weights, not the list.
    criteria = [Criterion("c3", 0.2), Criterion("c1", 0.5), Criterion("c2", 0.3)]
    reviews = [
        # X: (4, 2, 3) -> 100 * (0.5*3/4 + 0.3*1/4 + 0.2*2/4) = 55
        (1, T0 + timedelta(days=1), 11, 1, {"c1": 4, "c2": 2, "c3": 3}),
        # Y: (3, 5, 1) -> 100 * (0.5*2/4 + 0.3*4/4 + 0.2*0) = 55, with a lower c1 and an earlier submission
        (2, T0, 21, 1, {"c1": 3, "c2": 5, "c3": 1}),
        # P: (3, 3, 3) -> 50; Q: (3, 2, 4.5) -> 100 * (0.5*2/4 + 0.3*1/4 + 0.2*3.5/4) = 50.
        # Same c1, so the next weight (c2: 3 > 2) decides.
        (3, T0 + timedelta(days=1), 31, 1, {"c1": 3, "c2": 3, "c3": 3}),
        (4, T0, 41, 1, {"c1": 3, "c2": 2, "c3": 4.5}),
    ]
    ranked = rank_call(rows_for(reviews), criteria)
    assert [r.score for r in ranked] == pytest.approx([55, 55, 50, 50])
    assert [r.application_id for r in ranked] == [1, 2, 3, 4]
    assert [(r.tie_break, r.tie_break_criterion_id) for r in ranked] == [
        (None, None), ("criterion", "c1"), (None, None), ("criterion", "c2")]


def test_full_ties_fall_back_to_submission_time_then_id():
    reviews = [
        (7, T0 + timedelta(minutes=5), 71, 1, {1: 80}),
        (8, T0, 81, 1, {1: 80}),
        (9, T0, 91, 1, {1: 80}),
    ]
    ranked = rank_call(rows_for(reviews), PLAIN)
    assert [r.application_id for r in ranked] == [8, 9, 7]
    assert [r.tie_break for r in ranked] == [None, "application_id", "submitted_at"]


def test_equal_weights_keep_the_listed_order():
    criteria = [Criterion("b", 1), Criterion("a", 1)]
    # Both 50; app 1 is better on "a", app 2 on "b", and "b" is listed first.
    reviews = [(1, T0, 11, 1, {"b": 2, "a": 4}), (2, T0, 21, 1, {"b": 4, "a": 2})]
    ranked = rank_call(rows_for(reviews), criteria)
    assert [r.application_id for r in ranked] == [2, 1]
    assert ranked[1].tie_break_criterion_id == "b"


# ---------------------------------------------------------------- rows

def test_one_pass_over_an_iterator_with_outer_join_rows():
    class OneShot:
        """A cursor that can be read once; a second pass would see nothing."""

        def __init__(self, rows):
            self.rows, self.used = rows, False

        def __iter__(self):
            assert not self.used, "rank_call read the rows twice"
            self.used = True
            yield from self.rows

    rows = [
        (1, T0, 11, 1, 1, 80),
        (1, T0, 12, 2, 1, None),            # a review that answered everything N/A: no score
        (2, T0, None, None, None, None),    # an application nobody reviewed yet (outer join)
        (3, T0, 31, 1, None, None),         # a review without answers
        (4, T0, 41, 1, 1, Decimal("60")),   # Numeric column
    ]
    ranked = rank_call(OneShot(rows), PLAIN)
    assert [r.application_id for r in ranked] == [1, 4, 2, 3]
    results = by_id(ranked)
    assert results[1].stats.count == 1 and results[1].score == 80
    assert len(results[1].reviews) == 2
    assert results[2].stats.count == 0 and results[2].score is None and results[2].reviews == ()
    assert results[3].score is None and results[3].reviews[0].score is None
    assert results[4].score == 60
    assert all(isinstance(r, ApplicationResult) for r in ranked)


def test_rank_call_rejects_an_unknown_ranking():
    with pytest.raises(ValueError):
        rank_call([], PLAIN, by="median")
    assert rank_call([], PLAIN) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 4), st.one_of(st.none(), st.integers(0, 100))),
                max_size=40, unique_by=lambda t: (t[0], t[1])))
def test_ranking_is_total_and_ordered_by_score(reviews):
    # (application, reviewer, score) with one review per reviewer and application.
    rows = [(app, T0, app * 10 + reviewer, reviewer, 1, score) for app, reviewer, score in reviews]
    for by in ("raw", "calibrated"):
        ranked = rank_call(rows, PLAIN, by=by)
        assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
        assert sorted(r.application_id for r in ranked) == sorted({app for app, _, _ in reviews})
        scores = [r.score for r in ranked]
        present = [s for s in scores if s is not None]
        assert scores[:len(present)] == present, "unscored applications must come last"
        assert all(a >= b - 1e-9 for a, b in zip(present, present[1:]))
        for r in ranked:
            assert all(0 <= rv.calibrated_score <= 100 for rv in r.reviews if rv.calibrated_score is not None)
