"""The standard conditions an applicant accepts with an award (shown on the decision page and in the confirmation)."""
from flask_babel import lazy_gettext as _l

AWARD_CONDITIONS = (
    _l("I will use the grant only for the items in my approved budget, and keep the receipts."),
    _l("I will attend the business training the program requires."),
    _l("I will report on the progress of my business whenever the program asks."),
    _l("I will accept monitoring visits from the program team to my business."),
)
