"""Application verbs: start a draft, save its steps, budget and documents, submit with a reference and an
eligibility check, withdraw. Each verb checks the call's closing time to the second, flushes and audits."""
import re
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..formatting import money
from ..i18n import normalize_arabic
from ..mail.outbox import absolute_url, queue_email
from ..models import Application, ApplicationStatus, BudgetLine, Call, Document, utcnow
from ..storage import storage
from . import queries
from .eligibility import check_eligibility
from .uploads import Upload, display_name, max_upload_bytes, megabytes, sha256, sniff_content_type

STEP_FIELDS = {
    1: frozenset({"full_name_ar", "full_name_latin", "date_of_birth", "gender", "national_id", "phone",
                  "phone_normalized", "place_id", "education", "current_work", "disability"}),
    2: frozenset({"business_name", "sector_id", "stage", "women_led", "business_description",
                  "problem_and_customers", "jobs_women", "jobs_men", "partners"}),
}
MAX_BUDGET_TOTAL = 10**15
MAX_BUDGET_LINES = 50
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")


class IncompleteApplication(ActionRefused):
    """Submission refused because something is missing; `missing` lists what, step by step."""

    def __init__(self, missing):
        super().__init__(_l("Your application is not complete yet. Please complete the items listed below."))
        self.missing = missing


@dataclass(frozen=True)
class Missing:
    step: int
    field: str  # the id of the form field, so the link can jump to it
    message: str


# --- checks shared by the verbs ----------------------------------------------------------------------

def _closed_message(call: Call):
    return _l("The call closed on %(when)s: applications can no longer be changed or submitted.",
              when=format_datetime(call.closes_at))


def _ensure_editable(actor, application: Application, now: datetime | None = None) -> None:
    """Only the owner's draft, only while the call accepts applications (to the second)."""
    if application.applicant_id != getattr(actor, "id", None):
        raise ActionRefused(_l("Only the applicant can change this application."))
    if application.status == ApplicationStatus.SUBMITTED:
        raise ActionRefused(_l("This application is submitted and can no longer be changed."))
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ActionRefused(_l("This application was withdrawn and can no longer be changed."))
    if not application.call.is_accepting(now or utcnow()):
        raise ActionRefused(_closed_message(application.call))


def _locked(application: Application) -> Application:
    """The application row again, locked until the end of the transaction (SELECT ... FOR UPDATE on PostgreSQL;
    SQLite has one writer at a time anyway), so two requests cannot both act on the state they read."""
    return db.session.get(Application, application.id, with_for_update={"of": Application}, populate_existing=True)


def normalized_phone(phone: str | None) -> str | None:
    """E.164 form of a number typed the Syrian way or internationally, or None when it is not a number."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, "SY")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- starting and saving a draft -----------------------------------------------------------------------

def start_application(actor, call: Call, now: datetime | None = None) -> tuple[Application, bool]:
    """The applicant's application to the call: the existing one, or a new draft (returns it and whether it is new).

    One per applicant per call, held by a unique constraint: when two requests race, the second flush fails
    with IntegrityError and the route answers with the application the first one made.
    """
    existing = queries.application_of(actor, call)
    if existing is not None:
        return existing, False
    if not call.is_accepting(now or utcnow()):
        raise ActionRefused(_l("This call does not accept applications now."))
    if not actor.is_verified:
        raise ActionRefused(_l("Please confirm your email address first: open the link we sent you, then apply."))
    application = Application(call_id=call.id, applicant_id=actor.id, status=ApplicationStatus.DRAFT)
    application.call = call
    name = " ".join((actor.full_name or "").split())
    if _ARABIC_LETTER.search(name):
        application.full_name_ar = name[:200]
        application.name_key = normalize_arabic(name)[:200]
    elif name:
        application.full_name_latin = name[:200]
    if actor.phone:
        application.phone = actor.phone[:32]
        application.phone_normalized = normalized_phone(actor.phone)
    db.session.add(application)
    db.session.flush()
    record(actor, "application.start", application, call=call.code)
    return application, True


def save_answers(actor, application: Application, step: int, values: dict, now: datetime | None = None) -> None:
    """Save the answers of step 1 or 2 that passed validation; anything else is left as it was."""
    _ensure_editable(actor, application, now)
    allowed = STEP_FIELDS[step]
    changed = []
    for name, value in values.items():
        if name not in allowed:
            continue
        if name in ("jobs_women", "jobs_men") and value is None:
            value = 0
        if isinstance(value, str) and value == "" and name not in ("phone",):
            value = None
        if getattr(application, name) != value:
            setattr(application, name, value)
            changed.append(name)
    if "full_name_ar" in values:
        application.name_key = normalize_arabic(application.full_name_ar)[:200] if application.full_name_ar else None
    if "phone" in values and "phone_normalized" not in values:
        application.phone_normalized = normalized_phone(application.phone)
    db.session.flush()
    if changed:
        record(actor, "application.save", application, step=step, fields=sorted(set(changed) - {"phone_normalized"}))


def _award_range_problem(call: Call, requested: int) -> str | None:
    if call.min_award <= requested <= call.max_award:
        return None
    return _l("The amount requested must be between %(low)s and %(high)s.",
              low=money(call.min_award, call.currency.value), high=money(call.max_award, call.currency.value))


def budget_rule_problem(call: Call, total: int, own: int, requested: int) -> str | None:
    """Why a requested amount breaks the rule "requested = total − own contribution, between the call's
    minimum and maximum", or None."""
    problem = _award_range_problem(call, requested)
    if problem is None and requested != total - own:
        problem = _l("The amount requested must equal the budget total minus your own contribution: %(amount)s.",
                     amount=money(total - own, call.currency.value))
    return problem


def save_budget(actor, application: Application, *, lines, own_contribution=None, requested_amount=None,
                save_own: bool = True, save_requested: bool = True, now: datetime | None = None) -> dict:
    """Replace the budget lines with `lines` [(item, quantity, unit cost)] (None keeps them), recompute the
    total on the server, and save the own contribution and the amount requested.

    The amount requested is saved only when it keeps the rule (see budget_rule_problem); otherwise it is left
    as it was and the problem is returned as {field: message}, for the form to show beside the field.
    """
    _ensure_editable(actor, application, now)
    if lines is None:
        lines = [(line.item, line.quantity, line.unit_cost) for line in application.budget_lines]
    lines = list(lines)
    if len(lines) > MAX_BUDGET_LINES:
        raise ActionRefused(_l("A budget has at most %(num)d lines.", num=MAX_BUDGET_LINES), field="lines")
    total = sum(quantity * unit_cost for _, quantity, unit_cost in lines)
    if total > MAX_BUDGET_TOTAL:
        raise ActionRefused(_l("The budget total is too large. Please check the quantities and costs."),
                            field="lines")
    # Rewrite rows in place by position: deleting and inserting rows with the same positions in one flush
    # would trip the unique (application, position) constraint.
    existing = list(application.budget_lines)
    for position, (item, quantity, unit_cost) in enumerate(lines):
        if position < len(existing):
            line = existing[position]
            line.item, line.quantity, line.unit_cost = item, quantity, unit_cost
        else:
            application.budget_lines.append(BudgetLine(position=position, item=item, quantity=quantity,
                                                       unit_cost=unit_cost))
    for line in existing[len(lines):]:
        application.budget_lines.remove(line)
    application.budget_total = total
    if save_own:
        application.own_contribution = own_contribution or 0
    problems = {}
    if save_requested:
        requested = requested_amount or 0
        problem = None
        if requested and lines:
            problem = budget_rule_problem(application.call, total, application.own_contribution, requested)
        elif requested:  # no lines yet: the total is unknown, only the award range can be checked
            problem = _award_range_problem(application.call, requested)
        if problem is None:
            application.requested_amount = requested
        else:
            problems["requested_amount"] = problem
    db.session.flush()
    record(actor, "application.save_budget", application, lines=len(lines), total=total,
           own_contribution=application.own_contribution, requested=application.requested_amount)
    return problems


# --- documents ---------------------------------------------------------------------------------------

def add_document(actor, application: Application, upload: Upload, *, requirement=None, field: str | None = None,
                 now: datetime | None = None) -> Document:
    """Store one uploaded file: PDF, JPEG or PNG by its first bytes, within the size and count limits."""
    _ensure_editable(actor, application, now)
    application = _locked(application)  # two uploads at once must not pass the count limit together
    call = application.call
    if requirement is not None and requirement.call_id != call.id:
        raise ActionRefused(_l("This document is not asked for by the call."), field=field)
    size = len(upload.data)
    limit = max_upload_bytes()
    if size == 0:
        raise ActionRefused(_l("The file is empty. Please choose the file again."), field=field)
    if size > limit:
        raise ActionRefused(_l("The file is larger than %(size)s MB. Please upload a smaller file, for example a "
                               "photo at a lower resolution.", size=megabytes(limit)), field=field)
    content_type = sniff_content_type(upload.data)
    if content_type is None:
        raise ActionRefused(_l("Only PDF, JPEG or PNG files can be uploaded, and this file is none of them."),
                            field=field)
    if queries.document_count(application) >= call.max_documents:
        raise ActionRefused(_l("You have uploaded as many documents as this call allows (%(num)d). Delete one to "
                               "upload another.", num=call.max_documents), field=field)
    document = Document(application_id=application.id, requirement_id=getattr(requirement, "id", None),
                        original_name=display_name(upload.filename, content_type),
                        storage_key=storage().save(upload.data), content_type=content_type, size_bytes=size,
                        sha256=sha256(upload.data))
    db.session.add(document)
    db.session.flush()
    record(actor, "application.add_document", application, document=document.id,
           requirement=document.requirement_id, content_type=content_type, size=size, sha256=document.sha256)
    return document


def delete_document(actor, document: Document, now: datetime | None = None) -> str:
    """Remove a document from a draft; returns its storage key for the caller to delete once committed."""
    application = document.application
    _ensure_editable(actor, application, now)
    key = document.storage_key
    record(actor, "application.delete_document", application, document=document.id,
           requirement=document.requirement_id, sha256=document.sha256)
    db.session.delete(document)
    db.session.flush()
    db.session.expire(application, ["documents"])
    return key


# --- completeness, submission, withdrawal -----------------------------------------------------------------

REQUIRED_ANSWERS = (
    (1, "full_name_ar", _l("Enter your full name in Arabic.")),
    (1, "full_name_latin", _l("Enter your full name in Latin letters.")),
    (1, "date_of_birth", _l("Enter your date of birth.")),
    (1, "gender", _l("Choose your gender.")),
    (1, "national_id", _l("Enter your national ID number.")),
    (1, "phone_normalized", _l("Enter your mobile phone number.")),
    (1, "place_id", _l("Choose where you live.")),
    (1, "education", _l("Choose your education.")),
    (2, "business_name", _l("Enter the name of the business.")),
    (2, "sector_id", _l("Choose the sector of the business.")),
    (2, "stage", _l("Choose the stage of the business.")),
    (2, "women_led", _l("Say whether the business is led by a woman.")),
    (2, "business_description", _l("Describe what the business does.")),
    (2, "problem_and_customers", _l("Describe the problem the business solves and its customers.")),
)
FIELD_ANCHOR = {"phone_normalized": "phone", "gender": "gender-0", "stage": "stage-0", "women_led": "women_led-0"}


def missing_items(application: Application) -> list[Missing]:
    """What still stops the application from being submitted, in the order of the steps."""
    missing = []
    for step, name, message in REQUIRED_ANSWERS:
        value = getattr(application, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(Missing(step, FIELD_ANCHOR.get(name, name), message))
    for name in ("jobs_women", "jobs_men"):
        if (getattr(application, name) or 0) < 0:
            missing.append(Missing(2, name, _l("The number of jobs cannot be negative.")))
    call = application.call
    lines = application.budget_lines
    total = sum(line.quantity * line.unit_cost for line in lines)
    if not lines:
        missing.append(Missing(3, "lines", _l("Add at least one line to the budget.")))
    if not application.requested_amount:
        missing.append(Missing(3, "requested_amount", _l("Enter the amount requested.")))
    elif lines:
        problem = budget_rule_problem(call, total, application.own_contribution, application.requested_amount)
        if problem is not None:
            missing.append(Missing(3, "requested_amount", problem))
    uploaded = {document.requirement_id for document in application.documents}
    for requirement in call.required_documents:
        if requirement.mandatory and requirement.id not in uploaded:
            missing.append(Missing(4, f"file_{requirement.id}",
                                   _l("Upload this document: %(name)s.", name=requirement.name)))
    return missing


def allocate_reference(call: Call) -> str:
    """The next reference of the call, DZ26A-00042. The UPDATE locks the call's row until commit, so two
    submissions at once get consecutive numbers, never the same one."""
    seq = db.session.execute(
        update(Call).where(Call.id == call.id).values(application_seq=Call.application_seq + 1)
        .returning(Call.application_seq)
    ).scalar_one()
    return f"{call.code}-{seq:05d}"


def submit_application(actor, application: Application, now: datetime | None = None) -> Application:
    """Lock the draft, give it its reference, record its eligibility, audit and queue the receipt email.

    Ineligible applications are submitted and stored too; staff see why and may override.
    """
    now = now or utcnow()
    application = _locked(application)
    if application.applicant_id != getattr(actor, "id", None):
        raise ActionRefused(_l("Only the applicant can submit this application."))
    if application.status == ApplicationStatus.SUBMITTED:
        raise ActionRefused(_l("This application is already submitted, with the reference %(reference)s.",
                               reference=application.reference))
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ActionRefused(_l("This application was withdrawn and cannot be submitted again."))
    call = application.call
    if not call.is_accepting(now):
        raise ActionRefused(_closed_message(call))
    missing = missing_items(application)
    if missing:
        raise IncompleteApplication(missing)
    application.budget_total = sum(line.quantity * line.unit_cost for line in application.budget_lines)
    application.reference = allocate_reference(call)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    reasons = check_eligibility(application, call)
    application.eligible = not reasons
    application.eligibility_reasons = reasons
    db.session.flush()
    record(actor, "application.submit", application, reference=application.reference,
           eligible=application.eligible, reasons=[reason["code"] for reason in reasons] or None)
    queue_email("application_received", to=application.applicant, subject_object=application,
                dedupe_key=f"application_received:{application.id}", application=application, call=call,
                reference=application.reference,
                url=absolute_url("applications.show", application_id=application.id))
    _flag_duplicates(application)
    return application


def _flag_duplicates(application: Application) -> None:
    """Screening flags possible duplicates when it can; applying works without it."""
    try:
        from ..screening.duplicates import flag_duplicates_for
    except ImportError:
        return
    flag_duplicates_for(application)


def withdraw_application(actor, application: Application, reason: str | None = None,
                         now: datetime | None = None) -> Application:
    """Withdraw a submitted application until the closing time. It keeps its reference and cannot be edited or
    submitted again; one application per call, so the applicant cannot start another for the same call."""
    now = now or utcnow()
    application = _locked(application)
    if application.applicant_id != getattr(actor, "id", None):
        raise ActionRefused(_l("Only the applicant can withdraw this application."))
    if application.status == ApplicationStatus.WITHDRAWN:
        raise ActionRefused(_l("This application is already withdrawn."))
    if application.status != ApplicationStatus.SUBMITTED:
        raise ActionRefused(_l("Only a submitted application can be withdrawn."))
    if not application.call.is_accepting(now):
        raise ActionRefused(_l("The call closed on %(when)s: applications can no longer be withdrawn.",
                               when=format_datetime(application.call.closes_at)))
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = now
    db.session.flush()
    record(actor, "application.withdraw", application, reference=application.reference, reason=reason or None)
    queue_email("application_withdrawn", to=application.applicant, subject_object=application,
                application=application, call=application.call, reference=application.reference,
                url=absolute_url("applications.dashboard"))
    return application
