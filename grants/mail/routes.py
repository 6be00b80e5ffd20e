"""Staff pages for the outbox: read queued messages (the whole of mail in development) and retry failures."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..errors import ActionRefused
from ..extensions import db
from ..models import MessageStatus, OutboxMessage
from ..permissions import can_view_outbox, require
from . import bp
from .sender import retry_message

PAGE_SIZE = 50


@bp.get("/")
@require(can_view_outbox)
def index():
    status = request.args.get("status")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in MessageStatus}:
        query = query.where(OutboxMessage.status == status)
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(OutboxMessage.recipient_email.contains(search.lower()))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return render_template(
        "mail/outbox.html", page=page, counts=counts, statuses=list(MessageStatus), status=status, search=search
    )


@bp.get("/<int:message_id>")
@require(can_view_outbox)
def show(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("mail/message.html", message=message)


@bp.post("/<int:message_id>/retry")
@require(can_view_outbox)
def retry(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    try:
        retry_message(current_user, message)
    except ActionRefused as refusal:
        flash(refusal.message, "error")
    else:
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for(".show", message_id=message.id))
