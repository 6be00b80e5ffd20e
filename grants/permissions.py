"""Every access rule, as can_* predicates, and the @require decorator that guards routes with them.

Routes, templates (through the `can` global) and mail recipient lists all ask these predicates,
so a rule changes in one place.
"""
from functools import wraps

from flask import abort
from flask_login import current_user

from .extensions import login_manager
from .models import Role


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_applicant(user) -> bool:
    return _signed_in(user) and user.has_role(Role.APPLICANT)


def is_reviewer(user) -> bool:
    return _signed_in(user) and user.has_role(Role.REVIEWER)


def is_staff(user) -> bool:
    """Program officers; admins can do everything staff can."""
    return _signed_in(user) and user.has_role(Role.STAFF, Role.ADMIN)


def is_admin(user) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def signed_in(user) -> bool:
    return _signed_in(user)


can_view_outbox = is_staff
can_manage_users = is_admin
can_view_audit_log = is_admin
can_manage_calls = is_staff
can_screen_applications = is_staff
can_apply = is_applicant


def can_view_application(user, application) -> bool:
    """The applicant who owns it, program staff, and reviewers assigned to it (see assigned_review)."""
    if not _signed_in(user):
        return False
    return (application.applicant_id == user.id or is_staff(user)
            or assigned_review(user, application) is not None)


def assigned_review(user, application):
    """The user's review of this application, when they are an active reviewer assigned to it.

    Declaring a conflict deletes the assignment, so a conflicted reviewer finds nothing here.
    """
    if not is_reviewer(user):
        return None
    from sqlalchemy import select

    from .extensions import db
    from .models import Review

    return db.session.scalar(
        select(Review).where(Review.application_id == application.id, Review.reviewer_id == user.id))


def sees_identity(user, application) -> bool:
    """Whether the user may see who applied: everyone who may see it, except reviewers of a blind call."""
    return not (application.call.blind_review and not is_staff(user) and application.applicant_id != user.id)


def can_review(user, review) -> bool:
    """A reviewer writes their own review while the review phase lasts (the call is closed or reviewing)."""
    from .models import CallStatus

    return (is_reviewer(user) and review.reviewer_id == user.id
            and review.application.call.status in (CallStatus.CLOSED, CallStatus.REVIEWING))


def can_see_other_reviews(user, review) -> bool:
    """Never before submitting one's own review; after that only when the call allows it."""
    from .models import ReviewStatus

    return (review.reviewer_id == user.id and review.status == ReviewStatus.SUBMITTED
            and review.application.call.reviewers_see_other_scores)


can_manage_reviews = is_staff
# Funding decisions: proposal, changes, decision emails, release and group messages (program staff).
can_decide = is_staff


def can_view_decision(user, decision) -> bool:
    """The decision page: its applicant once the decision is released (never before), program staff always."""
    if is_staff(user):
        return True
    return (_signed_in(user) and decision.application.applicant_id == user.id
            and decision.released_at is not None)


def can_answer_award(user, decision) -> bool:
    """Accepting or declining: only the applicant, only a released decision. Whether the award can still be
    answered (approved, not answered yet, before the deadline) is the service's rule."""
    return (is_applicant(user) and decision.application.applicant_id == user.id
            and decision.released_at is not None)


def can_open_review(user, review) -> bool:
    """A review (and the application through it) is opened only by the reviewer it is assigned to."""
    return is_reviewer(user) and review.reviewer_id == user.id


def can_view_review_history(user, review) -> bool:
    """The earlier versions of a submitted review: its reviewer and program staff."""
    return can_open_review(user, review) or is_staff(user)


def can_edit_application(user, application) -> bool:
    """Only its owner, only as a draft, only while the call accepts applications (checked to the second)."""
    from .models import ApplicationStatus

    return (_signed_in(user) and application.applicant_id == user.id
            and application.status == ApplicationStatus.DRAFT and application.call.is_accepting())


def can_withdraw_application(user, application) -> bool:
    """Its owner, once submitted, until the closing time. A draft has nothing to withdraw: the schema
    gives every withdrawn application the reference it was submitted under."""
    from .models import ApplicationStatus

    return (_signed_in(user) and application.applicant_id == user.id
            and application.status == ApplicationStatus.SUBMITTED
            and application.call.is_accepting())


def can_fill_application(user, application) -> bool:
    """The application form pages belong to its owner alone: everyone else gets 404 there, staff too.
    Whether it may still change is can_edit_application."""
    return _signed_in(user) and application.applicant_id == user.id


def can_view_application_answers(user, application) -> bool:
    """Every answer as the applicant gave it, disability included: its owner and program staff.
    Reviewers read applications through their review pages, which leave out what they must not see."""
    return _signed_in(user) and (application.applicant_id == user.id or is_staff(user))


def can_comment_on_application(user, application) -> bool:
    """Internal comments (never shown to the applicant): program staff always; a reviewer assigned to the
    application only when its call lets reviewers comment."""
    if is_staff(user):
        return True
    return bool(application.call.reviewers_may_comment and assigned_review(user, application) is not None)


def can_view_document(user, document) -> bool:
    """The owner and staff; assigned reviewers only when the review is not blind.

    Any upload may show the applicant (an ID card, a photo of the shop with its owner), so a blind
    reviewer gets no files at all, not only those marked as identity documents.
    """
    if not can_view_application(user, document.application):
        return False
    return sees_identity(user, document.application)


# Training: staff run courses, sessions, attendance and certificates.
can_manage_training = is_staff


def can_view_course(user, course) -> bool:
    """Staff; anyone with an enrolment in it (also after leaving); otherwise only an open course the user may join."""
    if is_staff(user):
        return True
    if not _signed_in(user):
        return False
    from .training import queries

    if queries.enrolment_of(user.id, course.id) is not None:
        return True
    return course.enrolment_open and queries.is_eligible(user, course)


def can_download_course_calendar(user, course) -> bool:
    """The calendar file of a course: people enrolled or waiting, and program staff."""
    if is_staff(user):
        return True
    if not _signed_in(user):
        return False
    from .training import queries

    enrolment = queries.enrolment_of(user.id, course.id)
    return enrolment is not None and enrolment.status in queries.ACTIVE


def can_view_enrolment(user, enrolment) -> bool:
    """An enrolment, its attendance and its certificate: the person enrolled and program staff."""
    return _signed_in(user) and (enrolment.user_id == user.id or is_staff(user))


# Disbursements: staff run grants, tranches, letters and the ledger; a grantee sees their own grant.
can_manage_disbursements = is_staff


def can_view_grant(user, grant) -> bool:
    """A grant, its tranches and its agreement: the grantee and program staff."""
    return _signed_in(user) and (grant.application.applicant_id == user.id or is_staff(user))


def can_view_letter(user, letter) -> bool:
    """A disbursement letter: the grantee of its grant and program staff."""
    return _signed_in(user) and (letter.tranche.grant.application.applicant_id == user.id or is_staff(user))


# Monitoring: staff review progress reports, record site visits, read the dashboards and export for donors.
can_manage_monitoring = is_staff


def can_view_report(user, report) -> bool:
    """A progress report: its grantee (who writes it) and program staff (who review it)."""
    return can_view_grant(user, report.grant)


def can_write_report(user, report) -> bool:
    """The report form is the grantee's alone; staff read the report on its review page."""
    return _signed_in(user) and report.grant.application.applicant_id == user.id


def can_view_monitoring_file(user, file) -> bool:
    """A report's photo or receipt: its grantee and staff. A site visit's photos: staff only."""
    if is_staff(user):
        return True
    return file.report_id is not None and can_write_report(user, file.report)


def can_change_roles(user, target) -> bool:
    # An admin cannot take away their own admin role or deactivate themselves: the program
    # must never be left without anyone who can administer it.
    return is_admin(user) and user.id != target.id


PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if (name.startswith("can_") or name.startswith("is_")) and callable(value)
}


def can(name: str, *args) -> bool:
    """Template helper: {% if can('view_outbox') %} asks can_view_outbox(current_user)."""
    predicate = PREDICATES.get(f"can_{name}") or PREDICATES[f"is_{name}"]
    return predicate(current_user, *args)


def get_or_404(model, object_id, predicate=None):
    """Load an object, or 404 when it does not exist or the current user may not see it.

    Saying 404 rather than 403 for other people's objects reveals nothing about what exists.
    """
    from .extensions import db

    # Ids are 32-bit integers; a larger number in the address would overflow the database driver (a 500).
    if isinstance(object_id, int) and not -(2**31) <= object_id < 2**31:
        abort(404)
    obj = db.session.get(model, object_id)
    if obj is None or (predicate is not None and not predicate(current_user, obj)):
        abort(404)
    return obj


def require(predicate):
    """Route guard: anonymous users go to the login page, signed-in users without the right get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_predicate = predicate
        return wrapped

    return decorator


def public(view):
    """Marks a route as open to everyone, so the permission test knows it was meant to be."""
    view.is_public = True
    return view
