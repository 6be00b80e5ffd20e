"""A call's disbursement letters handed out: all valid letters in one ZIP, and each letter emailed to its grantee
as a PDF attachment through the outbox (once: the outbox's dedupe key "letter:<id>" remembers it)."""
import io
import logging
import zipfile

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..formatting import to_program_time
from ..mail.outbox import absolute_url, queue_email
from ..models import Call, Grant, Letter, Tranche, User
from ..storage import storage
from .services import letter_token, position_of

log = logging.getLogger(__name__)


def valid_letters_of_call(call_id: int) -> list[Letter]:
    """Every letter of the call that is not void, by number."""
    return list(db.session.scalars(
        select(Letter).join(Tranche, Tranche.id == Letter.tranche_id).join(Grant, Grant.id == Tranche.grant_id)
        .where(Grant.call_id == call_id, Letter.voided_at.is_(None)).order_by(Letter.year, Letter.sequence)))


def letter_filename(letter: Letter) -> str:
    return f"{letter.number}-void.pdf" if letter.voided_at is not None else f"{letter.number}.pdf"


def letters_zip(letters: list[Letter]) -> tuple[bytes, int]:
    """The letters' stored PDFs in one ZIP built in memory, named by letter number; (bytes, files written).

    Each entry is dated with its letter's issue time, so the same letters give the same archive. A letter whose
    file is missing from storage is left out (and logged) rather than failing the whole download.
    """
    buffer = io.BytesIO()
    written = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for letter in letters:
            try:
                data = storage().read(letter.storage_key)
            except (FileNotFoundError, ValueError):
                log.error("letter %s: stored file %r is missing", letter.number, letter.storage_key)
                continue
            issued = to_program_time(letter.issued_at)
            info = zipfile.ZipInfo(letter_filename(letter), date_time=issued.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            written += 1
    return buffer.getvalue(), written


def record_zip_download(actor: User, call: Call, letters: list[Letter]) -> None:
    """Letters carry personal data: who took a call's letters away is kept in the audit log."""
    record(actor, "disbursements.letters_zip", call, count=len(letters), numbers=[letter.number for letter in letters])


def _lock_call(call_id: int) -> None:
    """Emailing letters of one call happens one staff member at a time (PostgreSQL row lock; SQLite serialises
    writers): the second sees the first's messages and does not queue them again."""
    db.session.execute(select(Call.id).where(Call.id == call_id).with_for_update())


def _queue(letter: Letter):
    tranche = letter.tranche
    grant = tranche.grant
    position, count = position_of(tranche)
    return queue_email(
        "letter_issued", to=grant.grantee, subject_object=grant.application, dedupe_key=f"letter:{letter.id}",
        attachments=[{"filename": letter_filename(letter), "content_type": "application/pdf",
                      "storage_key": letter.storage_key}],
        letter=letter, tranche=tranche, grant=grant, application=grant.application, call=grant.call,
        position=position, count=count,
        verify_url=absolute_url("disbursements.verify_letter", token=letter_token(letter)),
        url=absolute_url("disbursements.mine", application_id=grant.application_id))


def email_letter(actor: User, letter: Letter) -> None:
    """Queue the letter to its grantee, with the PDF attached; refused when void or emailed before."""
    if letter.voided_at is not None:
        raise ActionRefused(_l("A void letter is not sent. Send the letter that replaced it."))
    _lock_call(letter.tranche.grant.call_id)
    if _queue(letter) is None:
        raise ActionRefused(_l("Letter %(number)s has already been emailed to the grantee.", number=letter.number))
    record(actor, "disbursements.email_letter", letter.tranche.grant.application, number=letter.number)


def email_call_letters(actor: User, call: Call) -> int:
    """Queue every valid letter of the call not emailed before, one message per letter; returns how many."""
    _lock_call(call.id)
    letters = valid_letters_of_call(call.id)
    if not letters:
        raise ActionRefused(_l("No letters have been issued for this call yet."))
    queued = [letter.number for letter in letters if _queue(letter) is not None]
    if not queued:
        raise ActionRefused(_l("Every letter of this call has already been emailed."))
    record(actor, "disbursements.email_letters", call, count=len(queued), numbers=queued)
    return len(queued)
