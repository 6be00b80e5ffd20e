"""draw_qr: the QR code qrcode would make (mask included), drawn as one vector path that scans back to its data and
gives the same bytes for the same data."""
import io
import random
import string

import pytest
import qrcode
import qrcode.util
from pypdf import PdfReader

from grants.pdf import draw_qr, new_canvas
from grants.pdf.qr import penalty, qr_modules

URL = "https://minha.example.org/disbursements/verify/IkRMLTIwMjYtMDAwMTIzIg.Qm9yZGVyLXRva2VuLXNpZ25hdHVyZQ"


def samples(count=25):
    chooser = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "._-"
    yield URL
    for _ in range(count):
        yield "https://minha.example.org/v/" + "".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 160)))


def reference(data: str, level=qrcode.constants.ERROR_CORRECT_M) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=level, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code


def test_the_modules_are_those_qrcode_makes_mask_included():
    for data in samples():
        assert qr_modules(data) == reference(data).modules, data
    assert qr_modules(URL, level="H") == reference(URL, qrcode.constants.ERROR_CORRECT_H).modules
    long = URL + "/" + "x" * 600  # version 7 and up also carry version bits
    assert reference(long).version >= 7 and qr_modules(long) == reference(long).modules


def test_the_penalty_is_qrcodes_for_every_mask():
    for data in samples(8):
        code = reference(data)
        for pattern in range(8):
            code.makeImpl(True, pattern)
            assert penalty(code.modules) == qrcode.util.lost_point(code.modules), (data, pattern)


def page(data: str = URL) -> bytes:
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, "QR")
    draw_qr(canvas, data, 72, 500, 120)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_drawn_as_one_filled_path_of_rectangles_no_image():
    pdf = page()
    reader = PdfReader(io.BytesIO(pdf))
    content = reader.pages[0].get_contents().get_data()
    assert content.count(b" re") > 100
    assert content.count(b"\nf") + content.count(b" f\n") + content.count(b"\nf\n") >= 1
    assert not (reader.pages[0]["/Resources"].get("/XObject") or {})


def test_same_data_same_bytes_other_data_other_bytes():
    assert page() == page()
    assert page(URL + "x") != page()


def test_scans_back_to_the_data():
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pdfium.PdfDocument(page())[0].render(scale=3).to_pil()
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [URL]
