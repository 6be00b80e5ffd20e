"""An iCalendar (RFC 5545) file for a course's sessions, attached to enrolment emails and downloadable."""
from datetime import datetime, timezone


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space, never inside a UTF-8 character."""
    parts, current = [], ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return [parts[0]] + [" " + part for part in parts[1:]]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: list[dict], *, name: str, domain: str, now: datetime) -> str:
    """events: dicts with uid, starts_at, ends_at (aware), summary, and optional location, description, url."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Minha//Training//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event['uid']}@{domain}", f"DTSTAMP:{_stamp(now)}",
                  f"DTSTART:{_stamp(event['starts_at'])}", f"DTEND:{_stamp(event['ends_at'])}",
                  f"SUMMARY:{_escape(event['summary'])}"]
        if event.get("location"):
            lines.append(f"LOCATION:{_escape(event['location'])}")
        if event.get("description"):
            lines.append(f"DESCRIPTION:{_escape(event['description'])}")
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(folded + "\r\n" for line in lines for folded in _fold(line))
