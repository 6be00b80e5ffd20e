"""Demo data for `flask --app grants seed-demo`: safe to run again, it only adds what is missing.

The demo program has one open call (DZ26A) with drafts and submitted applications, and one earlier
call (DZ25B) whose applications are submitted, closed and reviewed; later features add their parts.
Everything goes through the same service verbs as real use, so the demo obeys the same rules.
"""
import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

from reportlab.pdfgen import canvas
from sqlalchemy import select

from .accounts.services import create_user, find_user_by_email
from .extensions import db
from .models import (
    Application, BusinessStage, Call, CallStatus, Currency, Disability, Document, Education, Gender, Place,
    PlaceKind, Role, Sector, User, utcnow,
)
from .storage import storage

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

# More applicants for the reviewed call, so the ranking and calibration have something to work on.
EXTRA_APPLICANTS = [
    ("applicant6@example.org", "رهف الحمادي"), ("applicant7@example.org", "يوسف العكيدي"),
    ("applicant8@example.org", "مريم البكّار"), ("applicant9@example.org", "عبدالله الفرج"),
    ("applicant10@example.org", "هبة الراوي"), ("applicant11@example.org", "قاسم الدغيم"),
]

# (Latin name, birth year, gender, subdistrict, sector, stage, business, description, budget lines)
PROFILES = [
    ("Ahmad Al-Khalaf", 1998, Gender.MALE, "Al-Busayrah", "repair", BusinessStage.IDEA, "ورشة الخلف لتصليح الدراجات",
     "ورشة لتصليح الدراجات النارية وبيع قطع الغيار في البصيرة.",
     [("عدة تصليح كاملة", 1, 1_400_000), ("قطع غيار أولية", 20, 45_000), ("إيجار المحل ثلاثة أشهر", 3, 150_000)]),
    ("Fatima Al-Ali", 2001, Gender.FEMALE, "Al-Mayadin", "tailoring", BusinessStage.EXISTING, "مشغل فاطمة للخياطة",
     "توسيع مشغل خياطة منزلي بآلتين جديدتين وتشغيل امرأتين.",
     [("ماكينة خياطة صناعية", 2, 900_000), ("أقمشة وخيوط", 1, 600_000)]),
    ("Mahmoud Al-Jasim", 1995, Gender.MALE, "Hajin", "agriculture", BusinessStage.EXISTING, "مشتل الجاسم",
     "مشتل لشتول الخضار بنظام ري بالتنقيط.",
     [("شبكة ري بالتنقيط", 1, 1_800_000), ("بذور وأسمدة", 1, 700_000)]),
    ("Nour Al-Dandal", 2003, Gender.FEMALE, "Deir ez-Zor", "ict", BusinessStage.IDEA, "نور للتصميم الرقمي",
     "خدمات تصميم وتسويق إلكتروني للمحلات الصغيرة.",
     [("حاسوب محمول", 1, 2_500_000), ("اشتراكات برمجيات سنة", 1, 400_000)]),
    ("Hussein Al-Assaf", 1993, Gender.MALE, "Al-Asharah", "food_processing", BusinessStage.IDEA, "معجنات العساف",
     "فرن صغير للمعجنات والخبز السياحي.",
     [("فرن كهربائي", 1, 2_200_000), ("عجانة", 1, 800_000), ("مواد أولية", 1, 500_000)]),
    ("Rahaf Al-Hammadi", 2000, Gender.FEMALE, "Muhasan", "beauty", BusinessStage.EXISTING, "صالون رهف",
     "تجهيز صالون تجميل نسائي بمعدات جديدة.",
     [("كراسي ومعدات", 1, 1_600_000), ("مستحضرات", 1, 500_000)]),
    ("Yousef Al-Ukaidi", 1997, Gender.MALE, "Abu Kamal", "transport", BusinessStage.IDEA, "توصيل العكيدي",
     "خدمة توصيل طلبات بدراجة نارية ثلاثية العجلات.",
     [("دراجة ثلاثية العجلات", 1, 3_200_000), ("صيانة وتأمين", 1, 300_000)]),
    ("Maryam Al-Bakkar", 2002, Gender.FEMALE, "Khasham", "livestock", BusinessStage.IDEA, "مزرعة مريم للدواجن",
     "مزرعة دواجن بياضة صغيرة.",
     [("حظيرة ومعدات", 1, 1_500_000), ("صيصان وأعلاف", 1, 1_000_000)]),
    ("Abdullah Al-Faraj", 1996, Gender.MALE, "Al-Tabni", "retail", BusinessStage.EXISTING, "بقالة الفرج",
     "توسيع بقالة في التبني ببرادات جديدة.",
     [("براد عرض", 2, 850_000), ("بضاعة", 1, 900_000)]),
    ("Hiba Al-Rawi", 1999, Gender.FEMALE, "Dhiban", "education", BusinessStage.IDEA, "مركز هبة للدروس",
     "مركز دروس تقوية للأطفال.",
     [("طاولات وكراسي", 12, 60_000), ("سبورة وقرطاسية", 1, 400_000), ("إيجار", 3, 200_000)]),
    ("Qasim Al-Daghim", 1994, Gender.MALE, "Al-Susah", "construction", BusinessStage.EXISTING, "ورشة الدغيم للتشطيب",
     "أدوات تشطيب وطلاء لورشة قائمة.",
     [("أدوات كهربائية", 1, 1_300_000), ("سقالات", 1, 700_000)]),
]

RUBRIC = [
    ("جدوى المشروع", "Feasibility", "تقدير واقعية الخطة والموازنة والسوق.",
     "How realistic the plan, budget and market are.", Decimal("0.4"), Decimal("2")),
    ("الأثر على المجتمع وفرص العمل", "Community impact and jobs", "فرص العمل والخدمة المقدمة للمنطقة.",
     "Jobs created and the service brought to the area.", Decimal("0.35"), None),
    ("قدرة مقدم الطلب", "Applicant capacity", "الخبرة والالتزام والمساهمة الذاتية.",
     "Experience, commitment and own contribution.", Decimal("0.25"), None),
]
ANCHORS = {
    "1": {"ar": "ضعيف جداً", "en": "Very weak"}, "2": {"ar": "ضعيف", "en": "Weak"},
    "3": {"ar": "مقبول", "en": "Adequate"}, "4": {"ar": "جيد", "en": "Good"}, "5": {"ar": "ممتاز", "en": "Excellent"},
}


def seed_demo() -> list[tuple[str, list[str]]]:
    """Create whatever part of the demo program is missing; returns the demo accounts and their roles."""
    from .decisions.demo import seed_decisions_demo
    from .disbursements.demo import seed_disbursements_demo
    from .monitoring.demo import seed_monitoring_demo
    from .training.demo import seed_training_demo

    accounts = seed_accounts()
    seed_calls()
    seed_decisions_demo()
    seed_training_demo()
    seed_disbursements_demo()
    seed_monitoring_demo()
    return accounts


def seed_accounts() -> list[tuple[str, list[str]]]:
    people = DEMO_PEOPLE + [(email, name, [Role.APPLICANT], "ar") for email, name in EXTRA_APPLICANTS]
    for index, (email, name, roles, locale) in enumerate(people, start=1):
        if find_user_by_email(email) is None:
            create_user(email=email, full_name=name, password=DEMO_PASSWORD, roles=roles, locale=locale,
                        phone=f"+9639440000{index:02d}")
    return [(email, [r.value for r in roles]) for email, _, roles, _ in people]


def _staff() -> User:
    return find_user_by_email("staff@example.org")


def _make_call(code, title_ar, title_en, *, opens_in, closes_in, budget=60_000_000) -> Call:
    from .calls import services as calls

    now = utcnow().replace(microsecond=0)
    call = calls.create_call(
        _staff(), code=code, title_ar=title_ar, title_en=title_en,
        description_ar="منح صغيرة لبدء المشاريع أو توسيعها للشباب بين 18 و35 عاماً في محافظة دير الزور، "
                       "مع تدريب على إدارة المشاريع ومتابعة لمدة ستة أشهر.",
        description_en="Small grants to start or grow a business, for young people aged 18 to 35 in Deir ez-Zor "
                       "governorate, with business training and six months of follow-up.",
        opens_at=now + opens_in, closes_at=now + closes_in, budget=budget, currency=Currency.SYP,
        min_award=500_000, max_award=5_000_000, reviewers_per_application=3, blind_review=False,
        reviewers_may_comment=True, min_age=18, max_age=35, accepts_idea=True, accepts_existing=True,
        max_documents=6,
    )
    for name_ar, name_en, guidance_ar, guidance_en, weight, threshold in RUBRIC:
        calls.add_criterion(_staff(), call, name_ar=name_ar, name_en=name_en, guidance_ar=guidance_ar,
                            guidance_en=guidance_en, weight=weight, min_score=1, max_score=5, threshold=threshold,
                            allows_not_applicable=False, anchors=ANCHORS)
    calls.add_required_document(_staff(), call, name_ar="صورة الهوية الشخصية", name_en="Copy of the identity card",
                                is_identity=True, mandatory=True)
    calls.add_required_document(_staff(), call, name_ar="صورة مكان العمل أو الفكرة", name_en="Photo of the workplace",
                                is_identity=False, mandatory=False)
    calls.open_call(_staff(), call)
    return call


def _pdf(text: str) -> bytes:
    """A small real PDF standing in for a scanned document (same bytes every run)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 760, text)
    page.save()
    return buffer.getvalue()


def _fill_application(applicant: User, call: Call, profile, *, submit: bool) -> Application:
    from .applications import services as applying

    latin, born, gender, place_en, sector_code, stage, business, description, lines = profile
    application, _ = applying.start_application(applicant, call)
    place = db.session.scalar(select(Place).where(Place.kind == PlaceKind.SUBDISTRICT, Place.name_en == place_en))
    sector = db.session.scalar(select(Sector).where(Sector.code == sector_code))
    applying.save_answers(applicant, application, 1, {
        "full_name_ar": applicant.full_name, "full_name_latin": latin, "date_of_birth": date(born, 3, 15),
        "gender": gender, "national_id": f"0{hash_digits(applicant.email)}", "phone": applicant.phone,
        "place_id": place.id, "education": Education.SECONDARY, "current_work": "عمل حر",
        "disability": Disability.NONE})
    applying.save_answers(applicant, application, 2, {
        "business_name": business, "sector_id": sector.id, "stage": stage, "women_led": gender == Gender.FEMALE,
        "business_description": description, "problem_and_customers": "طلب متزايد في المنطقة ولا يوجد مزود قريب.",
        "jobs_women": 1 if gender == Gender.FEMALE else 0, "jobs_men": 1, "partners": ""})
    total = sum(quantity * cost for _, quantity, cost in lines)
    own = total // 10
    applying.save_budget(applicant, application, lines=lines, own_contribution=own, requested_amount=total - own)
    for requirement in call.required_documents:
        data = _pdf(f"Demo document {requirement.id} for {latin}")
        db.session.add(Document(application=application, requirement=requirement, original_name="مستند.pdf",
                                storage_key=storage().save(data), content_type="application/pdf",
                                size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()))
    db.session.flush()
    if submit:
        applying.submit_application(applicant, application)
    return application


def hash_digits(text: str) -> str:
    """A stable ten-digit stand-in for a national ID."""
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[:10]


def seed_calls() -> None:
    """DZ26A: open, with drafts and submissions. DZ25B: all submitted, then closed for review."""
    if db.session.scalar(select(Call.id).where(Call.code == "DZ26A")) is None:
        call = _make_call("DZ26A", "منح المشاريع الصغيرة للشباب 2026", "Youth small business grants 2026",
                          opens_in=timedelta(days=-10), closes_in=timedelta(days=30))
        for index, email in enumerate(p[0] for p in DEMO_PEOPLE if p[0].startswith("applicant")):
            _fill_application(find_user_by_email(email), call, PROFILES[index], submit=index in (0, 1, 3))
    if db.session.scalar(select(Call.id).where(Call.code == "DZ25B")) is None:
        from .calls import services as calls

        call = _make_call("DZ25B", "منح دعم سبل العيش 2025", "Livelihood grants 2025",
                          opens_in=timedelta(days=-60), closes_in=timedelta(minutes=5), budget=15_000_000)
        applicants = [p[0] for p in DEMO_PEOPLE if p[0].startswith("applicant")] + [e for e, _ in EXTRA_APPLICANTS]
        for index, email in enumerate(applicants):
            _fill_application(find_user_by_email(email), call, PROFILES[index], submit=True)
        calls.close_call(_staff(), call)
    seed_reviews()


def seed_reviews() -> None:
    """DZ25B, once closed: reviewers assigned, every review written (one harsh, one lenient), review phase on."""
    from .calls import services as calls
    from .reviews.demo import seed_reviews_demo

    call = db.session.scalar(select(Call).where(Call.code == "DZ25B"))
    if call is not None and call.status == CallStatus.CLOSED and seed_reviews_demo(call, _staff()):
        calls.start_review(_staff(), call)
