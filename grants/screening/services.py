"""Screening verbs: eligibility overrides, duplicate flags, comments and batch actions. Each checks its rule,
sets who/when, writes an audit row per application and flushes; the route commits."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import (
    Application, ApplicationStatus, ApplicationTag, Comment, DuplicateFlag, FlagStatus, ScreeningStatus, utcnow,
)
from . import duplicates
from .queries import MAX_TAG, clean_tag

MAX_REASON = 2_000
MAX_COMMENT = 5_000

BATCH_SCREENED = "screened"
BATCH_INELIGIBLE = "ineligible"
BATCH_TAG = "tag"
BATCH_ACTIONS = (BATCH_SCREENED, BATCH_INELIGIBLE, BATCH_TAG)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _required_reason(reason: str | None, message, field: str = "reason") -> str:
    reason = _text(reason)
    if not reason:
        raise ActionRefused(message, field=field)
    if len(reason) > MAX_REASON:
        raise ActionRefused(_l("Please keep it under %(count)d characters.", count=MAX_REASON), field=field)
    return reason


def _not_draft(application: Application) -> None:
    if application.status == ApplicationStatus.DRAFT:
        raise ActionRefused(_l("This application has not been submitted."))


def _submitted(application: Application) -> None:
    if application.status != ApplicationStatus.SUBMITTED:
        raise ActionRefused(_l("Only a submitted application can be changed; this one is a draft or withdrawn."))


# --- eligibility ----------------------------------------------------------------------------------------

def override_eligibility(actor, application: Application, reason: str) -> None:
    """Rule an application that failed the call's rules eligible, with a written justification."""
    _submitted(application)
    reason = _required_reason(reason, _l("Write why this application should be treated as eligible."))
    if application.eligible:
        raise ActionRefused(_l("This application meets the call’s rules; there is nothing to override."))
    if application.eligibility_overridden:
        raise ActionRefused(_l("This application is already ruled eligible."))
    application.eligibility_overridden = True
    application.override_reason = reason
    application.override_by_id = actor.id
    application.override_at = utcnow()
    db.session.flush()
    record(actor, "screening.eligibility_overridden", application, reference=application.reference, reason=reason,
           rule_reasons=[r.get("code") for r in application.eligibility_reasons or [] if isinstance(r, dict)])


def revoke_override(actor, application: Application, reason: str) -> None:
    """Take back an override: the application is ineligible by the call's rules again."""
    _submitted(application)
    reason = _required_reason(reason, _l("Write why the override is taken back."))
    if not application.eligibility_overridden:
        raise ActionRefused(_l("This application is not ruled eligible by staff."))
    previous = application.override_reason
    application.eligibility_overridden = False
    application.override_reason = None
    application.override_by_id = None
    application.override_at = None
    db.session.flush()
    record(actor, "screening.override_revoked", application, reference=application.reference, reason=reason,
           previous_reason=previous)


# --- duplicate flags ------------------------------------------------------------------------------------

FLAG_CLEAR = "clear"
FLAG_REJECT_APPLICATION = "reject_application"  # the flag's `application` (the earlier one) is the duplicate
FLAG_REJECT_OTHER = "reject_other"              # the flag's `other` is the duplicate
FLAG_OUTCOMES = (FLAG_CLEAR, FLAG_REJECT_APPLICATION, FLAG_REJECT_OTHER)


def resolve_flag(actor, flag: DuplicateFlag, outcome: str, reason: str) -> Application | None:
    """Clear a flag (two different people) or reject one of the two applications as a duplicate of the other.

    The decision concerns the pair: the pair's other open flags (another kind of match) are resolved with it.
    Returns the rejected application, if any. Nothing is ever merged or deleted.
    """
    if outcome not in FLAG_OUTCOMES:
        raise ActionRefused(_l("Choose what to do with this flag."), field="outcome")
    reason = _required_reason(reason, _l("Write the reason for your decision."))
    if flag.status != FlagStatus.OPEN:
        raise ActionRefused(_l("This flag has already been resolved."))
    rejected = kept = None
    if outcome != FLAG_CLEAR:
        rejected, kept = ((flag.application, flag.other) if outcome == FLAG_REJECT_APPLICATION
                          else (flag.other, flag.application))
        if rejected.status != ApplicationStatus.SUBMITTED:
            raise ActionRefused(_l("Only a submitted application can be rejected as a duplicate."), field="outcome")
    now = utcnow()
    pair_flags = db.session.scalars(
        select(DuplicateFlag).where(DuplicateFlag.application_id == flag.application_id,
                                       DuplicateFlag.other_id == flag.other_id,
                                       DuplicateFlag.status == FlagStatus.OPEN)).all()
    for each in pair_flags:
        each.status = FlagStatus.CLEARED if outcome == FLAG_CLEAR else FlagStatus.REJECTED
        each.resolved_by_id = actor.id
        each.resolved_at = now
        each.resolution_reason = reason
    if rejected is not None:
        rejected.screening_status = ScreeningStatus.DUPLICATE
        rejected.screening_reason = reason
        rejected.screened_by_id = actor.id
        rejected.screened_at = now
    db.session.flush()
    flag_ids = sorted(each.id for each in pair_flags)
    kinds = sorted(each.kind.value for each in pair_flags)
    for application, other in ((flag.application, flag.other), (flag.other, flag.application)):
        if outcome == FLAG_CLEAR:
            record(actor, "screening.flag_cleared", application, flags=flag_ids, kinds=kinds,
                   other=other.reference or other.id, reason=reason)
        else:
            record(actor, "screening.duplicate_rejected", application, flags=flag_ids, kinds=kinds,
                   rejected=rejected.reference, kept=kept.reference or kept.id, reason=reason)
    return rejected


def recheck_duplicates(actor, call) -> int:
    """Run duplicate detection over the whole call; returns how many new flags were raised."""
    new_flags = duplicates.flag_duplicates_in_call(call.id)
    record(actor, "screening.duplicates_rechecked", call, new_flags=len(new_flags))
    return len(new_flags)


# --- comments ---------------------------------------------------------------------------------------

def add_comment(actor, application: Application, body: str) -> Comment:
    """An internal note on the application: never shown to the applicant."""
    _not_draft(application)
    body = _text(body)
    if not body:
        raise ActionRefused(_l("Write the comment."), field="body")
    if len(body) > MAX_COMMENT:
        raise ActionRefused(_l("Please keep it under %(count)d characters.", count=MAX_COMMENT), field="body")
    comment = Comment(application_id=application.id, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    record(actor, "screening.comment_added", application, comment=comment.id)
    return comment


# --- screening status and tags, one application or many --------------------------------------------------

def mark_screened(actor, application: Application) -> bool:
    """Checked by staff: goes on to review if eligible. False when there was nothing to change.

    A withdrawn application stays as it is; so does one rejected as a duplicate (that is undone on its flag).
    """
    if (application.status != ApplicationStatus.SUBMITTED
            or application.screening_status in (ScreeningStatus.SCREENED, ScreeningStatus.DUPLICATE)):
        return False
    previous = application.screening_status
    application.screening_status = ScreeningStatus.SCREENED
    application.screening_reason = None
    application.screened_by_id = actor.id
    application.screened_at = utcnow()
    record(actor, "screening.marked_screened", application, previous=str(previous))
    return True


def mark_ineligible(actor, application: Application, reason: str) -> bool:
    """Ruled out by staff, with the reason. False when there was nothing to change."""
    reason = _required_reason(reason, _l("Write why these applications are ineligible."))
    if (application.status != ApplicationStatus.SUBMITTED or application.screening_status == ScreeningStatus.DUPLICATE
            or (application.screening_status == ScreeningStatus.INELIGIBLE and application.screening_reason == reason)):
        return False
    previous = application.screening_status
    application.screening_status = ScreeningStatus.INELIGIBLE
    application.screening_reason = reason
    application.screened_by_id = actor.id
    application.screened_at = utcnow()
    record(actor, "screening.marked_ineligible", application, previous=str(previous), reason=reason)
    return True


def add_tag(actor, application: Application, tag: str) -> bool:
    tag = _required_tag(tag)
    if any(t.tag == tag for t in application.tags):
        return False
    application.tags.append(ApplicationTag(tag=tag))
    record(actor, "screening.tag_added", application, tag=tag)
    return True


def remove_tag(actor, application: Application, tag: str) -> bool:
    tag = clean_tag(tag)
    for existing in application.tags:
        if existing.tag == tag:
            application.tags.remove(existing)
            db.session.flush()
            record(actor, "screening.tag_removed", application, tag=tag)
            return True
    return False


def _required_tag(tag: str | None) -> str:
    cleaned = clean_tag(tag)
    if not cleaned:
        raise ActionRefused(_l("Write the tag."), field="tag")
    if len(" ".join((tag or "").split())) > MAX_TAG:
        raise ActionRefused(_l("A tag has at most %(count)d characters.", count=MAX_TAG), field="tag")
    return cleaned


def apply_batch(actor, applications: list[Application], action: str, *, reason: str | None = None,
                tag: str | None = None) -> int:
    """One action on several applications, each audited on its own; returns how many changed."""
    if action == BATCH_SCREENED:
        verb = lambda application: mark_screened(actor, application)  # noqa: E731
    elif action == BATCH_INELIGIBLE:
        reason = _required_reason(reason, _l("Write why these applications are ineligible."))
        verb = lambda application: mark_ineligible(actor, application, reason)  # noqa: E731
    elif action == BATCH_TAG:
        tag = _required_tag(tag)
        verb = lambda application: add_tag(actor, application, tag)  # noqa: E731
    else:
        raise ActionRefused(_l("Choose an action."), field="action")
    changed = sum(1 for application in applications if verb(application))
    db.session.flush()
    return changed


# --- the export ---------------------------------------------------------------------------------------

def record_export(actor, call, fmt: str, filters: dict, rows: int) -> None:
    """Exports carry personal data: each one is written to the audit log."""
    record(actor, "screening.export", call, format=fmt, filters=filters, rows=rows)
