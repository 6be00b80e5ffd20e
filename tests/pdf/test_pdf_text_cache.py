"""Shaping and wrapping are kept per process (grants.pdf.arabic): the same arguments give the same lines without
being worked out again, other arguments are worked out anew, and no caller can change what is kept."""
import pytest

from grants.pdf import arabic
from grants.pdf.arabic import shape, wrap
from grants.pdf.fonts import FONT, FONT_BOLD, register_fonts

TEXT = ("تأذن إدارة البرنامج بصرف المبلغ المذكور أعلاه إلى المستفيد المسمى في هذه الرسالة، بوصفه الدفعة "
        "الأولى من المنحة الممنوحة على الطلب APP-2026-000123.")


@pytest.fixture(autouse=True)
def fresh_cache():
    register_fonts()
    arabic._wrapped.cache_clear()
    shape.cache_clear()


def test_the_same_text_gives_the_same_lines_once_worked_out():
    first = wrap(TEXT, FONT, 10.5, 240)
    misses = arabic._wrapped.cache_info().misses
    second = wrap(TEXT, FONT, 10.5, 240, "R")  # the direction the text has anyway: the same entry
    assert second == first and len(first) > 1
    assert arabic._wrapped.cache_info().misses == misses
    assert arabic._wrapped.cache_info().hits >= 1


def test_each_call_gets_its_own_list():
    lines = wrap(TEXT, FONT, 10.5, 240)
    kept = list(lines)
    lines.append("changed")
    lines[0] = "changed"
    assert wrap(TEXT, FONT, 10.5, 240) == kept


def test_another_width_font_size_or_direction_is_wrapped_anew():
    narrow, wide = wrap(TEXT, FONT, 10.5, 120), wrap(TEXT, FONT, 10.5, 500)
    assert len(narrow) > len(wide)
    assert wrap(TEXT, FONT, 14, 500) != wide
    wrap(TEXT, FONT_BOLD, 10.5, 500)  # wider glyphs: measured anew, whether or not the breaks move
    # A left-to-right paragraph puts the Arabic runs in another order.
    assert wrap(TEXT, FONT, 10.5, 500, "L") != wide
    assert arabic._wrapped.cache_info().currsize == 5  # one entry each, none taken for another


def test_the_kept_lines_are_those_worked_out_without_the_cache():
    kept = wrap(TEXT, FONT, 10.5, 240)
    assert kept == list(arabic._wrapped.__wrapped__(TEXT, FONT, 10.5, 240, "R"))


def test_shape_is_kept_and_unchanged():
    word = "المنحة"
    assert shape(word) == arabic._reshaper.reshape(word)
    hits = shape.cache_info().hits
    assert shape(word) == arabic._reshaper.reshape(word)
    assert shape.cache_info().hits == hits + 1
    assert shape("Grant") == "Grant"


def test_bad_direction_is_still_refused():
    with pytest.raises(ValueError):
        wrap(TEXT, FONT, 10.5, 240, "X")
