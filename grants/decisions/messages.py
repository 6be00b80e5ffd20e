"""Decision emails: staff-editable texts per outcome and language, with {placeholders}, rendered for one applicant."""
import string

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import select

from ..extensions import db
from ..formatting import money, to_program_time
from ..mail.outbox import absolute_url, queue_message
from ..models import Decision, DecisionTemplate, Outcome

PLACEHOLDERS = {
    "name": _l("the applicant's full name"),
    "reference": _l("the application's reference number"),
    "call": _l("the title of the call"),
    "amount": _l("the amount awarded"),
    "feedback": _l("the feedback written for this applicant"),
    "deadline": _l("the date by which to accept the award"),
    "link": _l("the address of the application in the portal"),
}

DEFAULT_TEXTS = {
    Outcome.APPROVED: (
        _l("Your application {reference} is approved"),
        _l("Dear {name},\n\nWe are pleased to tell you that your application {reference} to \"{call}\" is approved "
           "for a grant of {amount}.\n\n{feedback}\n\nPlease accept the award in the portal by {deadline}:\n{link}\n"),
    ),
    Outcome.WAITLISTED: (
        _l("Your application {reference} is on the waiting list"),
        _l("Dear {name},\n\nYour application {reference} to \"{call}\" passed the review and is on the waiting list. "
           "If budget becomes available we will contact you.\n\n{feedback}\n\nYou can follow your application here:\n{link}\n"),
    ),
    Outcome.NOT_SELECTED: (
        _l("Decision on your application {reference}"),
        _l("Dear {name},\n\nThank you for applying to \"{call}\". We are sorry to tell you that your application "
           "{reference} was not selected this time.\n\n{feedback}\n\nYou can read the details here:\n{link}\n"),
    ),
}


class _Lenient(dict):
    """Unknown {placeholders} stay as written instead of breaking the whole release."""

    def __missing__(self, key):
        return "{" + key + "}"


def template_text(call_id: int, outcome: Outcome, locale: str) -> tuple[str, str]:
    """(subject, body) staff saved for this call, outcome and language, or the built-in default."""
    saved = db.session.scalar(select(DecisionTemplate).where(
        DecisionTemplate.call_id == call_id, DecisionTemplate.outcome == outcome, DecisionTemplate.locale == locale))
    if saved is not None:
        return saved.subject, saved.body
    subject, body = DEFAULT_TEXTS[outcome]
    with force_locale(locale):
        return str(subject), str(body)


def unknown_placeholders(text: str) -> list[str]:
    names = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    return sorted(names - PLACEHOLDERS.keys())


def render_decision(decision: Decision, locale: str, subject: str | None = None,
                    body: str | None = None) -> tuple[str, str, str]:
    """Subject, text and HTML of one decision email in `locale` (texts default to the saved template)."""
    application, call = decision.application, decision.application.call
    if subject is None or body is None:
        subject, body = template_text(call.id, decision.outcome, locale)
    with force_locale(locale):
        values = _Lenient(
            name=application.full_name_ar if locale == "ar" else (application.full_name_latin or application.full_name_ar),
            reference=application.reference,
            call=call.title_ar if locale == "ar" else call.title_en,
            amount=money(decision.awarded_amount, call.currency.value) if decision.awarded_amount else "",
            feedback=decision.feedback_ar if locale == "ar" else decision.feedback_en,
            deadline=(to_program_time(decision.response_deadline).strftime("%Y/%m/%d")
                      if decision.response_deadline else ""),
            link=absolute_url("applications.dashboard"),
        )
    try:
        text = body.format_map(values)
        subject_text = subject.format_map(values)
    except (ValueError, IndexError):  # a stray brace in staff text: send it as written
        text, subject_text = body, subject
    direction = "rtl" if locale == "ar" else "ltr"
    html = (f'<!doctype html><html lang="{locale}" dir="{direction}"><body style="font-family: Tahoma, Arial, '
            f'sans-serif; line-height: 1.6">' + str(escape(text)).replace("\n", "<br>\n") + "</body></html>")
    return subject_text.strip(), text, html


def decision_message(decision: Decision, key: str):
    """Queue the decision email for the applicant, once per key, in the applicant's language."""
    applicant = decision.application.applicant
    locale = applicant.locale
    subject, text, html = render_decision(decision, locale)
    return queue_message("decision", to=applicant, locale=locale, subject=subject, text=text, html=html,
                         subject_object=decision, dedupe_key=key)
