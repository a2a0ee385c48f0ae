"""/organizers, /addorganizer, /removeorganizer: owners share the work without a restart.

An owner names the person by forwarding a message of theirs (the surest way: no typing), by
@username if they have written to the bot, or by user id; then says whether they organize the
whole programme or chosen events. The person is told, and gets the organizer menu at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import MessageOriginHiddenUser, MessageOriginUser, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.i18n import Translator
from bot.services.organizers import (
    GrantChange,
    OrganizerEntry,
    OrganizerRole,
    OrganizerScope,
    Person,
)
from handlers.buttons import OrganizerScopeChoice
from handlers.context import BotContext
from handlers.html import bold, plain, user_text
from handlers.menus import publish_organizer_menu, withdraw_organizer_menu
from handlers.organizers import require_organizer, require_owner
from handlers.presses import on_press
from handlers.session import get_state, set_state
from handlers.ui import answer, edit, send
from handlers.wizards import GROUP_GENERAL, GROUP_ORGANIZERS, build_wizard

AWAITING_PERSON, AWAITING_REACH, AWAITING_CODES = range(3)
MAX_CODES = 50  # events named in one message; more is a slip, not a plan
MAX_LISTED = 60  # people in /organizers before "and N more" (a message holds 4,096 characters)
WORDS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class OrganizerDraft:
    """The person an owner is adding, between the question of who and the question of what."""

    user_id: int


def person_label(t: Translator, person: Person) -> str:
    """ "Li Wei · @liwei · 4567": what the owner needs to tell people apart and to type."""
    if person.name is None:  # has not written to the bot yet: only the id is known
        return t._("User {id}", id=person.user_id)
    parts = [user_text(person.name)]
    if person.username:
        parts.append(plain(f"@{person.username}"))
    parts.append(str(person.user_id))
    return " · ".join(parts)


def _entry_line(t: Translator, entry: OrganizerEntry, timezone: str) -> str:
    line = f"• {person_label(t, entry.person)}"
    if entry.event_codes:
        line += f"\n  {plain(', '.join(entry.event_codes))}"
    if entry.added_at is not None:
        by = entry.added_by.name if entry.added_by and entry.added_by.name else None
        added = t._(
            "added on {date} by {name}",
            date=t.date(entry.added_at, timezone),
            name=user_text(by) if by else t._("an owner"),
        )
        line += f"\n  {added}"
    return line


async def list_organizers(update: Update, context: BotContext) -> None:
    """Owners and programme organizers see who organizes what; event organizers are told."""
    if not await require_organizer(update, context, programme=True):
        return
    t, zone = context.viewer.t, context.viewer.timezone
    entries = await context.services.organizers.listing()
    headings = {
        OrganizerScope.OWNER: t._("Owners (ADMIN_IDS in the settings):"),
        OrganizerScope.PROGRAMME: t._("Organizers of the whole programme:"),
        OrganizerScope.EVENTS: t._("Organizers of chosen events:"),
    }
    lines = [bold(t._("Organizers"))]
    for scope, heading in headings.items():
        group = [e for e in entries if e.scope is scope]
        if not group:
            continue
        lines += ["", heading, *(_entry_line(t, e, zone) for e in group[:MAX_LISTED])]
        if len(group) > MAX_LISTED:
            lines.append(
                t.ngettext("… and {count} more", "… and {count} more", len(group) - MAX_LISTED)
            )
    if context.viewer.role.is_owner:
        lines += [
            "",
            t._(
                "To add someone: /addorganizer, then forward me a message from them (or "
                "/addorganizer @username or user id, with event codes for chosen events)."
            ),
            t._("To remove someone: /removeorganizer @username or user id [event codes]"),
        ]
    await send(context, "\n".join(lines))


async def begin_add(update: Update, context: BotContext) -> int:
    """/addorganizer [who [event codes]]: whatever is missing is asked for."""
    if not await require_owner(update, context):
        return ConversationHandler.END
    args = context.args or []
    if not args:
        return await _ask_person(context)
    person = await _named(context, args[0])
    if person is None:
        return AWAITING_PERSON
    if len(args) > 1:
        return await _add_for_codes(context, person.user_id, args[1:])
    return await _ask_reach(context, person)


async def _ask_person(context: BotContext) -> int:
    t = context.viewer.t
    await send(
        context,
        t._(
            "Who should become an organizer? Forward me any message from them, or send "
            "their @username (if they have written to me) or their user id. /cancel to stop."
        ),
    )
    return AWAITING_PERSON


async def _named(context: BotContext, text: str) -> Person | None:
    """The person an owner typed, or None after saying why not."""
    person = await context.services.organizers.person(text[:64])
    if person is None:
        t = context.viewer.t
        await send(
            context,
            t._(
                "I do not know {who}. Someone I know by @username must have written to me "
                "first; you can also forward me a message from them, or send their user id.",
                who=user_text(text[:64]),
            ),
        )
    return person


async def on_person_text(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    person = await _named(context, update.message.text.strip())
    return AWAITING_PERSON if person is None else await _ask_reach(context, person)


async def on_forwarded(update: Update, context: BotContext) -> int:
    """A message forwarded from the person: Telegram says who wrote it, unless they hide it."""
    assert update.message is not None
    t = context.viewer.t
    origin = update.message.forward_origin
    if isinstance(origin, MessageOriginUser) and not origin.sender_user.is_bot:
        person = await context.services.organizers.known(origin.sender_user.id)
        return await _ask_reach(context, person)
    if isinstance(origin, MessageOriginHiddenUser):
        text = t._(
            "Their privacy settings hide who wrote that message. Ask them to write to me, "
            "then send me their @username or their user id."
        )
    else:
        text = t._("That message is not from a person. Forward me a message they wrote.")
    await send(context, text)
    return AWAITING_PERSON


async def _ask_reach(context: BotContext, person: Person) -> int:
    t = context.viewer.t
    if person.user_id in context.services.settings.admin_ids:
        await send(context, _owner_already(t, person))
        return ConversationHandler.END
    set_state(context, OrganizerDraft(person.user_id))
    rows = [
        [(t._("The whole programme"), OrganizerScopeChoice("all"))],
        [(t._("Chosen events"), OrganizerScopeChoice("some"))],
    ]
    text = t._("What will {person} organize?", person=person_label(t, person))
    await send(context, text, rows)
    return AWAITING_REACH


def _owner_already(t: Translator, person: Person) -> str:
    return t._(
        "{person} is an owner (ADMIN_IDS in the settings): owners organize everything and "
        "are changed only in the settings.",
        person=person_label(t, person),
    )


async def on_reach(update: Update, context: BotContext, data: OrganizerScopeChoice) -> int:
    query = update.callback_query
    assert query is not None
    draft = get_state(context, OrganizerDraft)
    if draft is None or not context.viewer.role.is_owner:
        await answer(query, context.viewer.t._("This button is no longer active."))
        return ConversationHandler.END
    await answer(query)
    if data.reach == "all":
        change = await context.services.organizers.add(context.viewer.user_id, draft.user_id, None)
        await edit(query, context, await _added(context, change))
        return ConversationHandler.END
    t = context.viewer.t
    await edit(
        query,
        context,
        t._("Send me the codes of their events, separated by spaces."),
    )
    return AWAITING_CODES


async def on_codes(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    draft = get_state(context, OrganizerDraft)
    if draft is None:
        return ConversationHandler.END
    return await _add_for_codes(context, draft.user_id, WORDS.split(update.message.text))


async def _event_ids(context: BotContext, words: list[str]) -> list[int] | None:
    """The events the codes name, or None after saying which codes are unknown."""
    t = context.viewer.t
    codes = list(dict.fromkeys(w for w in words if w))[: MAX_CODES + 1]
    if not codes or len(codes) > MAX_CODES:
        await send(context, t._("Please send between 1 and {limit} event codes.", limit=MAX_CODES))
        return None
    found, unknown = [], []
    for code in codes:
        listing = await context.services.events.find(code[:64])
        if listing is None:
            unknown.append(code[:64])
        else:
            found.append(listing.event.event_id)
    if unknown:
        await send(
            context,
            t.ngettext(
                "There is no event with this code: {codes}. Please send the codes again.",
                "There are no events with these codes: {codes}. Please send the codes again.",
                len(unknown),
                codes=user_text(t.and_list(unknown)),
            ),
        )
        return None
    return found


async def _add_for_codes(context: BotContext, user_id: int, words: list[str]) -> int:
    if user_id in context.services.settings.admin_ids:
        person = await context.services.organizers.known(user_id)
        await send(context, _owner_already(context.viewer.t, person))
        return ConversationHandler.END
    set_state(context, OrganizerDraft(user_id))
    event_ids = await _event_ids(context, words)
    if event_ids is None:
        return AWAITING_CODES
    change = await context.services.organizers.add(context.viewer.user_id, user_id, event_ids)
    await send(context, await _added(context, change))
    return ConversationHandler.END


async def _added(context: BotContext, change: GrantChange) -> str:
    """The owner's answer; the person is told and given the organizer menu."""
    t = context.viewer.t
    label = person_label(t, change.person)
    after = change.role_after
    if not change.changed:
        return (
            t._("{person} already organizes the whole programme.", person=label)
            if after.whole_programme
            else t._("{person} already organizes these events.", person=label)
        )
    await _publish_menu(context, change.person.user_id, after)
    told = await _tell(context, change.person.user_id, after)
    what = await _scope_text(context, t, after)
    text = t._("{person} is now an organizer: {what}.", person=label, what=what)
    if not told:
        text += "\n" + t._(
            "I could not tell them (they have not written to me, or they blocked me): "
            "please let them know, and ask them to send me /admin."
        )
    return text


async def _publish_menu(context: BotContext, user_id: int, role: OrganizerRole) -> None:
    users = context.services.users
    user = await users.get(user_id)
    language = users.language_of(user) if user else users.default_language
    await publish_organizer_menu(context.bot, context.bot_data.catalogs, user_id, language, role)


async def _scope_text(context: BotContext, t: Translator, role: OrganizerRole) -> str:
    if role.whole_programme:
        return t._("the whole programme")
    codes = await context.services.organizers.event_codes(role.event_ids)
    return plain(t.and_list(codes))


async def _tell(context: BotContext, user_id: int, role: OrganizerRole) -> bool:
    """A courtesy note to the person, in their language; False if it could not be sent."""
    user = await context.services.users.get(user_id)
    if user is None or not user.is_active:
        return False
    t = context.bot_data.catalogs.get(context.services.users.language_of(user))
    if role.whole_programme:
        text = t._(
            "You are now an organizer of the whole programme. Send /admin to see what you can do."
        )
    elif role.is_organizer:
        text = t._(
            "You are now an organizer of these events: {codes}. Send /admin to see what you "
            "can do.",
            codes=await _scope_text(context, t, role),
        )
    else:
        text = t._("You are no longer an organizer of the programme.")
    try:
        await context.bot.send_message(chat_id=user_id, text=t.directed(text))
    except TelegramError:
        return False
    return True


async def remove(update: Update, context: BotContext) -> None:
    """/removeorganizer who [event codes]: all their grants, or those events only."""
    if not await require_owner(update, context):
        return
    t = context.viewer.t
    args = context.args or []
    if not args:
        await send(
            context,
            t._("Please say who: /removeorganizer @username or user id [event codes]"),
        )
        return
    person = await _named(context, args[0])
    if person is None:
        return
    if person.user_id in context.services.settings.admin_ids:
        await send(context, _owner_already(t, person))
        return
    event_ids = None
    if len(args) > 1:
        event_ids = await _event_ids(context, args[1:])
        if event_ids is None:
            return
    change = await context.services.organizers.remove(
        context.viewer.user_id, person.user_id, event_ids
    )
    label = person_label(t, change.person)
    if not change.changed and event_ids is None:
        await send(context, t._("{person} was not an organizer.", person=label))
        return
    if not change.changed and change.role_before.whole_programme:
        text = t._(
            "{person} organizes the whole programme, not chosen events. To leave them only "
            "some events, remove them (/removeorganizer {who}) and add them again with the "
            "codes of those events.",
            person=label,
            who=user_text(args[0][:64]),
        )
        await send(context, text)
        return
    if not change.changed:
        codes = plain(" ".join(args[1:]))
        text = t._("{person} did not organize these events: {codes}.", person=label, codes=codes)
        await send(context, text)
        return
    after = change.role_after
    if after.is_organizer:
        await _publish_menu(context, person.user_id, after)
        what = await _scope_text(context, t, after)
        await send(context, t._("{person} still organizes: {what}.", person=label, what=what))
        return
    await withdraw_organizer_menu(context.bot, context.bot_data.catalogs, person.user_id)
    await _tell(context, person.user_id, after)
    await send(context, t._("{person} is no longer an organizer.", person=label))


async def cancel(update: Update, context: BotContext) -> int:
    await send(context, context.viewer.t._("Nobody was added."))
    return ConversationHandler.END


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND & ~filters.FORWARDED
    wizard = build_wizard(
        "organizers",
        entry_points=[CommandHandler("addorganizer", begin_add)],
        states={
            AWAITING_PERSON: [
                MessageHandler(filters.FORWARDED, on_forwarded),
                MessageHandler(text, on_person_text),
            ],
            AWAITING_REACH: [on_press(OrganizerScopeChoice, on_reach)],
            AWAITING_CODES: [MessageHandler(text, on_codes)],
        },
        on_cancel=cancel,
        state=OrganizerDraft,
    )
    app.add_handler(wizard, group=GROUP_ORGANIZERS)
    app.add_handler(CommandHandler("organizers", list_organizers), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("removeorganizer", remove), group=GROUP_GENERAL)
