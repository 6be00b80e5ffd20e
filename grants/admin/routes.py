"""Admin pages: people and roles, invitations, deactivation, and the audit log."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import services
from ..accounts.forms import InviteForm, RolesForm
from ..views import refuse, run_verb
from ..errors import ActionRefused
from ..extensions import db
from ..models import Role, User
from ..permissions import can_manage_users, can_view_audit_log, require
from . import bp, queries

PAGE_SIZE = 50



@bp.get("/users")
@require(can_manage_users)
def users():
    args = request.args
    query = queries.users_query(args.get("q", ""), args.get("role"), args.get("active"))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, roles=list(Role), args=args)


@bp.route("/users/invite", methods=["GET", "POST"])
@require(can_manage_users)
def invite():
    form = InviteForm()
    if request.method == "GET":
        form.roles.data = [Role.REVIEWER.value]
    if form.validate_on_submit():
        try:
            user = services.invite_user(current_user, email=form.email.data, full_name=form.full_name.data,
                                        roles=form.roles.data, locale=form.locale.data)
        except ActionRefused as refusal:
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/invite.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(can_manage_users)
def user(user_id):
    person = db.get_or_404(User, user_id)
    form = RolesForm(data={"roles": sorted(person.roles)} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.set_roles(current_user, person, form.roles.data)
        except ActionRefused as refusal:
            refuse(form, refusal)
        else:
            db.session.commit()
            flash(_("Roles saved."), "success")
            return redirect(url_for(".user", user_id=person.id))
    audit = db.session.scalars(queries.audit_for(person, limit=50)).all()
    return render_template("admin/user.html", person=person, form=form, audit=audit)


@bp.post("/users/<int:user_id>/deactivate")
@require(can_manage_users)
def deactivate(user_id):
    return _change_activation(user_id, services.deactivate_user, _("The account is deactivated and its sessions ended."))


@bp.post("/users/<int:user_id>/reactivate")
@require(can_manage_users)
def reactivate(user_id):
    return _change_activation(user_id, services.reactivate_user, _("The account is active again."))


@bp.post("/users/<int:user_id>/resend-invitation")
@require(can_manage_users)
def resend_invitation(user_id):
    person = db.get_or_404(User, user_id)
    if person.password_hash:
        flash(_("This person has already accepted the invitation."), "error")
    else:
        services.send_invitation(current_user, person)
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=person.email), "success")
    return redirect(url_for(".user", user_id=person.id))


def _change_activation(user_id, verb, success_message):
    person = db.get_or_404(User, user_id)
    return run_verb(lambda: verb(current_user, person), success_message, url_for(".user", user_id=person.id))


@bp.get("/audit")
@require(can_view_audit_log)
def audit():
    args = request.args
    query = queries.audit_query(action=args.get("action", ""), actor=args.get("actor", ""),
                                subject_type=args.get("subject_type", ""), subject_id=args.get("subject_id", ""))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/audit.html", page=page, args=args)
