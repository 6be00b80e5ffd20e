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
    """The applicant who owns it, and program staff. (Reviewers: see the reviews feature.)"""
    if not _signed_in(user):
        return False
    return application.applicant_id == user.id or is_staff(user)


def can_edit_application(user, application) -> bool:
    """Only its owner, only as a draft, only while the call accepts applications (checked to the second)."""
    from .models import ApplicationStatus

    return (_signed_in(user) and application.applicant_id == user.id
            and application.status == ApplicationStatus.DRAFT and application.call.is_accepting())


def can_withdraw_application(user, application) -> bool:
    from .models import ApplicationStatus

    return (_signed_in(user) and application.applicant_id == user.id
            and application.status in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
            and application.call.is_accepting())


def can_view_document(user, document) -> bool:
    return can_view_application(user, document.application)


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
