"""The iCalendar writer (RFC 5545): text escaping, CRLF line ends, and folding at 75 octets that never splits a
UTF-8 character (Arabic letters are two bytes, some characters three or four)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from grants.training import ics

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
START = datetime(2026, 3, 12, 10, 0, tzinfo=ZoneInfo("Asia/Damascus"))  # 07:00 UTC


def calendar(**event) -> str:
    event = {"uid": "course-1-session-2", "starts_at": START, "ends_at": START + timedelta(hours=3),
             "summary": "Planning", **event}
    return ics.calendar([event], name=event["summary"], domain="minha.example", now=NOW)


def physical_lines(text: str) -> list[bytes]:
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def property_value(text: str, name: str) -> str:
    [value] = [line.split(":", 1)[1] for line in unfolded(text) if line.startswith(f"{name}:")]
    return value


def test_the_calendar_has_its_frame_and_times_in_utc():
    text = calendar(location="Deir ez-Zor", url="http://localhost/training/courses/1")
    lines = unfolded(text)
    assert lines[:6] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Minha//Training//EN", "CALSCALE:GREGORIAN",
                         "METHOD:PUBLISH", "X-WR-CALNAME:Planning"]
    assert lines[-1] == "END:VCALENDAR" and lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1
    assert "UID:course-1-session-2@minha.example" in lines
    assert "DTSTAMP:20260310T090000Z" in lines
    assert "DTSTART:20260312T070000Z" in lines and "DTEND:20260312T100000Z" in lines  # Damascus is UTC+3
    assert "URL:http://localhost/training/courses/1" in lines


def test_every_line_ends_with_crlf_and_nothing_else_breaks_a_line():
    text = calendar(summary="First line\nsecond line", location="Room 1\r\nfloor 2", description="a\nb")
    assert text.endswith("\r\n")
    without_crlf = text.replace("\r\n", "")
    assert "\n" not in without_crlf and "\r" not in without_crlf


@pytest.mark.parametrize("raw, escaped", [
    ("Bookkeeping, marketing; and more", "Bookkeeping\\, marketing\\; and more"),
    ("C:\\courses\\planning", "C:\\\\courses\\\\planning"),
    ("two\nlines", "two\\nlines"),
    ("two\r\nlines", "two\\nlines"),
    ("a\\,b", "a\\\\\\,b"),  # the backslash is escaped first, then the comma
    ("مركز التدريب، دير الزور", "مركز التدريب، دير الزور"),  # the Arabic comma is no separator: left alone
])
def test_text_values_are_escaped(raw, escaped):
    text = calendar(summary=raw, location=raw, description=raw)
    for name in ("SUMMARY", "LOCATION", "DESCRIPTION", "X-WR-CALNAME"):
        assert property_value(text, name) == escaped, name


def test_optional_properties_are_left_out_when_empty():
    lines = unfolded(calendar(location="", description=None))
    assert not any(line.startswith(("LOCATION:", "DESCRIPTION:", "URL:")) for line in lines)


def test_a_line_of_exactly_75_octets_is_not_folded_and_76_is():
    exact = calendar(summary="x" * (75 - len("SUMMARY:")))
    assert ("SUMMARY:" + "x" * 67).encode() in physical_lines(exact)
    longer = calendar(summary="x" * 68)
    lines = physical_lines(longer)
    first = lines.index(b"SUMMARY:" + b"x" * 67)
    assert lines[first + 1] == b" x"


@pytest.mark.parametrize("summary", [
    "التخطيط لمشروع صغير وإدارة الحسابات والتسويق عبر وسائل التواصل الاجتماعي للشباب في دير الزور" * 2,
    "x" + "التخطيط لمشروع صغير" * 8,  # an odd offset: a two-byte letter would straddle the 75th octet
    "دورة € " * 30,  # three-byte characters
    "🌱 تدريب " * 20,  # four-byte characters
])
def test_long_lines_fold_at_75_octets_without_splitting_a_character(summary):
    text = calendar(summary=summary, location=summary)
    for line in physical_lines(text):
        assert len(line) <= 75, line
        line.decode("utf-8")  # strict: a split character would raise here
    folded = [line for line in physical_lines(text) if line.startswith(b" ")]
    assert folded, "the long lines were folded"
    assert property_value(text, "SUMMARY") == summary.replace(",", "\\,")
    assert property_value(text, "LOCATION") == summary.replace(",", "\\,")
    # A fold only ever comes where the next character would not fit.
    lines = physical_lines(text)
    for line, following in zip(lines, lines[1:]):
        if following.startswith(b" "):
            next_char = following[1:].decode("utf-8")[0].encode("utf-8")
            assert len(line) + len(next_char) > 75


def test_several_sessions_make_several_events():
    events = [{"uid": f"course-1-session-{i}", "starts_at": START + timedelta(days=i),
               "ends_at": START + timedelta(days=i, hours=2), "summary": "Planning"} for i in range(3)]
    text = ics.calendar(events, name="Planning", domain="minha.example", now=NOW)
    lines = unfolded(text)
    assert lines.count("BEGIN:VEVENT") == 3
    assert [line for line in lines if line.startswith("DTSTART:")] == [
        "DTSTART:20260312T070000Z", "DTSTART:20260313T070000Z", "DTSTART:20260314T070000Z"]
