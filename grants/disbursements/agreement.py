"""The grant agreement as an A4 PDF in Arabic and English, made when the award is accepted.

Parties, amount (figures and words), the tranche schedule and the conditions of each payment, the grantee's
reporting duties and signature lines. A pure function of the grant (dated with the grant's creation, not the
time of rendering), so the stored file's SHA-256 identifies it and a lost file can be made again identical.
"""
import hashlib

from babel.numbers import format_decimal
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..formatting import to_program_time
from ..models import utcnow
from ..pdf import FONT, FONT_BOLD, isolate_ltr
from ..storage import storage
from .letter_pdf import (
    INK,
    MARGIN,
    MUTED,
    PAGE_WIDTH,
    RULE,
    Flow,
    Text,
    amount_in_figures,
    amount_words,
    both,
    call_names,
    dates,
    draw_text,
    letterhead,
    masked_id,
    pdf_bytes,
    person_names,
    program_names,
    signature_boxes,
    stack_height,
)


def _schedule_table(flow: Flow, tranches, currency: str) -> None:
    """Number, share and amount of each tranche, right to left like the Arabic, headers in both languages."""
    total_width = PAGE_WIDTH - 2 * MARGIN
    widths = (0.22 * total_width, 0.28 * total_width, 0.50 * total_width)  # right to left: number, share, amount
    edges, x1 = [], PAGE_WIDTH - MARGIN
    for width in widths:
        edges.append((x1 - width, x1))
        x1 -= width
    headers = [both(_l("Tranche")), both(_l("Share of the grant")), both(_l("Amount (%(currency)s)"), currency=currency)]
    rows = [(str(t.number), f"{t.percentage}%", format_decimal(t.amount, locale="en")) for t in tranches]
    total_ar, total_en = both(_l("Total"))
    rows.append((f"{total_ar} / {total_en}" if total_ar != total_en else total_en, "100%",
                 format_decimal(sum(t.amount for t in tranches), locale="en")))

    def cell(text, edge, font=FONT, size=10.5, color=INK):
        return Text(text, edge[0] + 4, edge[1] - 4, "centre", font, size, color)

    head = [[cell(ar, edge, FONT_BOLD, 10), cell(en, edge, FONT, 9, MUTED)] for (ar, en), edge in zip(headers, edges)]
    _table_row(flow, head, edges, shaded=True)
    for index, values in enumerate(rows):
        bold = index == len(rows) - 1
        _table_row(flow, [[cell(value, edge, FONT_BOLD if bold else FONT)] for value, edge in zip(values, edges)],
                   edges)


def _table_row(flow: Flow, stacks, edges, *, shaded=False) -> None:
    padding = 3
    height = max(stack_height(stack) for stack in stacks) + 2 * padding

    def draw(top, canvas):
        if shaded:
            canvas.setFillColor(RULE)
            canvas.rect(edges[-1][0], top - height, edges[0][1] - edges[-1][0], height, stroke=0, fill=1)
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.5)
        for x0, x1 in edges:
            canvas.rect(x0, top - height, x1 - x0, height, stroke=1, fill=0)
        for stack in stacks:
            y = top - padding
            for item in stack:
                y = draw_text(item, y, canvas)

    flow.place(height, draw)


def _courses(grant) -> list[tuple[str, str]]:
    from ..training.queries import required_courses

    return [(course.title_ar or course.title_en, course.title_en or course.title_ar)
            for course, _ in required_courses(grant.application.applicant_id, grant.call_id)]


def render_agreement(grant) -> bytes:
    from .services import active_tranches

    application = grant.application
    call = grant.call
    currency = call.currency.value
    tranches = active_tranches(grant)
    made_on = to_program_time(grant.created_at or utcnow()).date()
    reference = application.reference or ""
    name_ar, name_en = person_names(application)
    program_ar, program_en = program_names()

    title = both(_l("Grant agreement"))
    flow = Flow(reference)
    letterhead(flow, title)
    flow.field(both(_l("Application")), (isolate_ltr(reference), reference), font=FONT_BOLD)
    flow.field(both(_l("Call")), call_names(call))
    flow.field(both(_l("Agreement date")), dates(made_on))
    flow.rule()

    flow.heading(both(_l("The parties")))
    signatory = current_app.config.get("LETTER_SIGNATORY") or ""
    program = (program_ar, program_en)
    if signatory:
        program = both(_l("%(program)s, represented by %(name)s"), program=program, name=signatory)
    flow.field(both(_l("First party: the program")), program, font=FONT_BOLD)
    flow.field(both(_l("Second party: the grantee")), (name_ar, name_en), font=FONT_BOLD)
    masked = masked_id(application.national_id)
    flow.field(both(_l("National ID")), (isolate_ltr(masked), masked))
    if application.business_name:
        flow.field(both(_l("Business")), (application.business_name, application.business_name))

    flow.heading(both(_l("The grant")))
    flow.paragraph(both(
        _l("The program grants the grantee the amount below for the business described in application "
           "%(reference)s, paid in %(count)s tranches as scheduled in this agreement."),
        reference=(isolate_ltr(reference), reference), count=(isolate_ltr(str(len(tranches))), str(len(tranches)))))
    flow.field(both(_l("Amount")), amount_in_figures(grant.amount, currency), font=FONT_BOLD, size=12)
    flow.field(both(_l("Amount in words")), amount_words(grant.amount, currency), font=FONT_BOLD)

    flow.heading(both(_l("Payment schedule")))
    _schedule_table(flow, tranches, currency)
    flow.space(6)

    flow.heading(both(_l("Conditions for each payment")))
    conditions = []
    courses = _courses(grant)
    if courses:
        conditions.append(both(_l("Before any tranche is paid, the grantee completes these training courses: "
                                  "%(courses)s."),
                               courses=("، ".join(ar for ar, _ in courses), "; ".join(en for _, en in courses))))
    if len(tranches) > 1:
        conditions.append(both(_l("Each tranche after the first is paid only once the previous tranche has been "
                                  "paid.")))
    conditions.append(both(_l("Each payment is requested and approved by two different members of the program "
                              "staff and made against a disbursement letter that can be checked by its QR code.")))
    flow.items(conditions)

    flow.heading(both(_l("Reporting duties")))
    flow.items([
        both(_l("The grantee sends the program a progress report three months and again six months after the "
                "first payment.")),
        both(_l("The grantee keeps the receipts of everything bought with the grant and shows them when asked.")),
        both(_l("The grantee lets the program staff visit the business.")),
    ])
    flow.space(8)
    flow.paragraph(both(_l("Signed in two copies, one for each party.")), color=MUTED)
    flow.space(10)
    caption = both(_l("Signature and date"))
    signature_boxes(flow, [(both(_l("For the program")), signatory, caption),
                           (both(_l("The grantee")), name_ar, caption)])
    return pdf_bytes(f"{title[0]} {reference}".strip(), flow)


def store_agreement(grant) -> None:
    """Render the agreement once, when the award is accepted, and keep the file and its SHA-256 with the grant."""
    data = render_agreement(grant)
    grant.agreement_key, grant.agreement_sha256 = storage().save(data), hashlib.sha256(data).hexdigest()
