"""Disbursement letters of the generated tranches that were paid or are waiting for payment.

Numbers are taken from the same yearly counter real letters use, a block at a time, in the order the letters
were issued, so a letter issued later in the app gets the next number. Rendering thousands of PDFs would take
minutes, so every generated letter points at one stored placeholder PDF that says it is generated data; the
ledger, the letter lists and the verification page read the letter rows themselves.
"""
import hashlib
from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import update

from ..demo import _pdf
from ..extensions import db
from ..models import Letter, LetterCounter
from ..storage import storage
from .program import Program

PLACEHOLDER = "Generated demo letter: the app renders real letters when a tranche's letter is issued."


def add_letters(program: Program, issued: list[tuple[int, datetime]]) -> None:
    """One valid letter per (tranche id, issue time)."""
    if not issued:
        return
    data = _pdf(PLACEHOLDER)
    key, sha256 = storage().save(data), hashlib.sha256(data).hexdigest()
    by_year = defaultdict(list)
    for tranche_id, issued_at in sorted(issued, key=lambda item: (item[1], item[0])):
        by_year[issued_at.astimezone(timezone.utc).year].append((tranche_id, issued_at))
    rows = []
    for year, letters in sorted(by_year.items()):
        first = _reserve_numbers(program, year, len(letters))
        rows.extend(dict(tranche_id=tranche_id, year=year, sequence=sequence, number=f"DL-{year}-{sequence:06d}",
                         issued_at=issued_at, issued_by_id=program.officer_id, storage_key=key, sha256=sha256,
                         voided_at=None, voided_by_id=None, void_reason=None)
                    for sequence, (tranche_id, issued_at) in enumerate(letters, start=first))
    program.rows.add(Letter, rows)


def _reserve_numbers(program: Program, year: int, count: int) -> int:
    """Move the year's counter on by `count` (locking its row until commit); returns the first number."""
    if db.session.get(LetterCounter, year) is None:
        db.session.add(LetterCounter(year=year, last_number=0))
        db.session.flush()
        program.rows.counts[LetterCounter.__tablename__] += 1
    last = db.session.scalar(update(LetterCounter).where(LetterCounter.year == year)
                             .values(last_number=LetterCounter.last_number + count)
                             .returning(LetterCounter.last_number))
    return last - count + 1
