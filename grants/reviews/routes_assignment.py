"""Staff pages for review assignment: reviewer profiles, automatic and manual assignment, due dates, who is late."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..views import refuse
from ..errors import ActionRefused
from ..extensions import db
from ..formatting import to_program_time
from ..models import Application, Call, Review, ReviewStatus, Role, User, utcnow
from ..permissions import can_manage_reviews, get_or_404, require
from . import assignment as planner
from . import bp, queries, services
from . import queries_assignment as staff_queries
from .forms_assignment import AddAssignmentForm, AutoAssignForm, CallDueDateForm, ReviewDueDateForm, ReviewerProfileForm


def _is_reviewer(_user, target: User) -> bool:
    return target.has_role(Role.REVIEWER)


def _assignable(call: Call) -> bool:
    return call.status in services.ASSIGNABLE_CALL_STATES


def _not_assignable_message() -> str:
    return _("Reviewers can be assigned and due dates changed only while the call is closed or under review.")


def _back_to(call_id: int, anchor: str | None = None):
    return redirect(url_for(".assignment", call_id=call_id, _anchor=anchor))


def _changed_meanwhile(call_id: int):
    """Two staff assigning the same pair at once: the unique constraint stops the second; say so."""
    db.session.rollback()
    flash(_("The assignments were changed by someone else at the same time. Please check the page and try again."),
          "error")
    return _back_to(call_id)


# --- reviewer profiles ----------------------------------------------------------------------------

@bp.get("/staff/reviewers")
@require(can_manage_reviews)
def profiles():
    rows = staff_queries.reviewer_rows(with_profiles=True)
    loads = staff_queries.loads_per_call([row.user.id for row in rows])
    for row in rows:
        row.loads = loads.get(row.user.id, [])
    return render_template("reviews/assignment/profiles.html", rows=rows, calls=staff_queries.calls_in_review())


@bp.route("/staff/reviewers/<int:user_id>", methods=["GET", "POST"])
@require(can_manage_reviews)
def edit_profile(user_id):
    reviewer = get_or_404(User, user_id, _is_reviewer)
    profile = services.profile_for(reviewer)
    chosen = [s.id for s in profile.sectors]
    form = ReviewerProfileForm(data={"load_cap": profile.load_cap, "sectors": chosen,
                                     "expertise": profile.expertise} if request.method == "GET" else None)
    form.sectors.choices = [(s.id, s.name) for s in staff_queries.sectors(keep_ids=chosen)]
    if form.validate_on_submit():
        try:
            services.set_reviewer_profile(current_user, reviewer, load_cap=form.load_cap.data,
                                          sector_ids=form.sectors.data or [], expertise=form.expertise.data or "")
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("The profile of %(name)s is saved.", name=reviewer.full_name), "success")
            return redirect(url_for(".profiles"))
    return render_template("reviews/assignment/profile.html", reviewer=reviewer, form=form,
                           loads=staff_queries.loads_per_call([reviewer.id]).get(reviewer.id, []))


# --- a call's assignments -------------------------------------------------------------------------

def _reference(references: dict, application_id) -> str:
    return references.get(application_id) or f"#{application_id}"


def describe_problem(problem: planner.Problem, references: dict) -> str:
    """A planner problem in the reader's language, naming applications by reference."""
    names = ", ".join(_reference(references, a) for a in problem.application_ids)
    if problem.kind == "too_few_reviewers":
        excluded = problem.excluded or {}
        reasons = [text for text, count in (
            (_("%(count)d declared a conflict", count=excluded.get(planner.DECLARED, 0)),
             excluded.get(planner.DECLARED, 0)),
            (_("%(count)d applied themselves", count=excluded.get(planner.OWN_APPLICATION, 0)),
             excluded.get(planner.OWN_APPLICATION, 0)),
            (_("%(count)d share the applicant's email domain", count=excluded.get(planner.SAME_DOMAIN, 0)),
             excluded.get(planner.SAME_DOMAIN, 0)),
            (_("%(count)d are at their load cap", count=excluded.get("at_capacity", 0)),
             excluded.get("at_capacity", 0)),
        ) if count]
        message = _("%(reference)s needs %(needed)d reviewers but only %(available)d are free of conflict and "
                    "have room.", reference=names, needed=problem.needed, available=problem.available)
        if reasons:
            message += " " + _("Of the others: %(reasons)s.", reasons="; ".join(reasons))
        else:
            message += " " + _("There are not enough reviewers.")
        return message
    if problem.kind == "capacity_short":
        return _("Reviewers can take %(room)d more reviews, but %(needed)d are needed: short by %(short)d. "
                 "Raise some load caps or add reviewers.", room=problem.available, needed=problem.needed,
                 short=problem.shortfall)
    if problem.kind == "bottleneck":
        return _("Together, %(references)s need %(needed)d more reviews, but the reviewers free of conflict for "
                 "them can take only %(available)d.", references=names, needed=problem.needed,
                 available=problem.available)
    return _("The automatic assignment ran out of reviewers for %(references)s.", references=names)


def describe_flag(flag: planner.Flag, references: dict, names: dict) -> str:
    reviewer = names.get(flag.reviewer_id) or f"#{flag.reviewer_id}"
    if flag.kind == planner.FLAG_SAME_DOMAIN:
        return _("%(reviewer)s and the applicant of %(reference)s share the email domain %(domain)s: they are "
                 "never paired automatically.", reviewer=reviewer,
                 reference=_reference(references, flag.application_id), domain=flag.detail)
    if flag.kind == planner.FLAG_KEPT_CONFLICT:
        return _("%(reviewer)s is assigned to %(reference)s although they now conflict with it; the assignment "
                 "is kept until you remove it.", reviewer=reviewer,
                 reference=_reference(references, flag.application_id))
    return _("%(reviewer)s already has more reviews in this call than their load cap.", reviewer=reviewer)


def _input_value(moment) -> str:
    """An instant as the value of a datetime-local input, in the program's timezone."""
    return to_program_time(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _render_assignment(call: Call, *, seed: int | None = None, plan=None, auto_form=None, add_form=None,
                       due_form=None, review_errors=None, review_values=None, attempted=False):
    """The assignment page; POST handlers re-render it with their form's errors or a failed plan."""
    now = utcnow()
    assignable = _assignable(call)
    seed = call.id if seed is None else seed
    applications = staff_queries.reviewable(call.id)
    references = {a.id: a.reference for a in applications}
    reviews = staff_queries.call_reviews(call.id)
    by_application: dict[int, list[Review]] = {}
    assigned: dict[int, int] = {}
    submitted: dict[int, int] = {}
    for review, reference in reviews:
        by_application.setdefault(review.application_id, []).append(review)
        references.setdefault(review.application_id, reference)
        assigned[review.reviewer_id] = assigned.get(review.reviewer_id, 0) + 1
        if review.status == ReviewStatus.SUBMITTED:
            submitted[review.reviewer_id] = submitted.get(review.reviewer_id, 0) + 1
    reviewable_ids = {a.id for a in applications}
    others = sorted((a for a in by_application if a not in reviewable_ids), key=lambda a: references.get(a) or "")
    reviewers = staff_queries.reviewer_rows()
    names = {row.user.id: row.user.full_name for row in reviewers}
    names.update({review.reviewer_id: review.reviewer.full_name for review, _ref in reviews})

    late_rows = queries.late_reviewers(call.id, now)
    missing = {row[0] for row in late_rows} - names.keys()
    names.update(staff_queries.reviewer_names(missing))
    late = sorted(({"name": names.get(reviewer_id, f"#{reviewer_id}"), "unfinished": unfinished,
                    "overdue": int(overdue or 0)} for reviewer_id, unfinished, overdue in late_rows),
                  key=lambda row: (-row["overdue"], -row["unfinished"], row["name"]))

    k = call.reviewers_per_application
    capacity = {
        "total": sum(row.cap for row in reviewers),
        "needed": k * len(applications),
        "still_needed": sum(max(0, k - len(by_application.get(a.id, []))) for a in applications),
        "free": sum(max(0, row.cap - assigned.get(row.user.id, 0)) for row in reviewers),
    }
    if assignable and plan is None:
        plan = services.plan_assignment(call, seed)
    if auto_form is None:
        auto_form = AutoAssignForm(formdata=None, data={"seed": seed})
    if add_form is None:
        add_form = AddAssignmentForm(formdata=None, data={"application": request.args.get("application", type=int)})
    if due_form is None:
        due_form = CallDueDateForm(formdata=None)
        due_form.show_due_at(call.review_due_at)
    add_form.application.choices = [(a.id, a.reference) for a in applications]
    add_form.reviewer.choices = [
        (row.user.id, _("%(name)s (%(load)d of %(cap)d)", name=row.user.full_name,
                        load=assigned.get(row.user.id, 0), cap=row.cap)) for row in reviewers]
    return render_template(
        "reviews/assignment/call.html", call=call, assignable=assignable, applications=applications,
        by_application=by_application, others=others, references=references, reviewers=reviewers,
        assigned=assigned, submitted=submitted, late=late, capacity=capacity, k=k, plan=plan,
        problems=[describe_problem(p, references) for p in plan.problems] if plan else [],
        flags=[describe_flag(f, references, names) for f in plan.flags] if plan else [],
        attempted=attempted, auto_form=auto_form, add_form=add_form, due_form=due_form,
        review_errors=review_errors or {}, review_values=review_values or {}, input_value=_input_value, now=now,
        not_assignable=_not_assignable_message(),
    )


@bp.get("/staff/calls/<int:call_id>/reviewers")
@require(can_manage_reviews)
def assignment(call_id):
    call = get_or_404(Call, call_id)
    seed = request.args.get("seed", type=int)
    if seed is not None and not 0 <= seed <= 2**31 - 1:
        seed = None
    return _render_assignment(call, seed=seed)


@bp.post("/staff/calls/<int:call_id>/reviewers/auto")
@require(can_manage_reviews)
def assign_automatically(call_id):
    call = get_or_404(Call, call_id)
    if not _assignable(call):
        flash(_not_assignable_message(), "error")
        return _back_to(call.id)
    form = AutoAssignForm()
    if not form.validate_on_submit():
        return _render_assignment(call, auto_form=form)
    try:
        result = services.assign_automatically(current_user, call, seed=form.seed.data)
        if result.ok:
            db.session.commit()
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _back_to(call.id)
    except IntegrityError:
        return _changed_meanwhile(call_id)
    if not result.ok:
        db.session.rollback()
        return _render_assignment(call, seed=form.seed.data, plan=result, auto_form=form, attempted=True)
    if result.assignments:
        flash(ngettext("%(num)d new assignment made.", "%(num)d new assignments made.",
                       len(result.assignments)), "success")
    else:
        flash(_("Every application already has its reviewers: nothing to assign."), "info")
    return _back_to(call.id)


@bp.post("/staff/calls/<int:call_id>/reviewers/add")
@require(can_manage_reviews)
def add_assignment(call_id):
    call = get_or_404(Call, call_id)
    if not _assignable(call):
        flash(_not_assignable_message(), "error")
        return _back_to(call.id)
    form = AddAssignmentForm()
    # The choices are what the page offers: this call's reviewable applications, active reviewers.
    form.application.choices = [(a.id, a.reference) for a in staff_queries.reviewable(call.id)]
    form.reviewer.choices = [(row.user.id, row.user.full_name) for row in staff_queries.reviewer_rows()]
    if form.validate_on_submit():
        application = db.session.get(Application, form.application.data)
        reviewer = db.session.get(User, form.reviewer.data)
        try:
            services.add_assignment(current_user, application, reviewer, form.due_at_utc())
            db.session.commit()
        except ActionRefused as refusal:
            db.session.rollback()
            refuse(form, refusal)
        except IntegrityError:
            return _changed_meanwhile(call_id)
        else:
            flash(_("%(name)s now reviews %(reference)s.", name=reviewer.full_name,
                    reference=application.reference), "success")
            return _back_to(call.id, "applications")
    return _render_assignment(call, add_form=form)


@bp.post("/staff/reviews/<int:review_id>/remove")
@require(can_manage_reviews)
def remove_assignment(review_id):
    review = get_or_404(Review, review_id)
    call = review.application.call
    if not _assignable(call):
        flash(_not_assignable_message(), "error")
        return _back_to(call.id)
    name, reference = review.reviewer.full_name, review.application.reference
    try:
        services.remove_assignment(current_user, review)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s no longer reviews %(reference)s.", name=name, reference=reference), "success")
    return _back_to(call.id, "applications")


@bp.post("/staff/calls/<int:call_id>/reviewers/due")
@require(can_manage_reviews)
def set_due_dates(call_id):
    call = get_or_404(Call, call_id)
    if not _assignable(call):
        flash(_not_assignable_message(), "error")
        return _back_to(call.id)
    form = CallDueDateForm()
    if not form.validate_on_submit():
        return _render_assignment(call, due_form=form)
    try:
        changed = services.set_call_due_date(current_user, call, form.due_at_utc(), as_default=form.as_default.data)
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return _back_to(call.id)
    db.session.commit()
    flash(ngettext("The due date of %(num)d unfinished review is set.",
                   "The due date of %(num)d unfinished reviews is set.", changed), "success")
    return _back_to(call.id)


@bp.post("/staff/reviews/<int:review_id>/due")
@require(can_manage_reviews)
def set_review_due_date(review_id):
    review = get_or_404(Review, review_id)
    call = review.application.call
    if not _assignable(call):
        flash(_not_assignable_message(), "error")
        return _back_to(call.id)
    if review.status == ReviewStatus.SUBMITTED:
        flash(_("This review is submitted: its due date no longer matters."), "error")
        return _back_to(call.id, "applications")
    form = ReviewDueDateForm()
    if not form.validate_on_submit():
        return _render_assignment(call, review_errors={review.id: " ".join(str(e) for e in form.due_at.errors)},
                                  review_values={review.id: request.form.get("due_at", "")})
    services.set_due_date(current_user, [review], form.due_at_utc())
    db.session.commit()
    flash(_("The due date of %(name)s for %(reference)s is set.", name=review.reviewer.full_name,
            reference=review.application.reference), "success")
    return _back_to(call.id, "applications")
