"""Read helpers for screening: the filtered list of a call's applications, its choices, and the detail page.

A list page costs a fixed number of queries whatever its length: the page (places and sectors eager-loaded),
its count, and the open flags of the page's rows.
"""
import re
from dataclasses import dataclass, fields
from datetime import date

import phonenumbers
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload

from ..admin.queries import audit_for
from ..extensions import db
from ..i18n import normalize_arabic
from ..paging import MAX_ID, PAGE_SIZE, small_int
from ..models import (
    Application, ApplicationStatus, ApplicationTag, BusinessStage, Call, Comment, Document, DuplicateFlag,
    DuplicateKind, FlagStatus, Gender, Place, ScreeningStatus, Sector, User,
)


# Age bands counted on the call's closing date; "other" is everyone outside them (or without a birth date).
AGE_BANDS = {"18-24": (18, 24), "25-29": (25, 29), "30-35": (30, 35)}
AGE_OTHER = "other"
ELIGIBILITY_CHOICES = ("eligible", "ineligible", "overridden")
LISTED_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)
SORTS = {
    "reference": (Application.reference,),
    "submitted": (Application.submitted_at,),
    "name": (Application.name_key,),
    "amount": (Application.requested_amount,),
}
DEFAULT_SORT = "reference"
MAX_SEARCH = 100
MAX_TAG = 40

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def clean_tag(value: str | None) -> str:
    return " ".join((value or "").split())[:MAX_TAG]


def normalized_phone(text: str | None) -> str | None:
    """What the applicant's phone would be stored as (E.164), from whatever staff typed; None if not a phone."""
    text = (text or "").translate(_DIGITS)
    if len(re.sub(r"\D", "", text)) < 6 or re.search(r"[^\d\s+().\-]", text):
        return None
    try:
        number = phonenumbers.parse(text, "SY")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Filters:
    """The list's filters, search and sort, read leniently from the query string: unknown values are ignored."""

    status: str = ""
    eligibility: str = ""
    screening: str = ""
    district: int | None = None
    gender: str = ""
    age: str = ""
    sector: int | None = None
    stage: str = ""
    flagged: str = ""
    tag: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args) -> "Filters":
        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        sort = args.get("sort", DEFAULT_SORT)
        return cls(
            status=pick("status", {s.value for s in LISTED_STATUSES}),
            eligibility=pick("eligibility", ELIGIBILITY_CHOICES),
            screening=pick("screening", {s.value for s in ScreeningStatus}),
            district=small_int(args.get("district")),
            gender=pick("gender", {g.value for g in Gender}),
            age=pick("age", {*AGE_BANDS, AGE_OTHER}),
            sector=small_int(args.get("sector")),
            stage=pick("stage", {s.value for s in BusinessStage}),
            flagged=pick("flagged", {"yes", "no"}),
            tag=clean_tag(args.get("tag")),
            q=" ".join(str(args.get("q", "")).split())[:MAX_SEARCH],
            sort=sort if sort.removeprefix("-") in SORTS else DEFAULT_SORT,
        )

    def as_args(self, **changes) -> dict:
        """The non-empty values, as query-string arguments (for links, the export and the audit row)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return {k: v for k, v in values.items()
                if v not in ("", None) and not (k == "sort" and v == DEFAULT_SORT)}


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _at_least(closing: date, years: int):
    """Born early enough to be at least `years` old on the closing date."""
    return Application.date_of_birth <= years_before(closing, years)


def age_condition(band: str, closing: date):
    """The age band as a condition on the date of birth: bounds computed here, compared in SQL."""
    if band in AGE_BANDS:
        low, high = AGE_BANDS[band]
        return and_(_at_least(closing, low), ~_at_least(closing, high + 1))
    inside = [and_(_at_least(closing, low), ~_at_least(closing, high + 1)) for low, high in AGE_BANDS.values()]
    return or_(Application.date_of_birth.is_(None), ~or_(*inside))


def _place_and_below(place_id: int):
    """The place and every place under it (a district with its subdistricts, a governorate with all)."""
    children = select(Place.id).where(Place.parent_id == place_id)
    grandchildren = select(Place.id).where(Place.parent_id.in_(children))
    return or_(Application.place_id == place_id, Application.place_id.in_(children),
               Application.place_id.in_(grandchildren))


def _open_flag_exists():
    return exists().where(DuplicateFlag.status == FlagStatus.OPEN,
                          or_(DuplicateFlag.application_id == Application.id, DuplicateFlag.other_id == Application.id))


def search_condition(text: str):
    """Reference, Arabic name (normalised on both sides), Latin name (any case) or phone (normalised)."""
    conditions = [Application.reference.contains(text.upper(), autoescape=True),
                  Application.full_name_latin.icontains(text, autoescape=True)]
    key = normalize_arabic(text)
    if key:
        conditions.append(Application.name_key.contains(key, autoescape=True))
    phone = normalized_phone(text)
    if phone:
        conditions.append(Application.phone_normalized == phone)
    return or_(*conditions)


def applications_query(call: Call, filters: Filters):
    """The call's submitted and withdrawn applications matching the filters, sorted (no eager loading)."""
    query = select(Application).where(Application.call_id == call.id, Application.status.in_(LISTED_STATUSES))
    if filters.status:
        query = query.where(Application.status == filters.status)
    if filters.eligibility == "eligible":
        query = query.where(Application.eligible.is_(True))
    elif filters.eligibility == "ineligible":
        query = query.where(or_(Application.eligible.is_(False), Application.eligible.is_(None)),
                            Application.eligibility_overridden.is_(False))
    elif filters.eligibility == "overridden":
        query = query.where(Application.eligibility_overridden.is_(True))
    if filters.screening:
        query = query.where(Application.screening_status == filters.screening)
    if filters.district:
        query = query.where(_place_and_below(filters.district))
    if filters.gender:
        query = query.where(Application.gender == filters.gender)
    if filters.age:
        query = query.where(age_condition(filters.age, call.closing_date))
    if filters.sector:
        query = query.where(Application.sector_id == filters.sector)
    if filters.stage:
        query = query.where(Application.stage == filters.stage)
    if filters.flagged == "yes":
        query = query.where(_open_flag_exists())
    elif filters.flagged == "no":
        query = query.where(~_open_flag_exists())
    if filters.tag:
        query = query.where(exists().where(ApplicationTag.application_id == Application.id,
                                           ApplicationTag.tag == filters.tag))
    if filters.q:
        query = query.where(search_condition(filters.q))
    descending = filters.sort.startswith("-")
    columns = SORTS[filters.sort.removeprefix("-")] + (Application.id,)
    return query.order_by(*(c.desc() if descending else c.asc() for c in columns))


def with_row_details(query):
    """What a row shows: the place with its district, the sector and the tags, in a fixed number of queries.

    The call is already loaded by the page (one call per list): rows find it in the session instead of
    joining it again and reloading its rubric and documents.
    """
    return query.options(lazyload(Application.call), joinedload(Application.place).joinedload(Place.parent),
                         joinedload(Application.sector), selectinload(Application.tags))


def applications_page(call: Call, filters: Filters, page: int):
    return db.paginate(with_row_details(applications_query(call, filters)), page=page, per_page=PAGE_SIZE,
                       error_out=False, count=True)


def all_applications(call: Call, filters: Filters) -> list[Application]:
    """Every row of the filtered list (for the export)."""
    return list(db.session.scalars(with_row_details(applications_query(call, filters))).unique())


@dataclass(frozen=True)
class FlagMark:
    flag_id: int
    kind: DuplicateKind
    similarity: int
    other_id: int
    other_reference: str | None


def open_flags(*, application_ids=None, call_id=None) -> dict[int, list[FlagMark]]:
    """Open flags by application id, each naming the other application: one query."""
    first, second = aliased(Application), aliased(Application)
    query = (select(DuplicateFlag.id, DuplicateFlag.kind, DuplicateFlag.similarity, DuplicateFlag.application_id,
                    first.reference, DuplicateFlag.other_id, second.reference)
             .join(first, first.id == DuplicateFlag.application_id)
             .join(second, second.id == DuplicateFlag.other_id)
             .where(DuplicateFlag.status == FlagStatus.OPEN).order_by(DuplicateFlag.id))
    if application_ids is not None:
        ids = list(application_ids)
        if not ids:
            return {}
        query = query.where(or_(DuplicateFlag.application_id.in_(ids), DuplicateFlag.other_id.in_(ids)))
    if call_id is not None:
        query = query.where(DuplicateFlag.call_id == call_id)
    marks: dict[int, list[FlagMark]] = {}
    for flag_id, kind, similarity, low, low_ref, high, high_ref in db.session.execute(query):
        kind = DuplicateKind(kind)
        marks.setdefault(low, []).append(FlagMark(flag_id, kind, similarity, high, high_ref))
        marks.setdefault(high, []).append(FlagMark(flag_id, kind, similarity, low, low_ref))
    return marks


def draft_count(call: Call) -> int:
    return db.session.scalar(select(func.count()).select_from(Application).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.DRAFT))


@dataclass(frozen=True)
class PlaceChoice:
    id: int
    name: str
    depth: int


def place_choices() -> list[PlaceChoice]:
    """Governorates, districts and subdistricts as an indented list (one query)."""
    places = db.session.scalars(select(Place).order_by(Place.id)).all()
    children: dict[int | None, list[Place]] = {}
    for place in places:
        children.setdefault(place.parent_id, []).append(place)
    choices: list[PlaceChoice] = []

    def walk(parent_id, depth):
        for place in children.get(parent_id, []):
            choices.append(PlaceChoice(place.id, place.name, depth))
            walk(place.id, depth + 1)

    walk(None, 0)
    return choices


def sector_choices() -> list[Sector]:
    return list(db.session.scalars(select(Sector).order_by(Sector.id)))


def call_tags(call: Call) -> list[str]:
    return list(db.session.scalars(
        select(ApplicationTag.tag).join(Application, Application.id == ApplicationTag.application_id)
        .where(Application.call_id == call.id).distinct().order_by(ApplicationTag.tag)))


def applications_in_call(call: Call, ids) -> list[Application]:
    """The listed (submitted or withdrawn) applications of this call among `ids`; other ids are ignored."""
    ids = sorted({i for i in ids if isinstance(i, int) and 0 < i <= MAX_ID})
    if not ids:
        return []
    return list(db.session.scalars(
        select(Application).where(Application.call_id == call.id, Application.id.in_(ids),
                                  Application.status.in_(LISTED_STATUSES))
        .options(selectinload(Application.tags)).order_by(Application.id)))


# --- the detail page ------------------------------------------------------------------------------------

def application_detail(application_id: int) -> Application | None:
    """A submitted or withdrawn application with everything the detail page shows, in a few queries."""
    return db.session.scalar(
        select(Application).where(Application.id == application_id)
        .options(selectinload(Application.budget_lines),
                 selectinload(Application.documents).joinedload(Document.requirement),
                 joinedload(Application.place).joinedload(Place.parent), joinedload(Application.sector),
                 selectinload(Application.tags), joinedload(Application.applicant)))


def flags_of(application: Application) -> list[DuplicateFlag]:
    """Every flag naming the application, open ones first, with both applications loaded."""
    return list(db.session.scalars(
        select(DuplicateFlag)
        .where(or_(DuplicateFlag.application_id == application.id, DuplicateFlag.other_id == application.id))
        .options(joinedload(DuplicateFlag.application), joinedload(DuplicateFlag.other))
        .order_by((DuplicateFlag.status == FlagStatus.OPEN).desc(), DuplicateFlag.id)))


def comments_of(application: Application) -> list[Comment]:
    return list(db.session.scalars(
        select(Comment).where(Comment.application_id == application.id).order_by(Comment.created_at, Comment.id)))


def audit_trail(application: Application):
    return list(db.session.scalars(audit_for(application)))


def override_by(application: Application) -> User | None:
    return db.session.get(User, application.override_by_id) if application.override_by_id else None
