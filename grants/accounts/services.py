"""Account verbs: each checks its rule, changes the user, writes the audit row and queues the email."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..mail.outbox import absolute_url, queue_email
from ..models import LoginAttempt, Role, User, UserRole, utcnow
from .tokens import make_token, password_fingerprint, read_token


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login's loader: a deactivated user, or a session from before a password change, is signed out."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


# A real hash to check against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = None


def _check_password(user: User | None, password: str) -> bool:
    global _DUMMY_HASH
    if user is None or not user.password_hash:
        _DUMMY_HASH = _DUMMY_HASH or hash_password("not-a-password")
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)


def _start_new_sessions(user: User) -> None:
    """Invalidate every existing session and remember-me cookie of the user."""
    user.session_version = (user.session_version or 1) + 1


# --- registration and verification -------------------------------------------------------------

def register_applicant(*, full_name, email, phone, password, locale) -> User | None:
    """Create an applicant and send the verification link.

    For an address that is already registered nothing is created and the owner is told by email
    instead, so the form answers the same way whether or not the address has an account.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email("account_exists", to=existing, login_url=absolute_url("accounts.login"),
                    reset_url=absolute_url("accounts.forgot_password"))
        record(None, "account.register_existing", existing)
        return None
    user = User(full_name=full_name, email=email.strip().lower(), phone=phone, locale=locale,
                password_hash=hash_password(password))
    user.role_rows.append(UserRole(role=Role.APPLICANT))
    db.session.add(user)
    db.session.flush()
    record(user, "account.register", user)
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    if user.is_verified:
        return
    token = make_token("verify", uid=user.id, email=user.email)
    queue_email("verify_email", to=user, verify_url=absolute_url("accounts.verify_email", token=token))


def verify_email(token: str) -> User:
    payload = read_token("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or user.email != payload.get("email"):
        raise ActionRefused(_l("This verification link is invalid or has expired. Sign in to get a new one."))
    if not user.is_verified:
        user.email_verified_at = utcnow()
        record(user, "account.verify_email", user)
    return user


# --- signing in ---------------------------------------------------------------------------------

def _recent_failures(column, value, since):
    return db.session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)
    )


def _last_success(email):
    return db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
    )


def is_throttled(email: str, ip: str) -> bool:
    """Locked when the account name or the address failed LOGIN_MAX_FAILURES times in the window.

    The lock lifts by itself once those failures are older than the window; refused attempts are
    not counted, so it lasts one window from the last failure. A successful sign-in clears the
    account's count (not the address's: one address may be a whole internet café).
    """
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = utcnow() - window
    success = _last_success(email)
    account_since = max(since, success) if success else since
    return (_recent_failures(LoginAttempt.email, email, account_since) >= limit
            or _recent_failures(LoginAttempt.ip, ip, since) >= limit)


def authenticate(email: str, password: str, ip: str) -> User:
    """The user for these credentials, or ActionRefused that never says whether the email exists."""
    email = (email or "").strip().lower()
    ip = ip or "unknown"
    if is_throttled(email, ip):
        raise ActionRefused(_l("Too many failed attempts. Please wait 15 minutes and try again."))
    user = find_user_by_email(email)
    ok = _check_password(user, password)
    db.session.add(LoginAttempt(email=email, ip=ip, succeeded=ok))
    if not ok:
        record(user, "account.login_failed", user, email=email)
        raise ActionRefused(_l("The email or password is not correct."))
    if not user.active:
        # Only someone who knows the password learns that the account exists.
        raise ActionRefused(_l("This account has been deactivated. Please contact the program team."))
    user.last_login_at = utcnow()
    record(user, "account.login", user)
    return user


def logged_out(user: User) -> None:
    record(user, "account.logout", user)


# --- passwords ------------------------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Email a reset link when the account exists and is active; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = make_token("reset", uid=user.id, fp=password_fingerprint(user))
    queue_email("reset_password", to=user, reset_url=absolute_url("accounts.reset_password", token=token))
    record(user, "account.reset_requested", user)


def user_for_reset_token(token: str) -> User | None:
    payload = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or not user.active or payload.get("fp") != password_fingerprint(user):
        return None
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise ActionRefused(_l("This reset link is invalid, used or expired. Ask for a new one."))
    _set_password(user, new_password)
    # Following the emailed link proves the address too.
    user.email_verified_at = user.email_verified_at or utcnow()
    record(user, "account.reset_password", user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not _check_password(user, current_password):
        raise ActionRefused(_l("The current password is not correct."), field="current_password")
    _set_password(user, new_password)
    record(user, "account.change_password", user)


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    _start_new_sessions(user)
    queue_email("password_changed", to=user)


# --- profile --------------------------------------------------------------------------------------

def update_profile(user: User, *, full_name, phone, locale) -> None:
    changed = {k: v for k, v in {"full_name": full_name, "phone": phone, "locale": locale}.items()
               if getattr(user, k) != v}
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
        record(user, "account.update_profile", user, fields=sorted(changed))


def set_locale(user: User, locale: str) -> None:
    if locale in current_app.config["LANGUAGES"] and user.locale != locale:
        user.locale = locale


# --- administration -------------------------------------------------------------------------------

def invite_user(actor: User, *, email, full_name, roles, locale) -> User:
    """Create a staff member or reviewer and email a link that lets them choose a password."""
    if find_user_by_email(email) is not None:
        raise ActionRefused(_l("This email already has an account. Change its roles on the user's page."),
                            field="email")
    user = User(email=email.strip().lower(), full_name=full_name, locale=locale,
                email_verified_at=None, password_hash=None)
    for role in sorted(set(roles)):
        user.role_rows.append(UserRole(role=Role(role)))
    db.session.add(user)
    db.session.flush()
    record(actor, "account.invite", user, roles=sorted(roles))
    send_invitation(actor, user)
    return user


def send_invitation(actor: User, user: User) -> None:
    token = make_token("invite", uid=user.id, fp=password_fingerprint(user))
    queue_email("invitation", to=user, inviter=actor.full_name,
                roles=[Role(r).title for r in sorted(user.roles)],
                accept_url=absolute_url("accounts.accept_invite", token=token))


def user_for_invite_token(token: str) -> User | None:
    payload = read_token("invite", token, current_app.config["INVITE_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or not user.active or user.password_hash or payload.get("fp") != password_fingerprint(user):
        return None
    return user


def accept_invite(token: str, password: str) -> User:
    user = user_for_invite_token(token)
    if user is None:
        raise ActionRefused(_l("This invitation link is invalid, used or expired. Ask an administrator for a new one."))
    user.password_hash = hash_password(password)
    user.email_verified_at = utcnow()
    record(user, "account.accept_invite", user)
    return user


def set_roles(actor: User, user: User, roles) -> None:
    new = {Role(r) for r in roles}
    if not new:
        raise ActionRefused(_l("Choose at least one role."), field="roles")
    if actor.id == user.id and Role.ADMIN not in new:
        raise ActionRefused(_l("You cannot remove your own administrator role."), field="roles")
    old = user.roles
    if new == old:
        return
    user.role_rows = [row for row in user.role_rows if row.role in new]
    for role in sorted(new - old):
        user.role_rows.append(UserRole(role=role))
    record(actor, "account.set_roles", user, added=sorted(new - old), removed=sorted(old - new))


def deactivate_user(actor: User, user: User) -> None:
    if actor.id == user.id:
        raise ActionRefused(_l("You cannot deactivate your own account."))
    if not user.active:
        raise ActionRefused(_l("This account is already deactivated."))
    user.active = False
    _start_new_sessions(user)
    record(actor, "account.deactivate", user)


def reactivate_user(actor: User, user: User) -> None:
    if user.active:
        raise ActionRefused(_l("This account is already active."))
    user.active = True
    record(actor, "account.reactivate", user)


def create_user(*, email, full_name, password, roles, locale="ar", phone=None) -> User:
    """For the create-user command and the demo: an active, verified account."""
    if find_user_by_email(email) is not None:
        raise ActionRefused(_l("This email already has an account."), field="email")
    user = User(email=email.strip().lower(), full_name=full_name, locale=locale, phone=phone,
                password_hash=hash_password(password), email_verified_at=utcnow())
    for role in sorted({Role(r) for r in roles}):
        user.role_rows.append(UserRole(role=role))
    db.session.add(user)
    db.session.flush()
    record(None, "account.create", user, roles=sorted(roles))
    return user
