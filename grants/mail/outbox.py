"""queue_email(): render a message in the recipient's language and add it to the outbox."""
from flask import current_app, g, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email: PUBLIC_URL when set (CLI, workers), else the address of this request."""
    base = current_app.config.get("PUBLIC_URL")
    if has_request_context() and not base:
        return url_for(endpoint, _external=True, **values)
    # Outside a request (commands, mail workers) URLs need a request to build from: make one.
    with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
        return url_for(endpoint, _external=True, **values)


def render_email(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of templates/emails/<template>.{txt,html} rendered in `locale`."""
    with force_locale(locale):
        context.setdefault("program_name", current_app.config["PROGRAM_NAME"])
        context["locale"] = locale
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n", html


def queue_email(
    template: str,
    *,
    to,
    locale: str | None = None,
    subject_object=None,
    dedupe_key: str | None = None,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage | None:
    """Queue one email to `to` (a User, or an email address) inside the caller's transaction.

    The first line of the text template is the subject. With a dedupe_key a second call
    for the same key queues nothing and returns None: the message exists already. `attachments` are
    files: small text kept with the message, {"filename", "content_type", "content"}, or a stored
    file, {"filename", "content_type", "storage_key"}, read when the message is sent.
    """
    if dedupe_key is not None and _already_queued(dedupe_key):
        return None
    locale = locale or getattr(to, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    subject, text, html = render_email(template, locale, recipient=to, **context)
    return queue_message(template, to=to, locale=locale, subject=subject, text=text, html=html,
                         subject_object=subject_object, dedupe_key=dedupe_key, attachments=attachments)


def _already_queued(dedupe_key: str) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None


def queue_message(template: str, *, to, locale: str, subject: str, text: str, html: str | None,
                  subject_object=None, dedupe_key: str | None = None,
                  attachments: list[dict] | None = None) -> OutboxMessage | None:
    """Queue an already written message (staff-edited texts); same guarantees as queue_email."""
    if dedupe_key is not None and _already_queued(dedupe_key):
        return None
    message = OutboxMessage(
        template=template,
        recipient_email=getattr(to, "email", to),
        recipient_name=getattr(to, "full_name", None),
        recipient_id=getattr(to, "id", None),
        locale=locale,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        subject_type=type(subject_object).__tablename__ if subject_object is not None else None,
        subject_id=getattr(subject_object, "id", None),
        dedupe_key=dedupe_key,
        attachments=attachments or None,
    )
    db.session.add(message)
    db.session.flush()
    if has_request_context():
        # Delivered right after the response (see mail.deliver_after_request), once committed.
        g.setdefault("outbox_ids", []).append(message.id)
    return message
