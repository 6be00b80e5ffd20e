"""Account pages: thin views that validate a form, call one service verb, commit and redirect."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..errors import ActionRefused
from ..extensions import db, limiter
from ..i18n import LANGUAGE_COOKIE
from ..permissions import public, require, signed_in
from ..views import refuse, safe_next
from . import bp, services
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm, RegisterForm, ResetPasswordForm


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("REGISTER_RATE_LIMIT", "20/hour"), methods=["POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = request.cookies.get(LANGUAGE_COOKIE) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        services.register_applicant(
            full_name=form.full_name.data, email=form.email.data, phone=form.phone.data,
            password=form.password.data, locale=form.locale.data,
        )
        db.session.commit()
        return redirect(url_for(".registered"))
    return render_template("auth/register.html", form=form)


@bp.get("/register/done")
@public
def registered():
    return render_template("auth/registered.html")


@bp.get("/verify-email/<token>")
@public
def verify_email(token):
    try:
        user = services.verify_email(token)
    except ActionRefused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for(".login"))
    db.session.commit()
    flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("main.index") if current_user.is_authenticated and current_user.id == user.id
                    else url_for(".login"))


@bp.post("/verify-email/resend")
@limiter.limit(lambda: current_app.config.get("RESEND_RATE_LIMIT", "5/hour"))
@require(signed_in)
def resend_verification():
    services.send_verification(current_user)
    db.session.commit()
    flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(safe_next(request.form.get("next")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "30/minute"), methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        except ActionRefused as refusal:
            db.session.commit()  # keep the failed attempt: it counts towards the lock
            refuse(form, refusal)
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@public
def logout():
    if current_user.is_authenticated:
        services.logged_out(current_user)
        db.session.commit()
        logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for(".login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("RESET_RATE_LIMIT", "10/hour"), methods=["POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, a link to choose a new password is on its way."), "info")
        return redirect(url_for(".login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    if services.user_for_reset_token(token) is None:
        flash(_("This reset link is invalid, used or expired. Ask for a new one."), "error")
        return redirect(url_for(".forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        flash(_("Your password is changed. Please sign in with it."), "success")
        logout_user()
        return redirect(url_for(".login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invite(token):
    user = services.user_for_invite_token(token)
    if user is None:
        flash(_("This invitation link is invalid, used or expired. Ask an administrator for a new one."), "error")
        return redirect(url_for(".login"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.accept_invite(token, form.password.data)
        db.session.commit()
        login_user(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/accept_invite.html", form=form, invited=user)


@bp.route("/profile", methods=["GET", "POST"])
@require(signed_in)
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, full_name=form.full_name.data, phone=form.phone.data,
                                locale=form.locale.data)
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for(".profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/profile/password", methods=["GET", "POST"])
@require(signed_in)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except ActionRefused as refusal:
            refuse(form, refusal)
        else:
            db.session.commit()
            # The password change ended every session; keep this one, under the new session id.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed."), "success")
            return redirect(url_for(".profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.post("/language")
@public
def set_language():
    """The switcher on every page: a cookie for everyone, and the saved preference when signed in."""
    locale = request.form.get("lang")
    response = redirect(safe_next(request.form.get("next")))
    if locale in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
            db.session.commit()
    return response
