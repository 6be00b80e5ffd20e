"""Duplicate detection among the submitted applications of one call: flags for staff, never merges.

Three signals, each only within one call:
- the same national ID (compared without spaces and dashes, case-insensitively);
- the same phone number (phone_normalized, E.164);
- the same date of birth and names that read alike after Arabic normalisation (rapidfuzz token_sort_ratio
  on name_key at least NAME_SIMILARITY).
A pair gets at most one flag per kind, ever: a flag staff cleared is not raised again.
"""
import re
from collections import defaultdict
from itertools import combinations

from rapidfuzz import fuzz
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..i18n import normalize_arabic
from ..models import Application, ApplicationStatus, DuplicateFlag, DuplicateKind

# Two names of applicants born on the same day at least this similar (0-100) are flagged.
NAME_SIMILARITY = 90

_ID_SEPARATORS = re.compile(r"[\s\-]")


def normalized_national_id(value: str | None) -> str:
    return _ID_SEPARATORS.sub("", value or "").upper()


def _sql_national_id():
    """normalized_national_id() in SQL, for grouping and matching in the database."""
    return func.upper(func.replace(func.replace(func.replace(Application.national_id, " ", ""), "-", ""), "\t", ""))


def _name_key(application_or_key) -> str:
    return normalize_arabic(application_or_key or "")


def name_similarity(first: str | None, second: str | None) -> int:
    """0-100: how alike two Arabic names read once normalised (word order ignored)."""
    first, second = _name_key(first), _name_key(second)
    if not first or not second:
        return 0
    return round(fuzz.token_sort_ratio(first, second))


def _submitted(call_id: int):
    return (Application.call_id == call_id, Application.status == ApplicationStatus.SUBMITTED)


def _existing(call_id: int, application_ids=None) -> set[tuple[int, int, DuplicateKind]]:
    query = select(DuplicateFlag.application_id, DuplicateFlag.other_id, DuplicateFlag.kind).where(
        DuplicateFlag.call_id == call_id)
    if application_ids is not None:
        ids = list(application_ids)
        query = query.where(or_(DuplicateFlag.application_id.in_(ids), DuplicateFlag.other_id.in_(ids)))
    return {(low, high, DuplicateKind(kind)) for low, high, kind in db.session.execute(query)}


def _add_flags(call_id: int, found: dict[tuple[int, int, DuplicateKind], int],
               existing: set[tuple[int, int, DuplicateKind]]) -> list[DuplicateFlag]:
    """New DuplicateFlag rows for the pairs not flagged yet with that kind; pairs are (low id, high id)."""
    flags = []
    for (low, high, kind), similarity in sorted(found.items()):
        if (low, high, kind) in existing:
            continue
        existing.add((low, high, kind))
        flag = DuplicateFlag(call_id=call_id, application_id=low, other_id=high, kind=kind, similarity=similarity)
        if not _insert_unless_raised_meanwhile(flag):
            continue
        flags.append(flag)
    db.session.flush()
    return flags


def _insert_unless_raised_meanwhile(flag: DuplicateFlag) -> bool:
    """Add the flag; False when a transaction running at the same moment (a re-check during a submission)
    committed the very same flag first, so the submission does not fail because of it.

    On PostgreSQL each insert gets a savepoint. SQLite lets one writer at a time, so the race cannot happen
    there (and its driver would turn a savepoint outside a transaction into a commit).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.add(flag)
        return True
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        return False
    return True


def _pair(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def flag_duplicates_for(application: Application) -> list[DuplicateFlag]:
    """Flag the other submitted applications of the same call that may be the same person.

    Called right after submission, in the submitting transaction: it flushes, the caller commits.
    Returns the new flags.
    """
    if application.status != ApplicationStatus.SUBMITTED or application.id is None:
        return []
    found: dict[tuple[int, int, DuplicateKind], int] = {}
    others = (*_submitted(application.call_id), Application.id != application.id)

    national_id = normalized_national_id(application.national_id)
    if national_id:
        for other_id in db.session.scalars(select(Application.id).where(*others, _sql_national_id() == national_id)):
            found[(*_pair(application.id, other_id), DuplicateKind.NATIONAL_ID)] = 100

    if application.phone_normalized:
        for other_id in db.session.scalars(
                select(Application.id).where(*others, Application.phone_normalized == application.phone_normalized)):
            found[(*_pair(application.id, other_id), DuplicateKind.PHONE)] = 100

    key = _name_key(application.name_key or application.full_name_ar)
    if application.date_of_birth is not None and key:
        rows = db.session.execute(
            select(Application.id, Application.name_key, Application.full_name_ar)
            .where(*others, Application.date_of_birth == application.date_of_birth))
        for other_id, other_key, other_name in rows:
            similarity = name_similarity(key, other_key or other_name)
            if similarity >= NAME_SIMILARITY:
                found[(*_pair(application.id, other_id), DuplicateKind.NAME_AND_BIRTH)] = similarity

    if not found:
        return []
    return _add_flags(application.call_id, found, _existing(application.call_id, [application.id]))


def find_duplicates_in_call(call_id: int) -> dict[tuple[int, int, DuplicateKind], int]:
    """Every likely duplicate pair among the call's submitted applications, with its similarity.

    Exact matches are grouped in SQL; names are compared only within a date of birth, so the work grows
    with the size of those small buckets, never with the square of the call.
    """
    found: dict[tuple[int, int, DuplicateKind], int] = {}
    for kind, column in ((DuplicateKind.NATIONAL_ID, _sql_national_id()),
                         (DuplicateKind.PHONE, Application.phone_normalized)):
        repeated = (select(column).where(*_submitted(call_id), column.is_not(None), column != "")
                    .group_by(column).having(func.count() > 1))
        groups: dict[str, list[int]] = defaultdict(list)
        for value, application_id in db.session.execute(
                select(column, Application.id).where(*_submitted(call_id), column.in_(repeated))
                .order_by(Application.id)):
            groups[value].append(application_id)
        for ids in groups.values():
            for low, high in combinations(sorted(ids), 2):
                found[(low, high, kind)] = 100

    by_birth: dict = defaultdict(list)
    for application_id, born, key, name in db.session.execute(
            select(Application.id, Application.date_of_birth, Application.name_key, Application.full_name_ar)
            .where(*_submitted(call_id), Application.date_of_birth.is_not(None))):
        key = _name_key(key or name)
        if key:
            by_birth[born].append((application_id, key))
    for bucket in by_birth.values():
        for (first_id, first_key), (second_id, second_key) in combinations(bucket, 2):
            similarity = round(fuzz.token_sort_ratio(first_key, second_key))
            if similarity >= NAME_SIMILARITY:
                found[(*_pair(first_id, second_id), DuplicateKind.NAME_AND_BIRTH)] = similarity
    return found


def flag_duplicates_in_call(call_id: int) -> list[DuplicateFlag]:
    """Run detection over the whole call and add the flags that are missing; flushes, returns the new flags."""
    return _add_flags(call_id, find_duplicates_in_call(call_id), _existing(call_id))
