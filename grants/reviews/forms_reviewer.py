"""Forms of the reviewer's pages: the scoring form built from the call's rubric, and the conflict form.

The scoring form only checks lengths; every scoring rule (scale, "not applicable", comments on the
lowest and highest scores, the recommendation) belongs to the service (save_review), whose errors land
beside the fields of the same names: score_<criterion id>, comment_<criterion id>, recommendation.
"""
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..models import ConflictKind, Recommendation
from .services import NOT_APPLICABLE

MAX_COMMENT = 5_000
MAX_OVERALL_COMMENT = 10_000


def _text(value):
    return value.strip() if isinstance(value, str) else value


def _choice(value):
    """Radio values stay strings; nothing chosen stays None (not the string "None")."""
    return None if value is None else str(value)


@dataclass(frozen=True)
class Level:
    value: str
    anchor: str


@dataclass(frozen=True)
class CriterionFields:
    """What the template needs for one criterion: the criterion, its two fields and the level anchors."""

    criterion: object
    score: object
    comment: object
    levels: list


def anchor_text(criterion, level: int) -> str:
    """The written anchor for one score level in the reader's language, falling back to the other one."""
    anchors = criterion.anchors if isinstance(criterion.anchors, dict) else {}
    texts = anchors.get(str(level))
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, dict):
        return ""
    first, second = ("en", "ar") if str(get_locale() or "ar").startswith("en") else ("ar", "en")
    return texts.get(first) or texts.get(second) or ""


class ScoringForm(FlaskForm):
    overall_comment = TextAreaField(_l("Overall comment"), filters=[_text],
                                    validators=[Length(max=MAX_OVERALL_COMMENT)])
    recommendation = RadioField(_l("Recommendation"), choices=[(r.value, r.title) for r in Recommendation],
                                coerce=_choice, validate_choice=False)

    criteria_fields: list

    def answers(self) -> dict:
        """{criterion id: {"value": ..., "comment": ...}} as save_review takes them."""
        return {item.criterion.id: {"value": item.score.data or None, "comment": item.comment.data or ""}
                for item in self.criteria_fields}


def scoring_form(criteria, review=None) -> ScoringForm:
    """A ScoringForm with a score and a comment field per criterion.

    Filled from `review` when given (on GET); on POST leave it out, so what was typed is what shows.
    """

    class Form(ScoringForm):
        pass

    for criterion in criteria:
        choices = [(str(level), str(level)) for level in range(criterion.min_score, criterion.max_score + 1)]
        if criterion.allows_not_applicable:
            choices.append((NOT_APPLICABLE, _l("Not applicable")))
        setattr(Form, f"score_{criterion.id}", RadioField(criterion.name, choices=choices, coerce=_choice,
                                                          validate_choice=False))
        setattr(Form, f"comment_{criterion.id}", TextAreaField(
            _l("Comment on %(criterion)s", criterion=criterion.name), filters=[_text],
            validators=[Length(max=MAX_COMMENT)]))

    data = None
    if review is not None:
        data = {"overall_comment": review.overall_comment,
                "recommendation": review.recommendation.value if review.recommendation else None}
        for score in review.scores:
            data[f"score_{score.criterion_id}"] = NOT_APPLICABLE if score.value is None else str(score.value)
            data[f"comment_{score.criterion_id}"] = score.comment
    form = Form(data=data)
    form.criteria_fields = [
        CriterionFields(criterion=c, score=form[f"score_{c.id}"], comment=form[f"comment_{c.id}"],
                        levels=[Level(str(level), anchor_text(c, level))
                                for level in range(c.min_score, c.max_score + 1)])
        for c in criteria
    ]
    return form


class ConflictForm(FlaskForm):
    kind = SelectField(_l("Kind of conflict"), choices=[(k.value, k.title) for k in ConflictKind],
                       validators=[DataRequired(_l("Choose the kind of conflict."))])
    reason = TextAreaField(_l("Reason"), filters=[_text],
                           validators=[DataRequired(_l("Please say briefly what the conflict is.")),
                                       Length(max=2_000)])
