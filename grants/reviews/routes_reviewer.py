"""Routes for reviewers: their queue, the application as a reviewer may see it, scoring, conflicts, history.

Every review page loads the review with get_or_404(..., can_open_review): a review assigned to someone
else, or gone after a declared conflict, answers 404 and reveals nothing.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..views import refuse
from ..errors import ActionRefused
from ..extensions import db
from ..models import ConflictKind, Recommendation, Review, ReviewStatus, utcnow
from ..permissions import (
    can_comment_on_application, can_open_review, can_review, can_see_other_reviews, can_view_application,
    can_view_document, can_view_review_history, get_or_404, is_reviewer, is_staff, require, sees_identity, signed_in,
)
from ..screening import services as screening_services
from ..screening.forms import CommentForm
from . import bp, queries, queries_reviewer, services
from .forms_reviewer import ConflictForm, scoring_form


# Ids are INTEGER columns: a larger number cannot even be sent to PostgreSQL (nor SQLite past 2**63): 404, not 500.
MAX_ID = 2**31 - 1


def _review_or_404(review_id: int, predicate) -> Review:
    if not 0 < review_id <= MAX_ID:
        abort(404)
    return get_or_404(Review, review_id, predicate)


def _my_review(review_id: int) -> Review:
    return _review_or_404(review_id, can_open_review)


def _labels(count: int) -> list[str]:
    """Reviewer A, Reviewer B, ... Reviewer Z, Reviewer AA ... : the others stay anonymous."""
    labels = []
    for index in range(count):
        letters = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            letters = chr(ord("A") + rest) + letters
        labels.append(_("Reviewer %(letter)s", letter=letters))
    return labels


# --- the reviewer's home --------------------------------------------------------------------------

@bp.get("/reviews")
@require(is_reviewer)
def home():
    filters = queries.QueueFilters.from_args(request.args)
    return render_template(
        "reviews/reviewer/home.html", queue=queries.reviewer_queue(current_user.id, filters), filters=filters,
        queue_filters=queries.QUEUE_FILTERS, now=utcnow())


# --- the application as the reviewer sees it ------------------------------------------------------

def _application_page(review, comment_form=None):
    application = queries_reviewer.application_for_review(review.application_id)
    if not can_view_application(current_user, application):
        abort(404)
    may_comment = can_comment_on_application(current_user, application)
    documents = [d for d in application.documents if can_view_document(current_user, d)]
    return render_template(
        "reviews/reviewer/application.html", review=review, application=application, call=application.call,
        identity=sees_identity(current_user, application), documents=documents,
        hidden_documents=len(application.documents) - len(documents),
        may_comment=may_comment, comments=queries_reviewer.comments(application.id) if may_comment else [],
        comment_form=comment_form or (CommentForm() if may_comment else None),
    )


@bp.get("/reviews/<int:review_id>/application")
@require(is_reviewer)
def application(review_id):
    return _application_page(_my_review(review_id))


@bp.post("/reviews/<int:review_id>/comments")
@require(is_reviewer)
def comment(review_id):
    review = _my_review(review_id)
    if not can_comment_on_application(current_user, review.application):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            screening_services.add_comment(current_user, review.application, form.body.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Your comment is added."), "success")
            return redirect(url_for(".application", review_id=review.id) + "#comments")
    return _application_page(review, comment_form=form)


# --- scoring --------------------------------------------------------------------------------------

def _scored(criteria, values: dict) -> list:
    """[(criterion, value, comment, answered)] in rubric order, from {criterion id (int or str): {...}}.

    value None with answered True is "not applicable"; answered False means not scored yet.
    """
    rows = []
    for criterion in criteria:
        answer = values.get(criterion.id) or values.get(str(criterion.id)) or {}
        rows.append((criterion, answer.get("value"), answer.get("comment") or "", criterion.id in values
                     or str(criterion.id) in values))
    return rows


def _current_values(review) -> dict:
    return {s.criterion_id: {"value": s.value, "comment": s.comment} for s in review.scores}


def _others(review, criteria) -> list[dict]:
    if not can_see_other_reviews(current_user, review):
        return []
    others = queries_reviewer.other_submitted_reviews(review)
    rows = []
    for label, other in zip(_labels(len(others)), others, strict=True):
        values = _current_values(other)
        rows.append({"label": label, "recommendation": other.recommendation,
                     "total": queries_reviewer.score_on_100(criteria, {k: v["value"] for k, v in values.items()}),
                     "scores": _scored(criteria, values)})
    return rows


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@require(is_reviewer)
def score(review_id):
    review = _my_review(review_id)
    call = review.application.call
    criteria = call.criteria
    editable = can_review(current_user, review)
    if request.method == "POST" and not editable:
        flash(_("The review phase of this call is over: this review can no longer be changed."), "error")
        return redirect(url_for(".score", review_id=review.id))
    form = scoring_form(criteria, review if request.method == "GET" else None)
    if request.method == "POST":
        was_submitted = review.status == ReviewStatus.SUBMITTED
        submit = request.form.get("action") == "submit"
        if form.validate_on_submit():
            try:
                services.save_review(current_user, review, answers=form.answers(),
                                     overall_comment=form.overall_comment.data or "",
                                     recommendation=form.recommendation.data, submit=submit)
            except services.InvalidReview as invalid:
                db.session.rollback()
                for name, message in invalid.errors.items():
                    field = getattr(form, name, None)
                    if field is None:
                        form.form_errors.append(message)
                    else:
                        field.errors = list(field.errors) + [message]
            except ActionRefused as refusal:
                db.session.rollback()
                refuse(form, refusal)
            else:
                db.session.commit()
                if was_submitted:
                    flash(_("Your changes are saved. The earlier version is kept in the review's history."),
                          "success")
                elif submit:
                    flash(_("Your review is submitted. Thank you!"), "success")
                    return redirect(url_for(".home"))
                else:
                    flash(_("Your draft is saved. You can come back to it until you submit."), "success")
                return redirect(url_for(".score", review_id=review.id))
    return render_template(
        "reviews/reviewer/score.html", review=review, application=review.application, call=call, form=form,
        editable=editable, now=utcnow(), scored=_scored(criteria, _current_values(review)),
        total=queries_reviewer.score_on_100(criteria, {s.criterion_id: s.value for s in review.scores}),
        others=_others(review, criteria), revisions=queries_reviewer.revisions(review.id),
    )


@bp.get("/reviews/<int:review_id>/history")
@require(signed_in)
def history(review_id):
    review = _review_or_404(review_id, can_view_review_history)
    criteria = review.application.call.criteria
    versions = [{"when": review.updated_at, "current": True, "recommendation": review.recommendation,
                 "overall_comment": review.overall_comment, "scores": _scored(criteria, _current_values(review)),
                 "total": queries_reviewer.score_on_100(criteria, {s.criterion_id: s.value for s in review.scores})}]
    for revision in queries_reviewer.revisions(review.id):
        snapshot = revision.snapshot or {}
        values = snapshot.get("scores") or {}
        recommendation = snapshot.get("recommendation")
        versions.append({
            "when": revision.saved_at, "current": False, "overall_comment": snapshot.get("overall_comment") or "",
            "recommendation": _recommendation(recommendation), "scores": _scored(criteria, values),
            "total": queries_reviewer.score_on_100(
                criteria, {int(k): (v or {}).get("value") for k, v in values.items() if str(k).isdigit()}),
        })
    staff_view = is_staff(current_user) and review.reviewer_id != current_user.id
    return render_template("reviews/reviewer/history.html", review=review, application=review.application,
                           versions=versions, staff_view=staff_view)


def _recommendation(value):
    try:
        return Recommendation(value) if value else None
    except ValueError:
        return None


# --- conflicts of interest ------------------------------------------------------------------------

@bp.route("/reviews/<int:review_id>/conflict", methods=["GET", "POST"])
@require(is_reviewer)
def declare_conflict(review_id):
    review = _my_review(review_id)
    if not can_review(current_user, review):
        flash(_("The review phase of this call is over: please write to the program team instead."), "error")
        return redirect(url_for(".score", review_id=review.id))
    form = ConflictForm()
    if form.validate_on_submit():
        try:
            services.declare_conflict(current_user, review.application, ConflictKind(form.kind.data),
                                      form.reason.data)
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Thank you for declaring the conflict of interest. The application is no longer assigned "
                    "to you; the program team will assign another reviewer."), "success")
            return redirect(url_for(".home"))
    return render_template("reviews/reviewer/conflict.html", review=review, application=review.application,
                           form=form)
