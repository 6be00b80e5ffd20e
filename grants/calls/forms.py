"""Forms for calls, their rubric and required documents, and the place and sector lists.

Field validators give errors beside each field; the service re-checks every rule that matters
(status, uniqueness, what may change once a call is open) and its refusals land beside the same fields.
"""
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError

from ..accounts.forms import MultiCheckboxField
from ..formatting import from_program_time, to_program_time
from ..models import BusinessStage, Call, Currency, PlaceKind

CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,12}$")
SECTOR_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# BigInteger holds far more, but no program budget comes near this; it keeps sums safe too.
MAX_AMOUNT = 10**15
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _squash(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _code_filter(value):
    return value.strip().upper() if isinstance(value, str) else value


def finite(form, field):
    """Decimal('NaN') cannot even be compared; stop before NumberRange tries."""
    if field.data is not None and not field.data.is_finite():
        field.errors[:] = []
        raise StopValidation(_l("Enter a number."))


def required_number(message):
    """Like DataRequired, but 0 is a number; checks the data, so it also works for read-only fields."""

    def check(form, field):
        if field.data is None:
            field.errors[:] = []
            raise StopValidation(message)

    return check


def sensible_year(form, field):
    # Years far from now are typing mistakes, and year 1 cannot even be converted to UTC.
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise StopValidation(_l("Enter a date between the years 2000 and 2100."))


def name_fields(label_ar, label_en, max_length=200):
    return (
        StringField(label_ar, validators=[DataRequired(_l("Enter the Arabic name.")), Length(max=max_length)],
                    filters=[_squash]),
        StringField(label_en, validators=[DataRequired(_l("Enter the English name.")), Length(max=max_length)],
                    filters=[_squash]),
    )


# --- the call ------------------------------------------------------------------------------------

class CallForm(FlaskForm):
    code = StringField(
        _l("Code"), filters=[_code_filter],
        validators=[DataRequired(_l("Enter a code, for example DZ26A.")),
                    Length(max=12, message=_l("The code has 3 to 12 capital letters or digits, for example DZ26A."))],
    )
    title_ar = StringField(_l("Title in Arabic"), filters=[_squash],
                           validators=[DataRequired(_l("Enter the Arabic title.")), Length(max=200)])
    title_en = StringField(_l("Title in English"), filters=[_squash],
                           validators=[DataRequired(_l("Enter the English title.")), Length(max=200)])
    description_ar = TextAreaField(_l("Description in Arabic"), filters=[_strip],
                                   validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description in English"), filters=[_strip],
                                   validators=[Optional(), Length(max=20000)])
    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_FORMATS,
                                  validators=[DataRequired(_l("Enter the opening date and time.")), sensible_year])
    closes_at = DateTimeLocalField(_l("Closes at"), format=DATETIME_FORMATS,
                                   validators=[DataRequired(_l("Enter the closing date and time.")), sensible_year])
    budget = IntegerField(_l("Budget"), validators=[
        DataRequired(_l("Enter the budget in whole currency units.")),
        NumberRange(min=1, max=MAX_AMOUNT, message=_l("Enter a whole amount greater than zero."))])
    currency = SelectField(_l("Currency"), choices=lambda: [(c.value, c.title) for c in Currency],
                           default=Currency.SYP.value)
    min_award = IntegerField(_l("Minimum award"), validators=[
        DataRequired(_l("Enter the smallest award.")),
        NumberRange(min=1, max=MAX_AMOUNT, message=_l("Enter a whole amount greater than zero."))])
    max_award = IntegerField(_l("Maximum award"), validators=[
        DataRequired(_l("Enter the largest award.")),
        NumberRange(min=1, max=MAX_AMOUNT, message=_l("Enter a whole amount greater than zero."))])
    reviewers_per_application = IntegerField(_l("Reviewers per application"), default=3, validators=[
        DataRequired(_l("Enter a number from 1 to 10.")),
        NumberRange(min=1, max=10, message=_l("Enter a number from 1 to 10."))])
    blind_review = BooleanField(_l("Blind review: reviewers do not see who applied"))
    reviewers_may_comment = BooleanField(_l("Reviewers may comment on applications"))
    min_age = IntegerField(_l("Minimum age"), default=18, validators=[
        required_number(_l("Enter an age from 0 to 120.")),
        NumberRange(min=0, max=120, message=_l("Enter an age from 0 to 120."))])
    max_age = IntegerField(_l("Maximum age"), default=35, validators=[
        required_number(_l("Enter an age from 0 to 120.")),
        NumberRange(min=0, max=120, message=_l("Enter an age from 0 to 120."))])
    places = MultiCheckboxField(_l("Places where applicants may live"), coerce=int, choices=[],
                                validate_choice=True)
    stages = MultiCheckboxField(
        _l("Business stages accepted"), choices=lambda: [(s.value, s.title) for s in BusinessStage],
        default=[s.value for s in BusinessStage],
        validators=[DataRequired(_l("Choose at least one business stage."))])
    sectors = MultiCheckboxField(_l("Sectors accepted"), coerce=int, choices=[])
    max_documents = IntegerField(_l("Most documents per application"), default=10, validators=[
        required_number(_l("Enter a number from 0 to 50.")),
        NumberRange(min=0, max=50, message=_l("Enter a number from 0 to 50."))])

    def validate_code(self, field):
        if not CODE_PATTERN.match(field.data or ""):
            raise ValidationError(_l("The code has 3 to 12 capital letters or digits, for example DZ26A."))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The closing time must be after the opening time."))

    def validate_max_award(self, field):
        if field.data is None:
            return
        if self.min_award.data is not None and self.min_award.data > field.data:
            raise ValidationError(_l("The maximum award cannot be smaller than the minimum award."))
        if self.budget.data is not None and field.data > self.budget.data:
            raise ValidationError(_l("The maximum award cannot be larger than the budget."))

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and self.min_age.data > field.data:
            raise ValidationError(_l("The maximum age cannot be below the minimum age."))

    def values(self) -> dict:
        """What the service verbs take: UTC instants, stage flags, place and sector ids."""
        stages = set(self.stages.data or [])
        return dict(
            code=self.code.data, title_ar=self.title_ar.data, title_en=self.title_en.data,
            description_ar=self.description_ar.data or "", description_en=self.description_en.data or "",
            opens_at=from_program_time(self.opens_at.data), closes_at=from_program_time(self.closes_at.data),
            budget=self.budget.data, currency=Currency(self.currency.data), min_award=self.min_award.data,
            max_award=self.max_award.data, reviewers_per_application=self.reviewers_per_application.data,
            blind_review=bool(self.blind_review.data), reviewers_may_comment=bool(self.reviewers_may_comment.data),
            min_age=self.min_age.data, max_age=self.max_age.data,
            accepts_idea=BusinessStage.IDEA.value in stages, accepts_existing=BusinessStage.EXISTING.value in stages,
            place_ids=list(self.places.data or []), sector_ids=list(self.sectors.data or []),
            max_documents=self.max_documents.data,
        )

    def freeze(self, initial: dict, names, submitted) -> None:
        """Fields the call no longer lets change are shown read-only, so the browser does not send them:
        keep their current values. A stale page that does send a changed value still meets the service's refusal."""
        for name in names:
            if name not in submitted:
                self[name].data = initial[name]


    def keep_seconds(self, initial: dict) -> None:
        """datetime-local inputs show minutes only; a time left as shown keeps its stored seconds
        (otherwise re-saving an open call would move its closing time earlier, which is refused)."""
        for name in ("opens_at", "closes_at"):
            field, before = self[name], initial[name]
            if field.data is not None and field.data == before.replace(second=0, microsecond=0):
                field.data = before


def call_form_data(call: Call) -> dict:
    """A call as the form shows it: wall-clock times in the program's timezone, stages as a list."""
    return dict(
        code=call.code, title_ar=call.title_ar, title_en=call.title_en, description_ar=call.description_ar,
        description_en=call.description_en,
        opens_at=to_program_time(call.opens_at).replace(tzinfo=None),
        closes_at=to_program_time(call.closes_at).replace(tzinfo=None),
        budget=call.budget, currency=call.currency.value, min_award=call.min_award, max_award=call.max_award,
        reviewers_per_application=call.reviewers_per_application, blind_review=call.blind_review,
        reviewers_may_comment=call.reviewers_may_comment, min_age=call.min_age, max_age=call.max_age,
        places=[p.id for p in call.places], stages=[s.value for s in call.accepted_stages],
        sectors=[s.id for s in call.sectors], max_documents=call.max_documents,
    )


def _has_places(value, exponent: str) -> bool:
    """No more decimal places than `exponent` has; numbers too large to say are left to NumberRange."""
    if value is None or not value.is_finite():
        return True
    try:
        return value == value.quantize(Decimal(exponent))
    except InvalidOperation:
        return True


# --- the rubric ----------------------------------------------------------------------------------

class CriterionForm(FlaskForm):
    name_ar, name_en = name_fields(_l("Name in Arabic"), _l("Name in English"))
    guidance_ar = TextAreaField(_l("Guidance for reviewers in Arabic"), filters=[_strip],
                                validators=[Optional(), Length(max=5000)])
    guidance_en = TextAreaField(_l("Guidance for reviewers in English"), filters=[_strip],
                                validators=[Optional(), Length(max=5000)])
    min_score = IntegerField(_l("Lowest score"), default=1, validators=[
        required_number(_l("Enter a whole number from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("Enter a whole number from 0 to 100."))])
    max_score = IntegerField(_l("Highest score"), default=5, validators=[
        DataRequired(_l("Enter the highest score.")),
        NumberRange(min=1, max=100, message=_l("Enter a whole number from 1 to 100."))])
    weight = DecimalField(_l("Weight"), default=Decimal("1"), places=None, validators=[
        DataRequired(_l("Enter a weight greater than zero.")), finite,
        NumberRange(min=Decimal("0.001"), max=Decimal("999"),
                    message=_l("Enter a weight greater than zero (at most 999)."))])
    threshold = DecimalField(_l("Minimum threshold (optional)"), places=None, validators=[Optional(), finite])
    allows_not_applicable = BooleanField(_l("Reviewers may answer “not applicable”"))
    # Written anchors: what each score means, one line per level from the lowest up.
    anchors_ar = TextAreaField(_l("What each score means, in Arabic"), filters=[_strip],
                               validators=[Optional(), Length(max=5000)])
    anchors_en = TextAreaField(_l("What each score means, in English"), filters=[_strip],
                               validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None and obj.anchors and not self.is_submitted():
            levels = range(obj.min_score, obj.max_score + 1)
            for language in ("ar", "en"):
                getattr(self, f"anchors_{language}").data = "\n".join(
                    obj.anchors.get(str(level), {}).get(language, "") for level in levels).rstrip("\n")

    def _anchor_lines(self, language) -> list[str]:
        return [line.strip() for line in (getattr(self, f"anchors_{language}").data or "").splitlines()]

    def _check_anchor_count(self, field):
        if self.min_score.data is None or self.max_score.data is None:
            return
        levels = self.max_score.data - self.min_score.data + 1
        if len([line for line in (field.data or "").splitlines()]) > levels:
            raise ValidationError(_l("Write at most one line per score: %(count)d lines.", count=levels))

    validate_anchors_ar = validate_anchors_en = _check_anchor_count

    def validate_max_score(self, field):
        if field.data is not None and self.min_score.data is not None and field.data <= self.min_score.data:
            raise ValidationError(_l("The highest score must be above the lowest score."))

    def validate_weight(self, field):
        if not _has_places(field.data, "0.001"):
            raise ValidationError(_l("Use at most three decimal places."))

    def validate_threshold(self, field):
        if field.data is None or not field.data.is_finite():
            return
        low, high = self.min_score.data, self.max_score.data
        if low is not None and high is not None and not low <= field.data <= high:
            raise ValidationError(_l("The threshold must lie on the scale, from %(low)s to %(high)s.",
                                     low=low, high=high))
        if not _has_places(field.data, "0.01"):
            raise ValidationError(_l("Use at most two decimal places."))

    def values(self) -> dict:
        return dict(name_ar=self.name_ar.data, name_en=self.name_en.data,
                    guidance_ar=self.guidance_ar.data or "", guidance_en=self.guidance_en.data or "",
                    min_score=self.min_score.data, max_score=self.max_score.data, weight=self.weight.data,
                    threshold=self.threshold.data, allows_not_applicable=bool(self.allows_not_applicable.data),
                    anchors=self.anchors())

    def anchors(self) -> dict:
        """{"<score>": {"ar": ..., "en": ...}} from the two textareas, lowest score first."""
        arabic, english = self._anchor_lines("ar"), self._anchor_lines("en")
        anchors = {}
        for offset in range(max(len(arabic), len(english))):
            text = {"ar": arabic[offset] if offset < len(arabic) else "",
                    "en": english[offset] if offset < len(english) else ""}
            if any(text.values()):
                anchors[str(self.min_score.data + offset)] = text
        return anchors


# --- required documents --------------------------------------------------------------------------

class RequiredDocumentForm(FlaskForm):
    name_ar, name_en = name_fields(_l("Name in Arabic"), _l("Name in English"))
    is_identity = BooleanField(_l("Identity document (hidden from reviewers when the review is blind)"))
    mandatory = BooleanField(_l("Mandatory"), default=True)

    def values(self) -> dict:
        return dict(name_ar=self.name_ar.data, name_en=self.name_en.data, is_identity=bool(self.is_identity.data),
                    mandatory=bool(self.mandatory.data))


# --- places and sectors --------------------------------------------------------------------------

class PlaceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: [(k.value, k.title) for k in PlaceKind],
                       default=PlaceKind.SUBDISTRICT.value)
    parent_id = SelectField(_l("Part of"), choices=[])
    name_ar, name_en = name_fields(_l("Name in Arabic"), _l("Name in English"), 120)

    def parent(self) -> int | None:
        return int(self.parent_id.data) if (self.parent_id.data or "").isdigit() else None


class PlaceEditForm(FlaskForm):
    name_ar, name_en = name_fields(_l("Name in Arabic"), _l("Name in English"), 120)
    active = BooleanField(_l("Offered in new application forms"))


class SectorForm(FlaskForm):
    code = StringField(_l("Code"), filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
                       validators=[DataRequired(_l("Enter a code.")), Length(max=40)])
    name_ar, name_en = name_fields(_l("Name in Arabic"), _l("Name in English"), 120)

    def validate_code(self, field):
        if not SECTOR_CODE_PATTERN.match(field.data or ""):
            raise ValidationError(_l("The code has 2 to 40 small Latin letters, digits or _, starting with a letter."))


class SectorEditForm(FlaskForm):
    name_ar, name_en = name_fields(_l("Name in Arabic"), _l("Name in English"), 120)
    active = BooleanField(_l("Offered in new application forms"))

