"""The grant agreement PDF made when an award is accepted: parties, amount, schedule, conditions and duties in
Arabic and English, stored once with its SHA-256, and the same bytes whenever it is made again."""
import hashlib
import io
import re

from pypdf import PdfReader

from grants.disbursements import services
from grants.disbursements.agreement import render_agreement, store_agreement
from grants.extensions import db
from grants.money_words import amount_in_words
from grants.storage import storage

from ..fixtures.disbursements import grant, make_grant
from ..fixtures.training import decided_call, make_course
from ..pdf.pdftext import extract_text, extracted_text_contains, normalise
from .test_letter_pdf import NAME_AR, NAME_LATIN, NATIONAL_ID, drawn_lines


def stored(g) -> bytes:
    return storage().read(g.agreement_key)


def test_accepting_the_award_stores_the_agreement_and_its_sha256(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call, amount=1_000_001)
    g = grant(grant_id)
    assert g.agreement_key and g.agreement_sha256
    data = stored(g)
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == g.agreement_sha256
    # Dated with the grant, not with the time it is drawn: made again, it is the same file.
    db.session.expire_all()
    assert render_agreement(grant(grant_id)) == data


def test_the_agreement_names_the_parties_and_the_schedule(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call, amount=1_000_001)
    data = stored(grant(grant_id))
    for needle in (NAME_AR, NAME_LATIN, "DZ24C-00001", "••••••4567",
                   amount_in_words(1_000_001, "SYP", "ar"), amount_in_words(1_000_001, "SYP", "en"),
                   "1,000,001 SYP", "500,000", "300,000", "200,001", "50%", "30%", "20%", "100%",
                   "Each tranche after the first is paid only once the previous tranche has been paid",
                   "progress report three months and again six months after the", "keeps the receipts",
                   "visit the business"):
        assert extracted_text_contains(data, needle), needle
    text = normalise(extract_text(data))
    assert NATIONAL_ID not in text and "0801123" not in text
    # The schedule is a table: each amount in its row, the rows top-down in tranche order.
    rows = {line.text: line.y for line in drawn_lines(data) if re.fullmatch(r"[\d,]+", line.text)}
    assert rows["500,000"] > rows["300,000"] > rows["200,001"] > rows["1,000,001"]


def test_required_courses_are_conditions_of_the_agreement(ctx, make_user):
    call = decided_call(ctx)
    make_course(ctx, calls=[call], required_for_payment=True, title_ar="مسك الدفاتر", title_en="Bookkeeping")
    make_course(ctx, calls=[call], required_for_payment=False, title_ar="التسويق", title_en="Marketing")
    _, grant_id = make_grant(ctx, make_user, call, schedule=[100])
    data = stored(grant(grant_id))
    assert extracted_text_contains(data, "مسك الدفاتر") and extracted_text_contains(data, "Bookkeeping")
    assert not extracted_text_contains(data, "Marketing") and not extracted_text_contains(data, "التسويق")
    # One tranche: no "previous tranche" condition.
    assert not extracted_text_contains(data, "Each tranche after the first is paid only once")


def test_signatory_and_arabic_program_name_from_the_settings(ctx, make_user):
    ctx.config.update(LETTER_SIGNATORY="م. سامر الحسن", PROGRAM_NAME_AR="برنامج منحة")
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call)
    data = stored(grant(grant_id))
    assert extracted_text_contains(data, "م. سامر الحسن") and extracted_text_contains(data, "برنامج منحة")


def test_fonts_and_pages(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call, schedule=[10] * 10)
    data = stored(grant(grant_id))
    fonts = {line.font for line in drawn_lines(data)}
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+Amiri-(Regular|Bold)", name) for name in fonts)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 2  # ten tranches run onto a second page, numbered "page i of n"
    assert extracted_text_contains(data, f"Page {pages} of {pages}")
    assert len(services.active_tranches(grant(grant_id))) == 10


def test_store_agreement_replaces_a_lost_file(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call)
    g = grant(grant_id)
    first_key, first_sha = g.agreement_key, g.agreement_sha256
    storage().delete(first_key)
    store_agreement(g)
    assert g.agreement_key != first_key and g.agreement_sha256 == first_sha
