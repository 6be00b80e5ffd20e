"""The call's eligibility rules checked against an application, each failure written in Arabic and English."""
from flask_babel import force_locale, format_date, format_decimal, gettext

LANGUAGES = ("ar", "en")


def _age_below(**v):
    return gettext("On the closing date (%(date)s) the applicant is %(age)s years old; the minimum age for this "
                   "call is %(min)s.", **v)


def _age_above(**v):
    return gettext("On the closing date (%(date)s) the applicant is %(age)s years old; the maximum age for this "
                   "call is %(max)s.", **v)


def _age_unknown(**v):
    return gettext("The date of birth is missing, so the age on the closing date cannot be checked.", **v)


def _place_not_allowed(**v):
    return gettext("The applicant lives in %(place)s, outside the places this call accepts.", **v)


def _place_unknown(**v):
    return gettext("The place of residence is missing, and this call accepts applicants from some places only.",
                   **v)


def _stage_not_accepted(**v):
    return gettext("This call does not accept this business stage: %(stage)s.", **v)


def _stage_unknown(**v):
    return gettext("The business stage is missing.", **v)


def _sector_not_accepted(**v):
    return gettext("This call does not accept businesses in this sector: %(sector)s.", **v)


def _sector_unknown(**v):
    return gettext("The business sector is missing, and this call accepts some sectors only.", **v)


def _reason(code: str, message, **values) -> dict:
    """{"code", "ar", "en"}: the message rendered once per language; callable values are computed in that
    language too (place names, stage titles, dates)."""
    reason = {"code": code}
    for language in LANGUAGES:
        with force_locale(language):
            reason[language] = message(**{k: (v() if callable(v) else v) for k, v in values.items()})
    return reason


def place_and_parents(place) -> list:
    """The subdistrict, its district and its governorate (as far as they exist)."""
    chain, seen = [], set()
    while place is not None and place.id not in seen:
        chain.append(place)
        seen.add(place.id)
        place = place.parent
    return chain


def place_allowed(place, call) -> bool:
    """A place is allowed when it, its district or its governorate is listed; no places listed means anywhere."""
    if not call.places:
        return True
    allowed = {p.id for p in call.places}
    return any(p.id in allowed for p in place_and_parents(place))


def check_eligibility(application, call) -> list[dict]:
    """Why the application breaks the call's rules; an empty list means eligible.

    Age is counted on the call's closing date (program timezone): someone born on that day of the year
    has already had their birthday. Nothing here writes: the caller records the result.
    """
    reasons = []
    closing = call.closing_date
    age = application.age_on(closing)
    number = format_decimal
    if age is None:
        reasons.append(_reason("age_unknown", _age_unknown))
    elif age < call.min_age:
        reasons.append(_reason("age_below", _age_below, date=lambda: format_date(closing),
                               age=lambda: number(age), min=lambda: number(call.min_age)))
    elif age > call.max_age:
        reasons.append(_reason("age_above", _age_above, date=lambda: format_date(closing),
                               age=lambda: number(age), max=lambda: number(call.max_age)))

    if call.places:
        place = application.place
        if place is None:
            reasons.append(_reason("place_unknown", _place_unknown))
        elif not place_allowed(place, call):
            reasons.append(_reason("place_not_allowed", _place_not_allowed, place=lambda: place_label(place)))

    stage = application.stage
    if stage is None:
        reasons.append(_reason("stage_unknown", _stage_unknown))
    elif stage not in call.accepted_stages:
        reasons.append(_reason("stage_not_accepted", _stage_not_accepted, stage=lambda: str(stage.title)))

    if call.sectors:
        sector = application.sector
        if sector is None:
            reasons.append(_reason("sector_unknown", _sector_unknown))
        elif sector.id not in {s.id for s in call.sectors}:
            reasons.append(_reason("sector_not_accepted", _sector_not_accepted, sector=lambda: sector.name))
    return reasons


def place_label(place) -> str:
    """"Al-Busayrah, Deir ez-Zor, Deir ez-Zor" in the current language."""
    return gettext(", ").join(p.name for p in place_and_parents(place))


def reason_text(reason: dict, language: str) -> str:
    """A stored reason in the reader's language, falling back to the other one."""
    language = (language or "ar")[:2]
    other = "en" if language == "ar" else "ar"
    return reason.get(language) or reason.get(other) or reason.get("code", "")
