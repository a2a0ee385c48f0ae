"""What only organizers may do starts here: the guard, and /admin listing their commands."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler

from bot.models import Event
from bot.services.event_fields import CODE_PATTERN
from bot.services.organizers import OrganizerRole
from handlers.commands import command_lines, organizer_commands
from handlers.context import BotContext
from handlers.html import plain, user_text
from handlers.ui import Button, OpenMiniApp, answer, no_longer_active, send
from handlers.wizards import GROUP_GENERAL


async def require_organizer(
    update: Update, context: BotContext, *, programme: bool = False, event_id: int | None = None
) -> bool:
    """True for an organizer who may do this; anyone else gets a polite refusal and nothing
    happens. `programme`: only for organizers of the whole programme (not those of chosen
    events); `event_id`: only for organizers of that event."""
    role, t = context.viewer.role, context.viewer.t
    if not role.is_organizer:
        text = t._("Sorry, this is only for the programme’s organizers.")
    elif programme and not role.whole_programme:
        text = t._(
            "Sorry, this is only for organizers of the whole programme. You organize "
            "chosen events: /admin lists what you can do for them."
        )
    elif event_id is not None and not role.can_manage(event_id):
        text = t._("Sorry, this event is not one of the events you organize.")
    else:
        return True
    await _refuse(update, context, text)
    return False


def scope_of(role: OrganizerRole) -> frozenset[int] | None:
    """The events whose data an organizer sees: None for all (the whole programme)."""
    return None if role.whole_programme else role.event_ids


async def require_owner(update: Update, context: BotContext) -> bool:
    """Owners (ADMIN_IDS in the settings) add and remove organizers; nobody else."""
    if context.viewer.role.is_owner:
        return True
    t = context.viewer.t
    await _refuse(
        update,
        context,
        t._("Sorry, only the programme’s owners (ADMIN_IDS in the settings) can do this."),
    )
    return False


async def _refuse(update: Update, context: BotContext, text: str) -> None:
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
    else:
        await send(context, text)


async def event_from_args(context: BotContext, usage: str) -> Event | None:
    """The event named by a command's first argument, or an explanation to the organizer.
    `usage`: how the command is written, marked with N_ (its words are translated)."""
    t = context.viewer.t
    code = context.args[0] if context.args else ""
    if not code:
        await send(context, t._("Please add the event’s code: {usage}", usage=t._(usage)))
        return None
    return await event_by_code(context, code)


async def event_by_code(context: BotContext, code: str) -> Event | None:
    """The event with this code, or "there is no event..." said to the user."""
    listing = await context.services.events.find(code) if CODE_PATTERN.match(code) else None
    t = context.viewer.t
    if listing is None:
        await send(
            context, t._("There is no event with the code {code}.", code=user_text(code[:64]))
        )
        return None
    if not context.viewer.role.can_manage(listing.event.event_id):
        await send(context, t._("Sorry, this event is not one of the events you organize."))
        return None
    return listing.event


async def pressed_event(
    update: Update, context: BotContext, *, code: str | None = None, event_id: int | None = None
) -> tuple[CallbackQuery, Event] | None:
    """An organizer's button about an event (named by `code` or `event_id`): the press and
    the event, or None when the one pressing may not manage it or it is gone (answered here)."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return None
    events = context.services.events
    if code is not None:
        listing = await events.find(code)
        event = listing.event if listing is not None else None
    else:
        event = await events.by_id(event_id) if event_id is not None else None
    if event is None:
        await no_longer_active(query, context)
        return None
    if not await require_organizer(update, context, event_id=event.event_id):
        return None
    return query, event


async def admin_menu(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    heading = t._("Organizer commands:")
    hint = (
        t._(
            "To import a programme, send me its file (CSV or Excel .xlsx). To import an "
            "attendance report, send its file with the event’s code as caption."
        )
        if context.viewer.role.whole_programme
        else t._("To import an attendance report, send its file with the event’s code as caption.")
    )
    role = context.viewer.role
    commands = command_lines(t, organizer_commands(role.whole_programme))
    text = f"{heading}\n{commands}\n\n{hint}"
    if not role.whole_programme:
        codes = await context.services.organizers.event_codes(role.event_ids)
        text += "\n\n" + t._(
            "You organize these events: {codes}. Commands for the whole programme (new "
            "events, imports, broadcasts to everyone, organizers) are for the organizers of "
            "the whole programme.",
            codes=plain(t.and_list(codes)),
        )
    web_app = context.services.settings.web_app
    rows: list[list[Button]] = []
    if web_app is not None:
        dashboard = OpenMiniApp(web_app.page("dashboard", lang=t.language))
        rows.append([(t._("Open the dashboard"), dashboard)])
    await send(context, text, rows)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("admin", admin_menu), group=GROUP_GENERAL)
