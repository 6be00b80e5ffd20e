"""What a deadline rush starts from: one open call and many verified applicant accounts, inserted in bulk."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from grants.accounts.services import hash_password
from grants.extensions import db
from grants.models import (
    Call, CallStatus, Criterion, Currency, Place, PlaceKind, RequiredDocument, Role, Sector, User, UserRole, utcnow,
)

CALL_CODE = "RUSH1"
PASSWORD = "rush-password-2026"


@dataclass
class Seeded:
    call_id: int
    call_code: str
    closes_at: datetime
    accounts: list[tuple[int, str]]  # (user id, email), in creation order
    subdistrict_ids: list[int]
    sector_ids: list[int]


def seed_rush(accounts: int, closes_in: timedelta) -> Seeded:
    """Inside an app context: the call (open, closing `closes_in` from now, any place or sector, two required
    documents) and `accounts` applicants, all sharing one password hash computed once."""
    now = utcnow().replace(microsecond=0)
    call = Call(
        code=CALL_CODE, title_ar="منح المشاريع الصغيرة — الموعد الأخير", title_en="Small business grants — last day",
        description_ar="دعوة لقياس الأداء قبل الموعد النهائي.", description_en="A call for the deadline rush.",
        opens_at=now - timedelta(days=30), closes_at=now + closes_in, budget=5_000_000_000, currency=Currency.SYP,
        min_award=500_000, max_award=5_000_000, status=CallStatus.OPEN, min_age=18, max_age=35,
    )
    for position, (name_ar, name_en, weight) in enumerate([
        ("جدوى الفكرة", "Feasibility", "0.5"), ("الأثر على المجتمع", "Community impact", "0.3"),
        ("خبرة مقدم الطلب", "Applicant experience", "0.2"),
    ]):
        call.criteria.append(Criterion(position=position, name_ar=name_ar, name_en=name_en, weight=Decimal(weight)))
    for position, (name_ar, name_en, identity) in enumerate([
        ("صورة الهوية الشخصية", "Copy of the identity card", True),
        ("صور مكان العمل", "Photos of the workplace", False),
    ]):
        call.required_documents.append(RequiredDocument(position=position, name_ar=name_ar, name_en=name_en,
                                                        is_identity=identity))
    db.session.add(call)
    db.session.flush()

    password_hash = hash_password(PASSWORD)  # once: hashing a thousand times would take minutes
    db.session.execute(insert(User), [
        {"email": f"rush{n:05d}@example.org", "full_name": f"مقدم طلب {n}", "password_hash": password_hash,
         "locale": "ar", "active": True, "email_verified_at": now, "session_version": 1, "created_at": now}
        for n in range(accounts)
    ])
    users = db.session.execute(
        select(User.id, User.email).where(User.email.like("rush%@example.org")).order_by(User.email)).all()
    db.session.execute(insert(UserRole), [{"user_id": user.id, "role": Role.APPLICANT} for user in users])
    db.session.commit()
    return Seeded(
        call_id=call.id, call_code=call.code, closes_at=call.closes_at,
        accounts=[(user.id, user.email) for user in users],
        subdistrict_ids=list(db.session.scalars(
            select(Place.id).where(Place.kind == PlaceKind.SUBDISTRICT, Place.active).order_by(Place.id))),
        sector_ids=list(db.session.scalars(select(Sector.id).where(Sector.active).order_by(Sector.id))),
    )
