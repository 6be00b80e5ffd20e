"""The disbursement letter as an A4 PDF, Arabic first with English beside it, and the bilingual layout it shares
with the grant agreement (agreement.py).

A pure function of the letter and what it refers to (grant, application, call, tranche, staff names), the
program's settings and the verification address: the same letter renders to the same bytes, so the SHA-256
recorded when it is issued identifies the file. Arabic is shaped and reordered by grants.pdf: each text is
wrapped to its column first and every line reordered after, so long Arabic runs keep their lines top-down.
"""
import io
import logging
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial

from babel.dates import format_date
from babel.numbers import format_decimal, get_currency_name
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader

from ..formatting import to_program_time
from ..money_words import amount_in_words
from ..pdf import FONT, FONT_BOLD, draw_qr, format_date_for_arabic, isolate_ltr, new_canvas, register_fonts, wrap
from ..pdf.arabic import base_direction

log = logging.getLogger(__name__)

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
GREEN = colors.HexColor("#0b6e4f")
RED = colors.HexColor("#b42318")
RULE = colors.HexColor("#cbd2d9")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 36
GAP = 20                                   # between the English (left) and Arabic (right) columns
COLUMN = (PAGE_WIDTH - 2 * MARGIN - GAP) / 2
LABEL = 70                                 # a field's label, on the outer side of its column
LABEL_GAP = 8
FOOTER = 34                                # room kept at the bottom of every page for its footer
LEADING = 1.5                              # Arabic marks and descenders need more than Latin's 1.2
LOGO_HEIGHT = 52
QR_SIZE = 86
BULLET = "\u2022"

ARABIC_X = (MARGIN + COLUMN + GAP, PAGE_WIDTH - MARGIN)
ENGLISH_X = (MARGIN, MARGIN + COLUMN)


# --- words in both languages -----------------------------------------------------------------------------------

def both(message, **values) -> tuple[str, str]:
    """A lazy msgid in Arabic and in English; a value given as a pair (arabic, english) differs by language.

    The msgid is written inside _l() where it is used, so `make translations` finds it.
    """
    texts = []
    for index, locale in enumerate(("ar", "en")):
        with force_locale(locale):
            template = str(message)
        chosen = {key: value[index] if isinstance(value, tuple) else value for key, value in values.items()}
        texts.append(template % chosen if chosen else template)
    return texts[0], texts[1]


def program_names() -> tuple[str, str]:
    english = current_app.config["PROGRAM_NAME"]
    return current_app.config.get("PROGRAM_NAME_AR") or english, english


def masked_id(national_id: str | None) -> str:
    """Only the last four characters of a national ID: ••••••4567 (six bullets whatever its length)."""
    cleaned = "".join((national_id or "").split())
    if not cleaned:
        return "\u2014"
    return BULLET * 6 + (cleaned[-4:] if len(cleaned) > 4 else "")


def person_names(application) -> tuple[str, str]:
    """The grantee's name for the Arabic and the English column (each falls back on the other)."""
    arabic = (application.full_name_ar or "").strip()
    latin = (application.full_name_latin or "").strip()
    return arabic or latin, latin or arabic


def amount_in_figures(amount: int, currency: str) -> tuple[str, str]:
    """1,500,000 ليرة سورية / 1,500,000 SYP: figures as each locale writes them, whole currency units."""
    arabic = f"{isolate_ltr(format_decimal(amount, locale='ar'))} {get_currency_name(currency, locale='ar')}"
    return arabic, f"{format_decimal(amount, locale='en')} {currency}"


def amount_words(amount: int, currency: str) -> tuple[str, str]:
    """«فقط … ليرة سورية لا غير» and "… Syrian pounds only" (grants.money_words writes both forms). A line may
    break anywhere in the words but never inside «لا غير» or "pounds only": no-break spaces there."""
    arabic = amount_in_words(amount, currency, "ar")
    english = amount_in_words(amount, currency, "en")
    if arabic.endswith(" لا غير"):
        arabic = arabic.removesuffix(" لا غير") + "\u00a0لا\u00a0غير"
    if english.endswith(" only"):
        english = english.removesuffix(" only") + "\u00a0only"
    return arabic, english


def dates(day: date) -> tuple[str, str]:
    """«29 تشرين الثاني 2026 (29/11/2026)» / 29 November 2026. The numeric date is isolated: inside Arabic its
    digits and separators keep their order; the Levantine month names are the ones read in Syria."""
    arabic = f"{format_date(day, 'long', locale='ar_SY')} ({format_date_for_arabic(day)})"
    return arabic, format_date(day, "d MMMM y", locale="en")


def call_names(call) -> tuple[str, str]:
    code = call.code
    return f"{call.title_ar or call.title_en} ({isolate_ltr(code)})", f"{call.title_en or call.title_ar} ({code})"


# --- layout ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """Text wrapped into the box [x0, x1] and aligned 'right', 'left' or 'centre' in it.

    The reading direction comes from the text itself (right to left when it holds Arabic letters), whichever
    column it stands in: a Latin name in the Arabic column stays a left-to-right run, aligned right (see base).
    """

    text: str
    x0: float
    x1: float
    align: str
    font: str = FONT
    size: float = 10.5
    color: object = INK

    def base(self) -> str:
        """The paragraph direction: an English-column text with any Latin letter reads left to right (an Arabic name
        inside an English sentence), anything else right to left as soon as it holds an Arabic letter."""
        if self.align == "left" and any(unicodedata.bidirectional(ch) == "L" for ch in self.text):
            return "L"
        return base_direction(self.text)

    @cached_property
    def wrapped(self) -> tuple[str, ...]:
        """The lines, worked out once per Text: each is measured for the layout and read again to be drawn."""
        if not self.text:
            return ()
        return tuple(wrap(self.text, self.font, self.size, self.x1 - self.x0, self.base()))

    def lines(self) -> list[str]:
        return list(self.wrapped)

    def height(self) -> float:
        return len(self.wrapped) * self.size * LEADING


def draw_text(item: Text, top: float, canvas) -> float:
    canvas.setFillColor(item.color)
    canvas.setFont(item.font, item.size)
    y = top
    for line in item.wrapped:
        baseline = y - item.size * 1.1
        if item.align == "centre":
            canvas.drawCentredString((item.x0 + item.x1) / 2, baseline, line)
        elif item.align == "right":
            canvas.drawRightString(item.x1, baseline, line)
        else:
            canvas.drawString(item.x0, baseline, line)
        y -= item.size * LEADING
    return y


def draw_stack(stack: list[Text], top: float, canvas) -> None:
    y = top
    for item in stack:
        y = draw_text(item, y, canvas)


def stack_height(stack: list[Text]) -> float:
    return sum(item.height() for item in stack)


def _tick(x: float, baseline: float, size: float, canvas) -> None:
    """A check mark drawn as lines (Amiri has no ✓ glyph)."""
    canvas.setStrokeColor(GREEN)
    canvas.setLineWidth(1.4)
    path = canvas.beginPath()
    path.moveTo(x, baseline + size * 0.35)
    path.lineTo(x + size * 0.3, baseline + size * 0.05)
    path.lineTo(x + size * 0.8, baseline + size * 0.75)
    canvas.drawPath(path, stroke=1, fill=0)


class Flow:
    """Lays content out from the top of the page down, on as many A4 pages as it needs.

    Drawing is deferred: each page is a list of operations, so the footer can say "page 1 of 2".
    """

    def __init__(self, footer_number: str):
        register_fonts()  # text is measured before the canvas exists
        self.pages: list[list] = [[]]
        self.top = PAGE_HEIGHT - MARGIN
        self.bottom = MARGIN + FOOTER
        self.y = self.top
        self.footer_number = footer_number

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.top

    def ensure(self, height: float) -> None:
        if self.y - height < self.bottom and self.y < self.top:
            self.new_page()

    def place(self, height: float, draw) -> float:
        """Reserve `height` (on a new page if needed) and draw there later with draw(top, canvas); returns top."""
        self.ensure(height)
        top = self.y
        self.pages[-1].append(partial(draw, top))
        self.y -= height
        return top

    def space(self, height: float) -> None:
        self.y -= height

    def row(self, *stacks: list[Text], after: float = 4) -> None:
        """Stacks of text side by side (each a column's content), as tall as the tallest."""
        height = max(stack_height(stack) for stack in stacks)

        def draw(top, canvas):
            for stack in stacks:
                draw_stack(stack, top, canvas)

        self.place(height, draw)
        self.space(after)

    def full(self, text: str, font=FONT, size=10.5, color=INK, *, align="centre", after=2) -> None:
        self.row([Text(text, MARGIN, PAGE_WIDTH - MARGIN, align, font, size, color)], after=after)

    def field(self, label: tuple[str, str], value: tuple[str, str], *, font=FONT, size=10.5) -> None:
        """A label and its value in each language: Arabic on the right half, English on the left half."""
        a0, a1 = ARABIC_X
        e0, e1 = ENGLISH_X
        self.row(
            [Text(label[0], a1 - LABEL, a1, "right", FONT, 8.5, MUTED)],
            [Text(value[0], a0, a1 - LABEL - LABEL_GAP, "right", font, size)],
            [Text(label[1], e0, e0 + LABEL, "left", FONT, 8.5, MUTED)],
            [Text(value[1], e0 + LABEL + LABEL_GAP, e1, "left", font, size)],
        )

    def heading(self, text: tuple[str, str], *, size=12) -> None:
        self.ensure(size * LEADING * 3)  # never a heading alone at the bottom of a page
        self.space(4)
        self.row([Text(text[0], *ARABIC_X, "right", FONT_BOLD, size, GREEN)],
                 [Text(text[1], *ENGLISH_X, "left", FONT_BOLD, size, GREEN)], after=2)

    def paragraph(self, text: tuple[str, str], *, size=10.5, color=INK) -> None:
        self.row([Text(text[0], *ARABIC_X, "right", FONT, size, color)],
                 [Text(text[1], *ENGLISH_X, "left", FONT, size, color)])

    def items(self, entries: list[tuple[str, str]], *, ticks: list[bool] | None = None, size=10.5) -> None:
        """A list in both languages; with `ticks`, met items get a drawn check mark, the others a bullet."""
        a0, a1 = ARABIC_X
        e0, e1 = ENGLISH_X
        indent = size * 1.3
        for index, (arabic, english) in enumerate(entries):
            ticked = bool(ticks and ticks[index])
            mark = "" if ticked else BULLET
            stacks = ([Text(arabic, a0, a1 - indent, "right", FONT, size)],
                      [Text(english, e0 + indent, e1, "left", FONT, size)])
            height = max(stack_height(stack) for stack in stacks)

            def draw(top, canvas, stacks=stacks, ticked=ticked, mark=mark):
                for stack in stacks:
                    draw_stack(stack, top, canvas)
                baseline = top - size * 1.1
                if ticked:
                    _tick(a1 - size * 0.85, baseline, size, canvas)
                    _tick(e0, baseline, size, canvas)
                else:
                    canvas.setFillColor(INK)
                    canvas.setFont(FONT, size)
                    canvas.drawRightString(a1, baseline, mark)
                    canvas.drawString(e0, baseline, mark)

            self.place(height, draw)
            self.space(2)

    def rule(self, *, after: float = 6, color=RULE) -> None:
        def draw(top, canvas):
            canvas.setStrokeColor(color)
            canvas.setLineWidth(0.6)
            canvas.line(MARGIN, top - 3, PAGE_WIDTH - MARGIN, top - 3)

        self.place(6, draw)
        self.space(after)

    def render(self, canvas) -> None:
        count = len(self.pages)
        for number, operations in enumerate(self.pages, start=1):
            for operation in operations:
                operation(canvas)
            self._footer(canvas, number, count)
            canvas.showPage()

    def _footer(self, canvas, page: int, pages: int) -> None:
        page_ar, page_en = both(_l("Page %(page)s of %(pages)s"), page=(isolate_ltr(str(page)), str(page)),
                                pages=(isolate_ltr(str(pages)), str(pages)))
        y = MARGIN - 8
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, y + 16, PAGE_WIDTH - MARGIN, y + 16)
        for item in (Text(page_ar, *ARABIC_X, "right", FONT, 8, MUTED), Text(page_en, *ENGLISH_X, "left", FONT, 8, MUTED),
                     Text(self.footer_number, MARGIN, PAGE_WIDTH - MARGIN, "centre", FONT, 8, MUTED)):
            draw_text(item, y + 12, canvas)


def _logo_image():
    """The configured logo (PROGRAM_LOGO, a PNG or JPEG path) or None when unset or unreadable."""
    path = current_app.config.get("PROGRAM_LOGO")
    if not path:
        return None
    try:
        image = ImageReader(str(path))
        width, height = image.getSize()
    except (OSError, ValueError, SyntaxError) as error:  # missing or not an image: the letter goes out without it
        log.warning("PROGRAM_LOGO %s cannot be drawn: %s", path, error)
        return None
    return image if width and height else None


def letterhead(flow: Flow, title: tuple[str, str]) -> None:
    """Logo (when configured) in the middle, the program's Arabic name on the right and English name on the left,
    then the document's title in both languages."""
    name_ar, name_en = program_names()
    image = _logo_image()
    if image is not None:
        width, height = image.getSize()
        drawn_width = min(LOGO_HEIGHT * width / height, 160)
        drawn_height = drawn_width * height / width

        def draw_logo(top, canvas):
            canvas.drawImage(image, (PAGE_WIDTH - drawn_width) / 2, top - drawn_height, drawn_width, drawn_height,
                             mask="auto")

        flow.place(drawn_height + 6, draw_logo)
    flow.row([Text(name_ar, *ARABIC_X, "right", FONT_BOLD, 14, GREEN)],
             [Text(name_en, *ENGLISH_X, "left", FONT_BOLD, 13, GREEN)], after=0)
    flow.rule(after=8, color=GREEN)
    flow.full(title[0], FONT_BOLD, 19, after=0)
    flow.full(title[1], FONT_BOLD, 13, MUTED, after=10)


def signature_boxes(flow: Flow, boxes: list[tuple[tuple[str, str], str, tuple[str, str]]]) -> None:
    """Side by side, first box on the right (Arabic reading order): a title in both languages, a printed name, a
    line to sign on and a caption under it."""
    count = len(boxes)
    gap = 16
    width = (PAGE_WIDTH - 2 * MARGIN - gap * (count - 1)) / count
    stacks = []
    for index, (title, name, caption) in enumerate(boxes):
        x1 = PAGE_WIDTH - MARGIN - index * (width + gap)
        x0 = x1 - width
        stacks.append(([Text(title[0], x0, x1, "centre", FONT_BOLD, 10.5, INK),
                        Text(title[1], x0, x1, "centre", FONT, 9, MUTED),
                        Text(name or " ", x0, x1, "centre", FONT, 10.5, INK)],
                       [Text(caption[0], x0, x1, "centre", FONT, 8, MUTED),
                        Text(caption[1], x0, x1, "centre", FONT, 8, MUTED)], x0, x1))
    signing_room = 30
    height = max(stack_height(top) for top, _, _, _ in stacks) + signing_room + \
        max(stack_height(bottom) for _, bottom, _, _ in stacks)

    def draw(top, canvas):
        head = max(stack_height(upper) for upper, _, _, _ in stacks)
        for upper, lower, x0, x1 in stacks:
            draw_stack(upper, top, canvas)
            line_y = top - head - signing_room + 4
            canvas.setStrokeColor(INK)
            canvas.setLineWidth(0.7)
            canvas.line(x0 + 10, line_y, x1 - 10, line_y)
            draw_stack(lower, line_y - 2, canvas)

    flow.place(height, draw)


def pdf_bytes(title: str, flow: Flow) -> bytes:
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, title, lang="ar")
    flow.render(canvas)
    canvas.save()
    return buffer.getvalue()


# --- the letter ------------------------------------------------------------------------------------------------

def verify_url(letter) -> str:
    from ..mail.outbox import absolute_url
    from .services import letter_token

    return absolute_url("disbursements.verify_letter", token=letter_token(letter))


def _conditions(tranche) -> tuple[list[tuple[str, str]], list[bool]]:
    from .services import conditions_in_locales

    arabic, english = conditions_in_locales(tranche, ("ar", "en"))
    entries = []
    for in_arabic, in_english in zip(arabic, english):
        titles = (in_arabic.title, in_english.title)
        # Requested only once every condition was met; one that no longer is (a course added as required since)
        # is said so rather than passed over.
        entries.append(titles if in_english.met else both(_l("%(condition)s (not met)"), condition=titles))
    return entries, [condition.met for condition in english]


def _qr_block(flow: Flow, letter, url: str) -> None:
    text_x0 = MARGIN + QR_SIZE + 12
    check_ar, check_en = both(_l("Scan the code or open the address below to check that this letter is genuine."))
    number = Text(letter.number, text_x0, PAGE_WIDTH - MARGIN, "left", FONT_BOLD, 11, INK)
    lines = [Text(check_ar, text_x0, PAGE_WIDTH - MARGIN, "right", FONT, 9, MUTED),
             Text(check_en, text_x0, PAGE_WIDTH - MARGIN, "left", FONT, 9, MUTED),
             Text(url, text_x0, PAGE_WIDTH - MARGIN, "left", FONT, 8, GREEN), number]
    height = max(QR_SIZE, stack_height(lines))

    def draw(top, canvas):
        draw_qr(canvas, url, MARGIN, top - QR_SIZE, QR_SIZE)
        draw_stack(lines, top - 10, canvas)

    flow.place(height, draw)


def render_letter(letter) -> bytes:
    """The letter as issued: who is paid, how much (figures and words), for which tranche and why, who asked and
    who approved, and a QR code to the public verification page."""
    tranche = letter.tranche
    grant = tranche.grant
    application = grant.application
    call = grant.call
    currency = call.currency.value
    from .services import position_of

    position, count = position_of(tranche)
    issued_on = to_program_time(letter.issued_at).date()
    url = verify_url(letter)

    flow = Flow(letter.number)
    title = both(_l("Disbursement letter"))
    letterhead(flow, title)
    flow.field(both(_l("Letter number")), (isolate_ltr(letter.number), letter.number), font=FONT_BOLD)
    flow.field(both(_l("Date")), dates(issued_on))
    flow.rule()
    flow.field(both(_l("Grantee")), person_names(application), font=FONT_BOLD, size=12)
    masked = masked_id(application.national_id)
    flow.field(both(_l("National ID")), (isolate_ltr(masked), masked))
    reference = application.reference or ""
    flow.field(both(_l("Application")), (isolate_ltr(reference), reference))
    flow.field(both(_l("Call")), call_names(call))
    flow.field(both(_l("Payment")), both(
        _l("Tranche %(position)s of %(count)s (%(percentage)s percent of the grant)"),
        position=(isolate_ltr(str(position)), str(position)), count=(isolate_ltr(str(count)), str(count)),
        percentage=(isolate_ltr(tranche.percentage), tranche.percentage)))
    flow.field(both(_l("Amount")), amount_in_figures(tranche.amount, currency), font=FONT_BOLD, size=12)
    flow.field(both(_l("Amount in words")), amount_words(tranche.amount, currency), font=FONT_BOLD)
    method = tranche.payment_method
    flow.field(both(_l("Payment method")),
               both(method.title) if method is not None else both(_l("As agreed with the program")))
    flow.rule()

    flow.heading(both(_l("Conditions met")), size=11)
    entries, met = _conditions(tranche)
    if entries:
        flow.items(entries, ticks=met)
    else:
        flow.paragraph(both(_l("No conditions apply to this tranche.")), color=MUTED)
    flow.space(4)
    flow.paragraph(both(
        _l("The program authorises the payment of the amount above to the grantee named in this letter, as "
           "tranche %(position)s of %(count)s of the grant awarded on application %(reference)s."),
        position=(isolate_ltr(str(position)), str(position)), count=(isolate_ltr(str(count)), str(count)),
        reference=(isolate_ltr(reference), reference)))
    flow.space(10)

    caption = both(_l("Signature and date"))
    requester = tranche.requested_by.full_name if tranche.requested_by else ""
    approver = tranche.approved_by.full_name if tranche.approved_by else ""
    signature_boxes(flow, [(both(_l("Requested by")), requester, caption),
                           (both(_l("Approved by")), approver, caption),
                           (both(_l("Received by the grantee")), person_names(application)[0], caption)])
    flow.space(16)
    _qr_block(flow, letter, url)
    return pdf_bytes(f"{title[0]} {letter.number}", flow)
