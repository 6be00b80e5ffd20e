"""Helpers for the applications tests: what an applicant types at each step, reading rows back, page parsing."""
import html
import re

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, AuditEntry, OutboxMessage


def step1(**overrides) -> dict:
    data = {
        "full_name_ar": "سارة أحمد الحداد", "full_name_latin": "Sara Ahmad Al-Haddad", "date_of_birth": "1999-05-17",
        "gender": "female", "national_id": "08012345678", "phone": "0944 123 456", "place_id": "4",
        "education": "university", "current_work": "Seamstress", "disability": "none", "action": "continue",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def step2(**overrides) -> dict:
    data = {
        "business_name": "Sara's sewing workshop", "sector_id": "7", "stage": "idea", "women_led": "yes",
        "business_description": "Tailoring school uniforms.", "problem_and_customers": "Families in Al-Busayrah.",
        "jobs_women": "2", "jobs_men": "0", "partners": "", "action": "continue",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def budget(lines=(("Sewing machine", "2", "600000"), ("Fabric", "10", "50000")), own="200000",
           requested="1500000", **extra) -> dict:
    data = {"own_contribution": own, "requested_amount": requested, "action": "continue"}
    for index, (item, quantity, unit_cost) in enumerate(lines):
        data[f"lines-{index}-item"] = item
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_cost"] = unit_cost
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def load(app, application_id) -> Application:
    with app.app_context():
        application = db.session.get(Application, application_id)
        # Touch what tests read, then detach, so assertions work outside the context.
        _ = (application.call, application.budget_lines, application.documents, application.place)
        db.session.expunge_all()
        return application


def applications_of(app, user_id) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Application.id).where(Application.applicant_id == user_id)))


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_actions(app, application_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_type == "applications",
                                            AuditEntry.subject_id == application_id).order_by(AuditEntry.id)))


def outbox(app, template) -> list[OutboxMessage]:
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)
                                           .order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return messages


def error_beside(response, field_id) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', response.get_data(as_text=True),
                      re.S)
    return html.unescape(match.group(1)).strip() if match else None


def input_value(response, field_id) -> str | None:
    match = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    if match is None:
        match = re.search(rf'<input[^>]*value="([^"]*)"[^>]*id="{re.escape(field_id)}"', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def flashes(response) -> str:
    return html.unescape(" ".join(re.findall(r'<div class="notice notice-\w+" role="\w+">(.*?)</div>',
                                             response.get_data(as_text=True), re.S)))
