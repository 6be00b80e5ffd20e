"""Staff verbs around decisions: a call's decision settings, its email texts, messages to a group, retries.

Like grants.decisions.services: each verb checks its rule, changes rows, writes the audit entry and
queues mail; the route commits.
"""
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import select, update

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..mail.outbox import queue_message
from ..models import (
    Call, DecisionTemplate, FitPolicy, Group, GroupMessage, MessageStatus, Outcome, OutboxMessage, SetAside, User,
    utcnow,
)
from . import queries
from .messages import template_text, unknown_placeholders
from .services import released_any

MAX_RESPONSE_DAYS = 365
REPEAT_WINDOW = timedelta(minutes=10)  # the same message to the same group again this soon is a double click


def save_settings(actor: User, call: Call, *, set_asides: list[tuple[Group, int]], fit_policy: FitPolicy | str,
                  min_overall_score: Decimal | None, response_days: int) -> None:
    """Set-asides, fit policy, minimum score and days to accept; frozen once any decision is released."""
    if released_any(call):
        raise ActionRefused(_l("Decisions of this call have been released: its decision settings can no longer "
                               "change."))
    seen, total = set(), 0
    for index, (group, percentage) in enumerate(set_asides):
        group = Group(group)
        if group in seen:
            raise ActionRefused(_l("This group already has a set-aside above."), field=f"set_asides-{index}-group")
        seen.add(group)
        if isinstance(percentage, bool) or not isinstance(percentage, int) or not 1 <= percentage <= 100:
            raise ActionRefused(_l("Enter a whole percentage from 1 to 100."), field=f"set_asides-{index}-percentage")
        total += percentage
        if total > 100:
            raise ActionRefused(_l("The set-asides add up to %(total)s%%; together they can reserve at most 100%% "
                                   "of the budget.", total=total), field=f"set_asides-{index}-percentage")
    try:
        fit_policy = FitPolicy(fit_policy)
    except ValueError:
        raise ActionRefused(_l("Choose what happens when a request does not fit."), field="fit_policy") from None
    if min_overall_score is not None and not (min_overall_score.is_finite() and 0 <= min_overall_score <= 100):
        raise ActionRefused(_l("Enter a score from 0 to 100, or leave it empty."), field="min_overall_score")
    if not 1 <= response_days <= MAX_RESPONSE_DAYS:
        raise ActionRefused(_l("Enter a number of days from 1 to %(most)s.", most=MAX_RESPONSE_DAYS),
                            field="response_days")

    existing = queries.set_asides(call.id)
    before = _settings_snapshot(call, [(s.group, s.percentage) for s in existing])
    for row in existing:
        db.session.delete(row)
    db.session.flush()  # the unique (call, group) rows go before their replacements come
    for position, (group, percentage) in enumerate(set_asides):
        db.session.add(SetAside(call_id=call.id, group=Group(group), percentage=percentage, position=position))
    call.fit_policy = fit_policy.value
    call.min_overall_score = min_overall_score
    call.response_days = response_days
    db.session.flush()
    after = _settings_snapshot(call, set_asides)
    if after != before:
        record(actor, "decisions.settings", call, before=before, after=after)


def _settings_snapshot(call: Call, set_asides) -> dict:
    return {
        "set_asides": [[Group(group).value, percentage] for group, percentage in set_asides],
        "fit_policy": str(call.fit_policy),
        "min_overall_score": None if call.min_overall_score is None else str(call.min_overall_score),
        "response_days": call.response_days,
    }


def check_template_text(text: str, field: str) -> None:
    try:
        unknown = unknown_placeholders(text)
    except ValueError:
        raise ActionRefused(_l("A brace { or } is not closed. Write placeholders like {name}."), field=field) from None
    if unknown:
        raise ActionRefused(_l("Unknown placeholder: %(names)s. Use only the placeholders listed on this page.",
                               names=", ".join("{" + name + "}" for name in unknown)), field=field)


def save_templates(actor: User, call: Call, texts: dict) -> list[str]:
    """Store the decision emails staff edited: texts maps (outcome, locale) to (subject, body).

    Only texts that differ from what would be sent now are written, so untouched ones keep following
    the program's default wording. Returns the "outcome/locale" keys that changed.
    """
    changed = []
    saved = {(t.outcome, t.locale): t for t in db.session.scalars(
        select(DecisionTemplate).where(DecisionTemplate.call_id == call.id))}
    for (outcome, locale), (subject, body) in texts.items():
        outcome = Outcome(outcome)
        if locale not in ("ar", "en"):
            raise ActionRefused(_l("Unknown language."))
        prefix = f"{outcome.value}_{locale}_"
        subject, body = (subject or "").strip(), (body or "").strip()
        if not subject:
            raise ActionRefused(_l("Enter the subject."), field=prefix + "subject")
        if not body:
            raise ActionRefused(_l("Enter the text of the email."), field=prefix + "body")
        check_template_text(subject, prefix + "subject")
        check_template_text(body, prefix + "body")
        current_subject, current_body = template_text(call.id, outcome, locale)
        if (subject, body) == (current_subject.strip(), current_body.strip()):
            continue
        row = saved.get((outcome, locale))
        if row is None:
            row = DecisionTemplate(call_id=call.id, outcome=outcome, locale=locale)
            db.session.add(row)
        row.subject, row.body, row.updated_by_id = subject, body, actor.id
        changed.append(f"{outcome.value}/{locale}")
    db.session.flush()
    if changed:
        record(actor, "decisions.templates", call, changed=changed)
    return changed


def plain_html(text: str, locale: str) -> str:
    """The HTML part of a message staff wrote as plain text, in the recipient's direction."""
    direction = "rtl" if locale == "ar" else "ltr"
    return (f'<!doctype html><html lang="{locale}" dir="{direction}"><body style="font-family: Tahoma, Arial, '
            f'sans-serif; line-height: 1.6">' + str(escape(text)).replace("\n", "<br>\n") + "</body></html>")


def send_group_message(actor: User, call: Call, audience: "queries.Audience", *, subject_ar: str, subject_en: str,
                       body_ar: str, body_en: str) -> GroupMessage:
    """One GroupMessage row and one outbox message per recipient, in the recipient's language."""
    texts = {"subject_ar": (subject_ar or "").strip(), "subject_en": (subject_en or "").strip(),
             "body_ar": (body_ar or "").strip(), "body_en": (body_en or "").strip()}
    for name, value in texts.items():
        if not value:
            raise ActionRefused(_l("Write the message in both languages."), field=name)
    recipients = queries.audience_users(call.id, audience)
    if not recipients:
        raise ActionRefused(_l("Nobody matches this choice of recipients."), field="outcome")
    recent = db.session.scalars(select(GroupMessage).where(
        GroupMessage.call_id == call.id, GroupMessage.created_at >= utcnow() - REPEAT_WINDOW,
        GroupMessage.subject_ar == texts["subject_ar"], GroupMessage.subject_en == texts["subject_en"],
        GroupMessage.body_ar == texts["body_ar"], GroupMessage.body_en == texts["body_en"]))
    if any(m.audience == audience.as_dict() for m in recent):
        raise ActionRefused(_l("This message was sent to the same recipients a few minutes ago."))
    message = GroupMessage(call_id=call.id, audience=audience.as_dict(), recipients=len(recipients),
                           created_by_id=actor.id, **texts)
    db.session.add(message)
    db.session.flush()
    for user in recipients:
        locale = user.locale if user.locale in ("ar", "en") else "ar"
        body = texts[f"body_{locale}"]
        queue_message("group_message", to=user, locale=locale, subject=texts[f"subject_{locale}"],
                      text=body + "\n", html=plain_html(body, locale), subject_object=message,
                      dedupe_key=f"group:{message.id}:{user.id}")
    record(actor, "decisions.group_message", message, call_id=call.id, audience=audience.as_dict(),
           recipients=len(recipients))
    return message


def retry_failed(actor: User, call: Call) -> int:
    """Put every failed message of the call (decisions and group messages) back in the queue."""
    ids = queries.failed_message_ids(call.id)
    if not ids:
        raise ActionRefused(_l("No message of this call has failed."))
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == MessageStatus.FAILED)
        .values(status=MessageStatus.QUEUED, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.flush()
    record(actor, "decisions.retry_failed", call, messages=len(ids))
    return len(ids)
