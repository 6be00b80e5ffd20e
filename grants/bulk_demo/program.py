"""The generated call and what every stage of the generator shares: the random source, the clock, the call's
staff, places, sectors and rubric, and the account rows (one password hash for all of them).

The program's timeline is fixed relative to today, so the monitoring pages have reports overdue and due:
the call opened 360 days ago and closed 315 days ago, reviews were written until 290 days ago, decisions released
280 days ago, training ran from 260 days ago and first payments were made between 225 and 40 days ago.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlalchemy import select

from ..accounts.services import hash_password
from ..demo import ANCHORS, DEMO_PASSWORD, RUBRIC
from ..extensions import db
from ..models import (
    Call, CallStatus, Criterion, Currency, Place, PlaceKind, Role, Sector, User, UserRole, utcnow,
)
from . import names
from .rows import Rows

MIN_AWARD, MAX_AWARD = 500_000, 5_000_000
# About one application in ten can be funded: the budget grows with the call.
BUDGET_PER_APPLICATION = 275_000
MIN_BUDGET = 20_000_000
# Candidates below this overall score are not selected (the rest not funded form the waiting list).
MIN_OVERALL_SCORE = Decimal("60")


@dataclass
class Program:
    rng: random.Random
    call: Call | None
    now: datetime
    prefix: str                    # of every generated email address: "bulk1." or "bulk1r2."
    password_hash: str
    officer_id: int                # requests tranches, screens, decides
    approver_id: int               # approves tranches (four eyes: never the officer)
    places: list[Place]
    place_weights: list[int]
    sectors: list[Sector]
    criteria: list[Criterion]
    rows: Rows = field(default_factory=Rows)

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    @property
    def today(self) -> date:
        from ..disbursements.services import program_today

        return program_today()

    def user_row(self, email: str, full_name: str, phone: str | None, created_at: datetime) -> dict:
        return dict(email=email, full_name=full_name, phone=phone, password_hash=self.password_hash, locale="ar",
                    active=True, email_verified_at=created_at, session_version=1, created_at=created_at,
                    last_login_at=None)

    def add_users(self, users: list[dict], role: Role) -> list[int]:
        ids = self.rows.add_returning_ids(User, users)
        self.rows.add(UserRole, [dict(user_id=user_id, role=role) for user_id in ids])
        return ids


def free_code(seed: int) -> str:
    """BULK<seed>, or BULK<seed>R2, R3 ... when the program was generated before with this seed."""
    taken = set(db.session.scalars(select(Call.code).where(Call.code.like(f"BULK{seed}%"))))
    return next(code for code in (f"BULK{seed}" + (f"R{n}" if n > 1 else "") for n in count(1))
                if code not in taken)


def start_program(applications: int, seed: int) -> Program:
    """The decided call with its rubric and staff, ready for the applications."""
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    code = free_code(seed)
    # The call and the staff ids are filled in below: the staff accounts are written with the program's rows.
    program = Program(rng=rng, call=None, now=now, prefix=f"{code.lower()}.",
                      password_hash=hash_password(DEMO_PASSWORD), officer_id=0, approver_id=0, places=[],
                      place_weights=[], sectors=[], criteria=[])
    program.officer_id, program.approver_id = _staff_accounts(program)
    program.call = _call(code, applications, now, program.officer_id)
    program.places = list(db.session.scalars(
        select(Place).where(Place.kind == PlaceKind.SUBDISTRICT, Place.active.is_(True)).order_by(Place.id)))
    program.sectors = list(db.session.scalars(select(Sector).where(Sector.active.is_(True)).order_by(Sector.id)))
    if not program.places or not program.sectors:
        raise RuntimeError("no places or sectors: run `flask --app grants db upgrade` first")
    program.place_weights = [names.PLACE_WEIGHTS.get(place.name_en, 1) for place in program.places]
    program.criteria = list(program.call.criteria)
    program.rows.counts.update(calls=1, criteria=len(program.criteria))
    return program


def _staff_accounts(program: Program) -> tuple[int, int]:
    created = program.days_ago(400)
    officer = program.add_users([program.user_row(f"{program.prefix}officer@example.org", "سامي الأحمد",
                                                  None, created)], Role.STAFF)[0]
    approver = program.add_users([program.user_row(f"{program.prefix}admin@example.org", "منى العبد الله",
                                                   None, created)], Role.ADMIN)[0]
    program.rows.add(UserRole, [dict(user_id=approver, role=Role.STAFF)])
    return officer, approver


def _call(code: str, applications: int, now: datetime, officer_id: int) -> Call:
    budget = max(MIN_BUDGET, applications * BUDGET_PER_APPLICATION // 1_000_000 * 1_000_000)
    call = Call(
        code=code, title_ar=f"منح المشاريع الصغيرة للشباب - دورة وطنية ({code})",
        title_en=f"Youth small business grants - national round ({code})",
        description_ar="منح صغيرة لبدء المشاريع أو توسيعها للشباب بين 18 و35 عاماً في محافظة دير الزور.",
        description_en="Small grants to start or grow a business, for young people aged 18 to 35 in Deir ez-Zor.",
        opens_at=now - timedelta(days=360), closes_at=now - timedelta(days=315), budget=budget,
        currency=Currency.SYP, min_award=MIN_AWARD, max_award=MAX_AWARD, reviewers_per_application=3,
        reviewers_may_comment=True, min_age=18, max_age=35, max_documents=6,
        review_due_at=now - timedelta(days=290), fit_policy="skip", min_overall_score=MIN_OVERALL_SCORE, response_days=14,
        tranche_schedule=[50, 30, 20], followup_months=[3, 6], status=CallStatus.DECIDED, application_seq=0,
        created_by_id=officer_id, created_at=now - timedelta(days=370),
    )
    for position, (name_ar, name_en, guidance_ar, guidance_en, weight, threshold) in enumerate(RUBRIC):
        call.criteria.append(Criterion(position=position, name_ar=name_ar, name_en=name_en, guidance_ar=guidance_ar,
                                       guidance_en=guidance_en, weight=weight, min_score=1, max_score=5,
                                       threshold=threshold, allows_not_applicable=False, anchors=ANCHORS))
    db.session.add(call)
    db.session.flush()
    return call
