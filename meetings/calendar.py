"""iCalendar (RFC 5545) files for meetings, built with the `icalendar` library."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.mime.text import MIMEText
from urllib.parse import urlencode

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext
from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

from meetings.drafts import join_url
from meetings.models import AttendanceMode, Meeting

PRODID = "-//ONMT//Tournee regionale//FR"
ORGANIZER_EMAIL = "tournee@onmt.ma"
_STATUS = {
    Meeting.Status.CANCELLED: "CANCELLED",
    Meeting.Status.POSTPONED: "TENTATIVE",
}


@dataclass(frozen=True)
class WebCalendarLinks:
    google: str
    outlook: str


def web_calendar_links(meeting: Meeting) -> WebCalendarLinks:
    """Links that open the meeting, filled in, in Google Calendar and Outlook on the web (no script of theirs)."""
    starts, ends = meeting.starts_at.astimezone(UTC), meeting.ends_at.astimezone(UTC)
    details = f"{strip_tags(meeting.description)}\n\n{settings.SITE_URL}{meeting.get_absolute_url()}".strip()
    google = {
        "action": "TEMPLATE",
        "text": meeting.title,
        "dates": f"{starts:%Y%m%dT%H%M%SZ}/{ends:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": meeting.place,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": meeting.title,
        "startdt": starts.isoformat(),
        "enddt": ends.isoformat(),
        "body": details,
        "location": meeting.place,
    }
    return WebCalendarLinks(
        google="https://calendar.google.com/calendar/render?" + urlencode(google),
        outlook="https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(outlook),
    )


def meeting_uid(meeting: Meeting) -> str:
    """Stable for the meeting's whole life, so an update replaces the event in calendars."""
    return f"meeting-{meeting.pk}@tournee.onmt.ma"


def _event(meeting: Meeting, *, with_alarm: bool, online_join_url: str = "") -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    # Times in UTC: right whatever the client's idea of Morocco's offset (it changes around Ramadan).
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", meeting.title)
    event.add("status", _STATUS.get(meeting.status, "CONFIRMED"))
    if online_join_url:
        # An online registrant's own file: their way in is their personal link, not the venue.
        event.add("location", vText(str(AttendanceMode.ONLINE.label)))
        joining = f"{gettext('Rejoindre la rencontre en ligne')}\n{online_join_url}"
        event.add("description", f"{joining}\n\n{strip_tags(meeting.description)}".strip())
        event.add("url", online_join_url)
    else:
        event.add("location", vText(meeting.place))
        event.add("description", strip_tags(meeting.description))
        event.add("url", settings.SITE_URL + meeting.get_absolute_url())
        if meeting.latitude is not None and meeting.longitude is not None:
            event.add("geo", (float(meeting.latitude), float(meeting.longitude)))
    organizer = vCalAddress(f"mailto:{ORGANIZER_EMAIL}")
    organizer.params["cn"] = vText("ONMT")
    event.add("organizer", organizer)
    if with_alarm:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.title)
        alarm.add("trigger", timedelta(hours=-2))
        event.add_component(alarm)
    return event


def calendar_bytes(
    meetings: Iterable[Meeting],
    *,
    name: str,
    method: str = "PUBLISH",
    with_alarm: bool = False,
    refresh: timedelta | None = None,
) -> bytes:
    """A VCALENDAR holding one VEVENT per meeting; `refresh` tells subscribers how often to reload it."""
    calendar = _calendar(name=name, method=method, refresh=refresh)
    for meeting in meetings:
        calendar.add_component(_event(meeting, with_alarm=with_alarm))
    return calendar.to_ical()


def _calendar(*, name: str, method: str, refresh: timedelta | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    if refresh is not None:
        # RFC 7986 REFRESH-INTERVAL, and the older name Outlook and Google read.
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    return calendar


def meeting_ics(
    meeting: Meeting, *, method: str = "PUBLISH", with_alarm: bool = False, online_join_url: str = ""
) -> bytes:
    """The calendar file of one meeting (METHOD:REQUEST with an alarm for e-mail attachments); with
    `online_join_url`, an online registrant's: that link in place of the venue."""
    if method == "REQUEST" and meeting.status == Meeting.Status.CANCELLED:
        method = "CANCEL"
    calendar = _calendar(name=meeting.title, method=method)
    calendar.add_component(_event(meeting, with_alarm=with_alarm, online_join_url=online_join_url))
    return calendar.to_ical()


def calendar_part(message) -> MIMEText:
    """The calendar file of a message's meeting as an e-mail part (settings.MESSAGING_CALENDAR_PART names this for
    the outbox): an online registrant's holds their join link instead of the venue."""
    meeting, registration = message.meeting, message.registration
    online = registration is not None and registration.mode == AttendanceMode.ONLINE
    ics = meeting_ics(
        meeting, method="REQUEST", with_alarm=True, online_join_url=join_url(registration) if online else ""
    )
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    part = MIMEText(ics.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="rencontre-onmt.ics")
    return part
