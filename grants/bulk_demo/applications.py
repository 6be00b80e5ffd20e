"""Applicant accounts and their applications with budget lines.

Most applicants are 18 to 35 on the closing day; a few are just outside and are recorded ineligible with the
same reasons the real eligibility check gives. Most submissions come in the last day before the deadline.
References are handed out in submission order, and the call's counter is moved past them, so a real submission
to the call afterwards gets the next free reference.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import update

from ..applications.eligibility import check_eligibility
from ..extensions import db
from ..i18n import normalize_arabic
from ..models import (
    Application, ApplicationStatus, BudgetLine, BusinessStage, Call, Disability, Education, Gender, Role,
    ScreeningStatus,
)
from ..screening.queries import years_before
from . import names
from .program import MAX_AWARD, MIN_AWARD, Program

DRAFT_SHARE, WITHDRAWN_SHARE = 0.04, 0.015
LAST_DAY_SHARE = 0.45  # of submissions in the 24 hours before the deadline
EDUCATION_WEIGHTS = {Education.NONE: 3, Education.PRIMARY: 12, Education.SECONDARY: 35, Education.VOCATIONAL: 18,
                     Education.UNIVERSITY: 28, Education.POSTGRADUATE: 4}
AGES = range(18, 36)
AGE_WEIGHTS = [8, 10, 11, 12, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8, 7, 7, 6, 6]
DISABILITY_WEIGHTS = {Disability.NONE: 90, Disability.YES: 6, Disability.UNDISCLOSED: 4}


@dataclass(slots=True)
class Applicant:
    """What later stages need to know about one generated application."""
    id: int
    user_id: int
    status: ApplicationStatus
    screening_status: ScreeningStatus
    requested: int
    quality: float  # the business's true merit on the 1-5 scale, around which reviewers score


def make_applications(program: Program, count: int) -> list[Applicant]:
    rng, call = program.rng, program.call
    closing = call.closing_date
    drafts = [_draft(program, number, closing) for number in range(1, count + 1)]
    submitted = sorted((d for d in drafts if d["app"]["submitted_at"] is not None),
                       key=lambda d: d["app"]["submitted_at"])
    for seq, draft in enumerate(submitted, start=1):
        draft["app"]["reference"] = f"{call.code}-{seq:05d}"
    db.session.execute(update(Call).where(Call.id == call.id).values(application_seq=len(submitted)))

    user_ids = program.add_users([d["user"] for d in drafts], Role.APPLICANT)
    for draft, user_id in zip(drafts, user_ids):
        draft["app"]["applicant_id"] = user_id
    app_ids = program.rows.add_returning_ids(Application, [d["app"] for d in drafts])
    lines = []
    for draft, app_id in zip(drafts, app_ids):
        lines.extend(dict(line, application_id=app_id) for line in draft["lines"])
    program.rows.add(BudgetLine, lines)
    applicants = [Applicant(id=app_id, user_id=d["app"]["applicant_id"], status=d["app"]["status"],
                            screening_status=d["app"]["screening_status"], requested=d["app"]["requested_amount"],
                            quality=d["quality"])
                  for d, app_id in zip(drafts, app_ids)]
    rng.shuffle(applicants)  # later stages take them in this order; it is still a function of the seed
    return applicants


def _draft(program: Program, number: int, closing: date) -> dict:
    rng, call = program.rng, program.call
    gender = Gender.FEMALE if rng.random() < 0.45 else Gender.MALE
    first_ar, first_latin = rng.choice(names.FEMALE_FIRST if gender == Gender.FEMALE else names.MALE_FIRST)
    father_ar, father_latin = rng.choice(names.MALE_FIRST)
    family_ar, family_latin = rng.choice(names.FAMILIES)
    full_name = f"{first_ar} {father_ar} {family_ar}"
    phone = f"+9639{rng.randrange(10_000_000, 100_000_000)}"
    age = _age(rng)
    born = years_before(closing, age) - timedelta(days=rng.randrange(365))
    stage = BusinessStage.IDEA if rng.random() < 0.55 else BusinessStage.EXISTING
    sector = rng.choice(program.sectors)
    kind, description, items = names.SECTORS.get(sector.code, names.GENERIC_SECTOR)
    requested = rng.randrange(MIN_AWARD, MAX_AWARD + 1, 50_000)
    own = requested * rng.randrange(5, 25) // 100 // 1000 * 1000
    lines = _budget_lines(rng, items, requested + own)

    status, submitted_at, withdrawn_at = _status(program)
    created_at = (submitted_at or call.closes_at) - timedelta(hours=rng.uniform(1, 24 * 20))
    created_at = max(created_at, call.opens_at)
    eligible, reasons = (None, []) if submitted_at is None else _eligibility(call, age, stage)
    user = program.user_row(f"{program.prefix}a{number:06d}@example.org", full_name, phone,
                            created_at - timedelta(hours=rng.uniform(0, 48)))
    app = dict(
        call_id=call.id, status=status, reference=None, created_at=created_at,
        updated_at=withdrawn_at or submitted_at or created_at, submitted_at=submitted_at, withdrawn_at=withdrawn_at,
        full_name_ar=full_name, full_name_latin=f"{first_latin} {father_latin} {family_latin}",
        name_key=_name_key(full_name), date_of_birth=born, gender=gender,
        national_id=f"{rng.randrange(10**10, 10**11)}", phone=phone, phone_normalized=phone,
        place_id=rng.choices(program.places, program.place_weights)[0].id,
        education=rng.choices(list(EDUCATION_WEIGHTS), list(EDUCATION_WEIGHTS.values()))[0],
        current_work=rng.choice(names.CURRENT_WORK),
        disability=rng.choices(list(DISABILITY_WEIGHTS), list(DISABILITY_WEIGHTS.values()))[0],
        business_name=f"{kind} {family_ar}", sector_id=sector.id, stage=stage,
        women_led=rng.random() < (0.9 if gender == Gender.FEMALE else 0.05),
        business_description=description, problem_and_customers=rng.choice(names.CUSTOMERS),
        jobs_women=rng.randrange(0, 3), jobs_men=rng.randrange(0, 3), partners="",
        budget_total=requested + own, requested_amount=requested, own_contribution=own,
        eligible=eligible, eligibility_reasons=reasons, eligibility_overridden=False, override_reason=None,
        **_screening(program, status, eligible),
    )
    return {"user": user, "app": app, "lines": lines, "quality": rng.gauss(3.1, 0.8)}


def _age(rng) -> int:
    """18-35 for nearly everyone, the early twenties most often; a few just outside the call's range."""
    draw = rng.random()
    if draw < 0.02:
        return 17
    if draw < 0.05:
        return rng.randrange(36, 39)
    return rng.choices(AGES, AGE_WEIGHTS)[0]


def _status(program: Program) -> tuple[ApplicationStatus, datetime | None, datetime | None]:
    rng, call = program.rng, program.call
    draw = rng.random()
    if draw < DRAFT_SHARE:
        return ApplicationStatus.DRAFT, None, None
    window = (call.closes_at - call.opens_at).total_seconds()
    if rng.random() < LAST_DAY_SHARE:
        before_close = rng.uniform(1, 24 * 3600)
    else:
        before_close = rng.uniform(24 * 3600, window - 60)
    submitted_at = call.closes_at - timedelta(seconds=int(before_close))
    if draw < DRAFT_SHARE + WITHDRAWN_SHARE:
        return ApplicationStatus.WITHDRAWN, submitted_at, min(submitted_at + timedelta(days=2), call.closes_at)
    return ApplicationStatus.SUBMITTED, submitted_at, None


def _screening(program: Program, status: ApplicationStatus, eligible: bool | None) -> dict:
    """Staff screened every submission after the deadline: those ineligible by the rules are ruled out, a few
    more are found to be duplicates or outside the governorate; withdrawn ones are left alone."""
    rng = program.rng
    if status != ApplicationStatus.SUBMITTED:
        return dict(screening_status=ScreeningStatus.PENDING, screening_reason=None, screened_by_id=None,
                    screened_at=None)
    draw = rng.random()
    if not eligible:
        outcome, reason = ScreeningStatus.INELIGIBLE, names.INELIGIBLE_BY_RULES
    elif draw < 0.015:
        outcome, reason = ScreeningStatus.DUPLICATE, names.DUPLICATE_REASON
    elif draw < 0.025:
        outcome, reason = ScreeningStatus.INELIGIBLE, names.INELIGIBLE_AT_SCREENING
    else:
        outcome, reason = ScreeningStatus.SCREENED, None
    return dict(screening_status=outcome, screening_reason=reason, screened_by_id=program.officer_id,
                screened_at=program.call.closes_at + timedelta(days=rng.uniform(1, 10)))


def _budget_lines(rng, items: list[str], total: int) -> list[dict]:
    """Two to four lines that add up to `total` exactly: the last line takes what the others leave."""
    chosen = rng.sample(items, min(len(items), rng.randrange(2, 5)))
    lines, left = [], total
    for position, item in enumerate(chosen[:-1]):
        quantity = rng.choice((1, 1, 1, 2, 3, 5))
        unit_cost = int(left * rng.uniform(0.15, 0.45)) // quantity // 1000 * 1000
        lines.append(dict(position=position, item=item, quantity=quantity, unit_cost=unit_cost))
        left -= quantity * unit_cost
    lines.append(dict(position=len(chosen) - 1, item=chosen[-1], quantity=1, unit_cost=left))
    return lines


def _eligibility(call: Call, age: int, stage: BusinessStage) -> tuple[bool, list[dict]]:
    reasons = _reasons(call.id, call.min_age, call.max_age, call.closing_date, age, stage)
    return not reasons, list(reasons)


@lru_cache(maxsize=256)
def _reasons(call_id, min_age, max_age, closing, age, stage) -> tuple:
    """The real eligibility check on a stand-in with the same age and stage (the call limits no places or
    sectors), so the stored reasons read exactly like those of real submissions; cached per age."""
    born = years_before(closing, age)
    stand_in = SimpleNamespace(date_of_birth=born, place=None, sector=None, stage=stage)
    stand_in.age_on = lambda day: Application.age_on(stand_in, day)
    call = SimpleNamespace(closing_date=closing, min_age=min_age, max_age=max_age, places=[], sectors=[],
                           accepted_stages=list(BusinessStage))
    return tuple(check_eligibility(stand_in, call))


@lru_cache(maxsize=4096)
def _name_key(full_name: str) -> str:
    return normalize_arabic(full_name)
