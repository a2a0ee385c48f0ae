"""/my: the participant's registrations, upcoming (with a cancel button each) and past."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import Translator
from bot.models import Registration, RegistrationStatus
from handlers.buttons import CancelRegistration, CheckInHere
from handlers.context import BotContext
from handlers.html import bold, plain
from handlers.messages import join_now_text
from handlers.ui import Button, send
from handlers.wizards import GROUP_GENERAL

MAX_PAST = 10
MAX_BUTTON_TITLE = 30


def _state(t: Translator, registration: Registration, now: datetime) -> str:
    event = registration.event
    if event.is_cancelled:
        return t._("cancelled by the organizers")
    if registration.status == RegistrationStatus.WAITLISTED:
        if event.starts_at <= now:
            return t._("stayed on the waitlist")
        return t._("waitlist, number {position}", position=t.number(registration.position or 0))
    if event.starts_at <= now < event.ends_at:
        if registration.attended:
            return t._("registered, happening now") + " · ✅ " + t._("You are checked in.")
        return t._("registered, happening now")
    if event.ends_at <= now:  # what counts now is whether they were there
        return "✅ " + t._("attended") if registration.attended else t._("no attendance recorded")
    return t._("registered")


def _running_for(registration: Registration, now: datetime) -> bool:
    """A confirmed registration whose session is running: its link is what counts now."""
    event = registration.event
    return (
        registration.status == RegistrationStatus.CONFIRMED
        and not event.is_cancelled
        and event.starts_at <= now < event.ends_at
    )


def _line(t: Translator, zone: str, registration: Registration, now: datetime) -> str:
    event = registration.event
    title = plain(event.title_in(t.language))
    when = t.when(event.starts_at, zone)
    line = f"• <b>{title}</b>\n  {when} · {_state(t, registration, now)}"
    if _running_for(registration, now):
        line += f"\n  {join_now_text(t, event)}"
    return line


def _short(title: str) -> str:
    return title if len(title) <= MAX_BUTTON_TITLE else title[: MAX_BUTTON_TITLE - 1] + "…"


async def my_registrations(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    t = viewer.t
    upcoming, past = await context.services.registrations.of_user(viewer.user_id)
    if not upcoming and not past:
        await send(context, t._("You have no registrations yet. Send /events to find a session."))
        return
    now = context.now()
    # The zone once, at the top: every time below is in it.
    lines: list[str] = [t._("Times in {zone}", zone=t.timezone_label(viewer.timezone, now)), ""]
    rows: list[list[Button]] = []
    if upcoming:
        lines.append(bold(t._("Your upcoming sessions")))
        for registration in upcoming:
            lines.append(_line(t, viewer.timezone, registration, now))
            if _running_for(registration, now) and not registration.attended:
                title = _short(registration.event.title_in(t.language))
                label = t._("Check in: {title}", title=title)
                rows.append([(label, CheckInHere(registration.event.event_id))])
            if not context.services.registrations.can_cancel(registration.event):
                continue
            short = _short(registration.event.title_in(t.language))
            label = (
                t._("Leave the waitlist: {title}", title=short)
                if registration.status == RegistrationStatus.WAITLISTED
                else t._("Cancel: {title}", title=short)
            )
            rows.append([(label, CancelRegistration(registration.event.code))])
    if past:
        if upcoming:
            lines.append("")
        lines.append(bold(t._("Past sessions")))
        lines += [_line(t, viewer.timezone, r, now) for r in past[:MAX_PAST]]
    await send(context, "\n".join(lines), rows)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("my", my_registrations), group=GROUP_GENERAL)
