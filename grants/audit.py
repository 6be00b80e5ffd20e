"""record(): the one way services write to the audit log."""
from flask import has_request_context, request

from .extensions import db
from .models import AuditEntry


def record(actor, action: str, subject=None, **details) -> AuditEntry:
    """Add an audit row to the current transaction; the caller's commit makes it permanent."""
    actor, subject = (_unproxied(actor), _unproxied(subject))
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__tablename__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details={k: v for k, v in details.items() if v is not None},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def _unproxied(value):
    """current_user is a proxy; the audit row wants the user behind it."""
    return value._get_current_object() if hasattr(value, "_get_current_object") else value
