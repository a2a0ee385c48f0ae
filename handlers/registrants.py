"""/registrants CODE [words]: who registered for an event, a page at a time, or found by part
of a name or an email, or by country."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.db.registrants import RegistrantCounts, RegistrantLine
from bot.i18n import N_, Translator
from bot.models import Event
from bot.services.registrants import PAGE_SIZE, RegistrantsPage
from handlers.buttons import RegistrantsPage as RegistrantsPageButton
from handlers.context import BotContext
from handlers.html import bold, plain, user_text
from handlers.organizers import event_from_args, pressed_event, require_organizer
from handlers.presses import on_press
from handlers.session import get_state, set_state
from handlers.ui import answer, edit, page_buttons, send
from handlers.wizards import GROUP_GENERAL


@dataclass(frozen=True)
class RegistrantsSearch:
    """The organizer's latest /registrants, so that its page buttons keep its search (the
    words do not fit in a button's 64 bytes)."""

    event_id: int
    words: str | None


def counts_line(t: Translator, event: Event, counts: RegistrantCounts) -> str:
    """An event's seats and people in one line (the chat's list and the dashboard)."""
    return t._(
        "Confirmed: {confirmed} of {capacity} · waitlist: {waitlist} · attended: {attended}",
        confirmed=t.number(counts.confirmed),
        capacity=t.number(event.capacity) if event.capacity else "∞",
        waitlist=t.number(counts.waitlisted),
        attended=t.number(counts.attended),
    )


def screen(
    t: Translator,
    event: Event,
    found: RegistrantsPage,
    search: str | None,
    country_name: Callable[[str], str],
) -> str:
    counts = found.counts
    title = user_text(event.title_in(t.language))
    lines = [
        bold(t._("Registrants of “{title}”", title=title)),
        counts_line(t, event, counts),
    ]
    if event.is_cancelled:  # the registrations stand (a restore brings them back); say so
        lines.insert(1, t._("This event has been cancelled."))
    if search:
        lines.append(
            t.ngettext(
                "“{words}”: {count} found",
                "“{words}”: {count} found",
                found.found,
                words=user_text(search[:60]),
            )
        )
    if not found.lines:
        lines += ["", t._("Nobody found.") if search else t._("Nobody has registered yet.")]
        return "\n".join(lines)
    if found.pages > 1:
        lines.append(
            t._(
                "Page {page} of {pages}", page=t.number(found.page + 1), pages=t.number(found.pages)
            )
        )
    lines.append("")
    first = found.page * PAGE_SIZE + 1
    lines += [
        _line(t, number, line, country_name) for number, line in enumerate(found.lines, start=first)
    ]
    return "\n".join(lines)


def _line(
    t: Translator, number: int, line: RegistrantLine, country_name: Callable[[str], str]
) -> str:
    status = (
        t._("confirmed")
        if line.status == "confirmed"
        else t._("waitlist #{position}", position=t.number(line.position or 0))
    )
    about = [user_text(line.name)]
    if line.country:
        about.append(plain(country_name(line.country)))
    if line.organization:
        about.append(user_text(line.organization[:60]))
    attended = " · " + t._("attended") if line.attended else ""
    return f"{t.number(number)}. " + " · ".join(about) + f" — {status}{attended}"


async def show(
    context: BotContext, event: Event, search: str | None, page: int, pressed: Update | None
) -> None:
    t = context.viewer.t
    found = await context.services.registrants.page(event, search, page)
    countries = context.services.countries
    text = screen(t, event, found, search, lambda code: countries.name(code, t.language))
    navigation = page_buttons(
        t, found.page, found.pages, lambda to: RegistrantsPageButton(event.event_id, to)
    )
    rows = [navigation] if navigation else []
    query = pressed.callback_query if pressed is not None else None
    if query is not None:
        await edit(query, context, text, rows)
    else:
        await send(context, text, rows)


async def on_registrants(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/registrants CODE [name, email or country]"))
    if event is None:
        return
    words = " ".join((context.args or [])[1:]).strip() or None
    set_state(context, RegistrantsSearch(event.event_id, words))
    await show(context, event, words, 0, None)


async def on_page(update: Update, context: BotContext, data: RegistrantsPageButton) -> None:
    pressed = await pressed_event(update, context, event_id=data.event_id)
    if pressed is None:
        return
    query, event = pressed
    await answer(query)
    search = get_state(context, RegistrantsSearch)
    words = search.words if search is not None and search.event_id == event.event_id else None
    await show(context, event, words, data.page, update)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("registrants", on_registrants), group=GROUP_GENERAL)
    app.add_handler(on_press(RegistrantsPageButton, on_page), group=GROUP_GENERAL)
