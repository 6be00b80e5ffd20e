"""All models, imported here so Alembic and the app see one complete metadata."""
from .accounts import LoginAttempt, Role, User, UserRole
from .audit import AuditEntry
from .mail import MessageStatus, OutboxMessage
from .types import utcnow

__all__ = [
    "AuditEntry", "LoginAttempt", "MessageStatus", "OutboxMessage", "Role", "User", "UserRole", "utcnow",
]
