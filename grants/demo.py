"""Demo data for `flask --app grants seed-demo`: safe to run again, it only adds what is missing."""
from .accounts.services import create_user, find_user_by_email
from .models import Role

DEMO_PASSWORD = "demo-pass-2026"

DEMO_PEOPLE = [
    ("admin@example.org", "سلمى الحسن", [Role.ADMIN, Role.STAFF], "ar"),
    ("staff@example.org", "خالد العبد الله", [Role.STAFF], "ar"),
    ("staff2@example.org", "Rania Haddad", [Role.STAFF], "en"),
    ("reviewer1@example.org", "د. عمر الشيخ", [Role.REVIEWER], "ar"),
    ("reviewer2@example.org", "ليلى المحمد", [Role.REVIEWER], "ar"),
    ("reviewer3@example.org", "Yusuf Karim", [Role.REVIEWER], "en"),
    ("applicant1@example.org", "أحمد عبد الرحمن الخلف", [Role.APPLICANT], "ar"),
    ("applicant2@example.org", "فاطمة الزهراء العلي", [Role.APPLICANT], "ar"),
    ("applicant3@example.org", "محمود الجاسم", [Role.APPLICANT], "ar"),
    ("applicant4@example.org", "نور الهدى الدندل", [Role.APPLICANT], "en"),
    ("applicant5@example.org", "حسين العساف", [Role.APPLICANT], "ar"),
]


def seed_demo() -> list[tuple[str, list[str]]]:
    """Create the demo accounts that do not exist yet; returns every demo account and its roles."""
    for index, (email, name, roles, locale) in enumerate(DEMO_PEOPLE, start=1):
        if find_user_by_email(email) is None:
            create_user(email=email, full_name=name, password=DEMO_PASSWORD, roles=roles, locale=locale,
                        phone=f"+9639440000{index:02d}")
    return [(email, [r.value for r in roles]) for email, _, roles, _ in DEMO_PEOPLE]
