"""How the programme looks in a chat: the list, the topic filter and an event's card.

Pure functions from domain values to (text, buttons), so every screen is rendered the same way
wherever it is opened from (a command, a button, a deep link) and can be read in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.models import CoursePlace, EventListing, EventView, Page, RegistrationStatus
from bot.services.events import PAGE_SIZE
from bot.topics import TOPIC_SLUGS, TOPICS
from handlers.buttons import (
    ButtonData,
    CalendarFile,
    CancelRegistration,
    CheckInHere,
    CourseCard,
    EventCard,
    EventList,
    Register,
    TopicsMenu,
)
from handlers.html import bold, plain
from handlers.messages import join_now_text
from handlers.ui import Button, OpenMiniApp, page_buttons

MAX_BUTTON_TITLE = 40
FIRST_PAGE = EventList(None, 0)  # of every topic


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def seats_text(t: Translator, listing: EventListing) -> str:
    seats = listing.seats_left
    if seats is None:
        return t._("Open to everyone")
    if seats == 0:
        return t._("Full, waitlist open")
    return t.ngettext("{count} seat left", "{count} seats left", seats)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def list_screen(
    t: Translator, zone: str, page: Page, topic: str | None
) -> tuple[str, list[list[Button]]]:
    scope = t._(TOPICS[topic]) if topic else t._("All topics")
    if not page.listings:
        if topic is None:
            text = t._("There are no upcoming webinars right now. Please look again soon.")
            return text, []
        text = t._("There are no upcoming webinars on {topic} right now.", topic=scope)
        return text, [[(t._("All topics"), FIRST_PAGE)]]
    heading = t._("Upcoming webinars: {topic}", topic=scope)
    position = t._(
        "Page {page} of {pages}", page=t.number(page.page + 1), pages=t.number(page.pages)
    )
    # The zone once, under the heading: every time of the list is in it.
    in_zone = t._("Times in {zone}", zone=t.timezone_label(zone, page.listings[0].event.starts_at))
    lines = [bold(heading), position, in_zone, ""]
    rows: list[list[Button]] = []
    first = page.page * PAGE_SIZE
    for number, listing in enumerate(page.listings, start=first + 1):
        event = listing.event
        title = event.title_in(t.language)
        when = t.when(event.starts_at, zone, "medium")
        lines.append(f"{t.number(number)}. <b>{plain(title)}</b>")
        lines.append(f"    {when} · {seats_text(t, listing)}")
        course = page.courses.get(event.course_id or 0)
        if course is not None:  # its card offers the whole course
            course_title = plain(course.title_in(t.language))
            lines.append("    " + t._("Training course: {title}", title=course_title))
        label = f"{t.number(number)}. {_shorten(title, MAX_BUTTON_TITLE)}"
        rows.append([(label, EventCard(event.code, topic, page.page))])
    rows.append(page_buttons(t, page.page, page.pages, lambda to: EventList(topic, to)))
    rows.append([(t._("Choose a topic"), TopicsMenu())])
    return "\n".join(lines), rows


def topics_screen(t: Translator, counts: dict[str, int]) -> tuple[str, list[list[Button]]]:
    rows: list[list[Button]] = [[(t._("All topics"), FIRST_PAGE)]]
    for slug in TOPIC_SLUGS:
        if counts.get(slug):
            label = f"{t._(TOPICS[slug])} ({t.number(counts[slug])})"
            rows.append([(label, EventList(slug, 0))])
    return t._("Which topic interests you?"), rows


def card_screen(
    t: Translator,
    zone: str,
    card: EventView,
    *,
    bot_username: str,
    back: EventList,
    for_organizer: bool,
    form: Callable[[str], str] | None = None,
) -> tuple[str, list[list[Button]]]:
    """The card; `form`: the Mini App form's address for an event code, for a viewer who
    has no profile yet (its Register opens the form, with the chat's questions beside)."""
    listing, event = card.listing, card.event
    title = event.title_in(t.language)
    lines = [bold(title), plain(t._(TOPICS.get(event.topic, TOPICS["other"])))]
    description = event.description_in(t.language)
    if description:
        lines += ["", plain(description)]
    lines += [
        "",
        t._("Starts: {when}", when=f"{t.when(event.starts_at, zone, 'full')}"),
        t._("Time zone: {zone}", zone=t.timezone_label(zone, event.starts_at)),
    ]
    if ZoneInfo(zone).utcoffset(event.starts_at):  # in UTC already, it would say it twice
        lines.append(t._("In UTC: {when}", when=t.when(event.starts_at, "UTC", "medium")))
    lines += [
        t._("Duration: {duration}", duration=t.minutes(event.duration_minutes)),
        t._("Language: {language}", language=t.language_in_text(event.language)),
    ]
    if card.course is not None:
        lines.append(part_of_course_text(t, card.course))
    elif event.certificate:
        lines.append(t._("Those present receive a certificate of attendance."))
    rows: list[list[Button]] = []
    is_open, status = card.is_open, card.status
    if event.is_cancelled:
        lines += ["", t._("This event has been cancelled.")]
    elif card.in_progress:
        lines += ["", under_way(t, card, zone, rows, form)]
    elif not is_open:
        lines += ["", t._("This session is over.")]
    else:
        lines.append(t._("Availability: {seats}", seats=seats_text(t, listing)))
    if is_open and status == RegistrationStatus.CONFIRMED:
        lines += ["", "✅ " + t._("You are registered.")]
        rows.append([(t._("Cancel my registration"), CancelRegistration(event.code))])
    elif is_open and status == RegistrationStatus.WAITLISTED:
        lines += [
            "",
            "⏳ "
            + t._(
                "You are number {position} on the waitlist.", position=t.number(card.position or 0)
            ),
        ]
        rows.append([(t._("Leave the waitlist"), CancelRegistration(event.code))])
    elif is_open and not card.single_sign_up:
        lines += ["", t._("This session is taken as part of the course: register for the course.")]
    elif is_open:
        label = t._("Join the waitlist") if listing.seats_left == 0 else t._("Register")
        rows += register_rows(t, label, Register(event.code), form(event.code) if form else None)
    if card.course is not None:
        course = card.course.course
        label = t._(
            "Training course: {title}",
            title=_shorten(course.title_in(t.language), MAX_BUTTON_TITLE),
        )
        rows.append([(label, CourseCard(course.code))])
    link = deep_link(bot_username, event.code)
    if for_organizer:
        lines += ["", t._("Code: {code}", code=event.code), t._("Link: {link}", link=link)]
    if not event.is_cancelled:
        rows.append([(t._("Add to my calendar"), CalendarFile(event.code))])
        rows.append([(t._("Share"), share_url(bot_username, event.code, title))])
    rows.append([(t._("◀ Back to the list"), back)])
    return "\n".join(lines), rows


def register_rows(
    t: Translator, label: str, press: ButtonData, form: str | None
) -> list[list[Button]]:
    """Register: the form in a Mini App at `form` when there is one (and the questions in
    chat still there, for a Telegram app that cannot open it), else the questions in chat."""
    if form is None:
        return [[(label, press)]]
    return [[(label, OpenMiniApp(form))], [(t._("Answer in the chat instead"), press)]]


def under_way(
    t: Translator,
    card: EventView,
    zone: str,
    rows: list[list[Button]],
    form: Callable[[str], str] | None = None,
) -> str:
    """A session that is running, as the one who opens it stands: registered (the link and
    check-in), left on the waitlist, or free to join late while a seat is free."""
    event, status = card.event, card.status
    lines = [t._("The session is under way until {time}.", time=t.time(event.ends_at, zone))]
    if card.checked_in:
        lines += ["✅ " + t._("You are checked in."), join_now_text(t, event)]
    elif status == RegistrationStatus.CONFIRMED:
        lines += ["✅ " + t._("You are registered."), join_now_text(t, event)]
        rows.append([(t._("I am here: check in"), CheckInHere(event.event_id))])
    elif status == RegistrationStatus.WAITLISTED:
        lines.append("⏳ " + t._("You were on the waitlist, and no seat was free at the start."))
    elif card.listing.seats_left != 0 and card.single_sign_up:
        lines.append(t._("Availability: {seats}", seats=seats_text(t, card.listing)))
        lines.append(t._("You can still join: register and I will send you the link."))
        rows += register_rows(
            t, t._("Register"), Register(event.code), form(event.code) if form else None
        )
    elif card.single_sign_up:  # a session taken with its course only is not joined alone
        lines.append(t._("The session is full."))
    return "\n".join(lines)


def part_of_course_text(t: Translator, place: CoursePlace) -> str:
    """ "Part of the training course “Urban floods”, session 2 of 4." """
    title = plain(place.course.title_in(t.language))
    if place.number is None:  # a cancelled session counts among none
        return t._("Part of the training course “{title}”.", title=title)
    return t._(
        "Part of the training course “{title}”, session {number} of {count}.",
        title=title,
        number=t.number(place.number),
        count=t.number(place.sessions),
    )


def share_url(bot_username: str, code: str, title: str) -> str:
    """Telegram's share dialog, pre-filled with the event's deep link and title."""
    return (
        f"https://t.me/share/url?url={quote(deep_link(bot_username, code), safe='')}"
        f"&text={quote(title, safe='')}"
    )
