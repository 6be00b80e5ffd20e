"""Read helpers for the admin pages: filtered, paginated lists in a fixed number of queries."""
from sqlalchemy import or_, select

from ..models import AuditEntry, Role, User, UserRole


def users_query(search: str = "", role: str | None = None, active: str | None = None):
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(User.email.like(pattern), User.full_name.ilike(f"%{search.strip()}%"),
                                User.phone.like(pattern)))
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if active in {"yes", "no"}:
        query = query.where(User.active.is_(active == "yes"))
    return query


def audit_query(*, action: str = "", actor: str = "", subject_type: str = "", subject_id: str = ""):
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action.strip()))
    if actor:
        query = query.where(AuditEntry.actor_id.in_(select(User.id).where(User.email.like(f"%{actor.strip().lower()}%"))))
    if subject_type:
        query = query.where(AuditEntry.subject_type == subject_type)
    if subject_id.isdigit():
        query = query.where(AuditEntry.subject_id == int(subject_id))
    return query


def audit_for(subject, limit=100):
    return (select(AuditEntry)
            .where(AuditEntry.subject_type == type(subject).__tablename__, AuditEntry.subject_id == subject.id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
