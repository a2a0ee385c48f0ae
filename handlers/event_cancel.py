"""/cancelevent CODE cancels an event after a yes that says how many will be told;
/restoreevent CODE undoes it: the registrations come back as they were, and everyone signed
up is told that the session takes place after all."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator
from bot.models import Event
from bot.services.events import Cancelling, Restoring
from bot.services.paid_notices import PaidQuote
from handlers.buttons import (
    CancelEvent,
    CancelEventAsked,
    CancelEventPaid,
    KeepCancelled,
    KeepEvent,
    KeepThisEvent,
    RestoreEvent,
)
from handlers.context import BotContext
from handlers.html import user_text
from handlers.organizers import event_from_args, pressed_event, require_organizer
from handlers.presses import on_press
from handlers.ui import answer, edit, send
from handlers.wizards import GROUP_GENERAL


def cancelled_text(t: Translator) -> str:
    return t._("This event has been cancelled.")


async def ask_cancel(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/cancelevent CODE"))
    if event is None:
        return
    t = context.viewer.t
    refusal = context.services.events.cancel_refusal(event)
    if refusal is not None:
        await send(context, refusal_text(t, refusal))
        return
    title = user_text(event.title_in(t.language))
    when = t.when_zoned(event.starts_at, context.viewer.timezone)
    told = await context.services.events.people_to_tell(event)
    question = (
        t.ngettext(
            "Cancel “{title}” on {when}? The {count} person signed up will be told.",
            "Cancel “{title}” on {when}? The {count} people signed up will be told.",
            told,
            title=title,
            when=when,
        )
        if told
        else t._(
            "Cancel “{title}” on {when}? Nobody has signed up, so nobody will be told.",
            title=title,
            when=when,
        )
    )
    rows = [
        [
            (t._("Yes, cancel it"), CancelEventAsked(event.code, asked(context))),
            (t._("No, keep it"), KeepThisEvent(event.code)),
        ]
    ]
    quote = await context.services.events.paid_quote(event)
    if quote is not None:
        question = f"{question}\n\n{paid_offer_text(t, quote)}"
        if quote.affordable:
            paid = CancelEventPaid(event.code, asked(context))
            rows.insert(1, [(t._("Yes, and tell them at once (paid)"), paid)])
    await send(context, question, rows)


def paid_offer_text(t: Translator, quote: PaidQuote) -> str:
    """The cost of a paid broadcast, before the organizer chooses it."""
    if not quote.affordable:
        return t._(
            "Telling them at once with a paid broadcast would cost {cost} Stars, more than "
            "the {left} Stars left of the budget for it: they are told at the usual pace "
            "(about 30 messages a second).",
            cost=t.number(float(quote.cost)),
            left=t.number(float(quote.left)),
        )
    return t.ngettext(
        "They can be told at once with a paid broadcast: {count} message at {price} Star, "
        "{cost} Stars from the bot's balance ({left} Stars left of the budget for it). "
        "Otherwise they are told at the usual pace (about 30 messages a second).",
        "They can be told at once with a paid broadcast: {count} messages at {price} Star each, "
        "{cost} Stars from the bot's balance ({left} Stars left of the budget for it). "
        "Otherwise they are told at the usual pace (about 30 messages a second).",
        quote.messages,
        price=t.number(0.1),
        cost=t.number(float(quote.cost)),
        left=t.number(float(quote.left)),
    )


def asked_again(t: Translator, command: str, code: str) -> str:
    return t._(
        "The event changed since this question, so nothing was done. To go on, send "
        "{command} {code} again.",
        command=command,
        code=code,
    )


def refusal_text(t: Translator, refusal: Cancelling) -> str:
    """Why an event is not cancelled: it was already, or its session is over."""
    if refusal is Cancelling.ALREADY:
        return cancelled_text(t)
    return t._("This session is over.")


async def on_keep_event(
    update: Update, context: BotContext, data: KeepEvent | KeepThisEvent
) -> None:
    """No, keep it: the event stays, unless someone cancelled it meanwhile (another organizer,
    or the Yes of another question), which is said instead (older questions' buttons do not
    name the event)."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    await answer(query)
    if isinstance(data, KeepThisEvent):
        listing = await context.services.events.find(data.code)
        if listing is not None and listing.event.is_cancelled:
            await edit(query, context, cancelled_text(t))
            return
    await edit(query, context, t._("The event was not cancelled."))


def asked(context: BotContext) -> int:
    """When a question is asked, for its Yes: a Yes from before the event changed again (a
    cancel, a restore, an edit: another organizer's, or an older question's) is refused."""
    return int(context.now().timestamp())


def out_of_date(
    event: Event, data: CancelEvent | CancelEventAsked | CancelEventPaid | RestoreEvent
) -> bool:
    if isinstance(data, CancelEvent):  # asked before questions carried their time
        return True
    return event.updated_at is not None and event.updated_at.timestamp() > data.asked


async def on_cancel_event(
    update: Update, context: BotContext, data: CancelEvent | CancelEventAsked | CancelEventPaid
) -> None:
    pressed = await pressed_event(update, context, code=data.code)
    if pressed is None:
        return
    query, event = pressed
    t = context.viewer.t
    await answer(query)
    if not event.is_cancelled and out_of_date(event, data):
        await edit(query, context, asked_again(t, "/cancelevent", event.code))
        return
    paid = isinstance(data, CancelEventPaid)
    cancellation = await context.services.events.cancel(event, context.viewer.user_id, paid)
    if cancellation.outcome is not Cancelling.DONE:
        await edit(query, context, refusal_text(t, cancellation.outcome))
        return
    title = user_text(cancellation.event.title_in(t.language))
    done = t._("“{title}” is cancelled.", title=title)
    if cancellation.paid:
        done += " " + t._("Everyone signed up is being told at once (paid broadcast).")
    elif paid:
        done += " " + t._(
            "The budget for paid broadcasts no longer covers it: everyone signed up is told "
            "at the usual pace."
        )
    await edit(query, context, done)


async def ask_restore(update: Update, context: BotContext) -> None:
    """/restoreevent CODE: what undoing the cancellation brings back, before Yes."""
    if not await require_organizer(update, context):
        return
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/restoreevent CODE"))
    if event is None:
        return
    t = context.viewer.t
    refusal = context.services.events.restore_refusal(event)
    if refusal is not None:
        await send(context, restore_refusal_text(t, refusal))
        return
    people = await context.services.events.signed_up(event)
    title = user_text(event.title_in(t.language))
    when = t.when_zoned(event.starts_at, context.viewer.timezone)
    lines = [
        t._("Restore “{title}” on {when}?", title=title, when=when),
        t.ngettext(
            "{count} registration comes back as it was: {confirmed} confirmed, {waitlisted} "
            "on the waitlist.",
            "{count} registrations come back as they were: {confirmed} confirmed, "
            "{waitlisted} on the waitlist.",
            people.confirmed + people.waitlisted,
            confirmed=t.number(people.confirmed),
            waitlisted=t.number(people.waitlisted),
        )
        if people.confirmed + people.waitlisted
        else t._("Nobody had signed up."),
    ]
    if people.told:
        lines.append(
            t.ngettext(
                "The {count} person signed up will be told that it takes place after all.",
                "The {count} people signed up will be told that it takes place after all.",
                people.told,
            )
        )
    await send(
        context,
        "\n".join(lines),
        [
            [
                (t._("Yes, restore it"), RestoreEvent(event.code, asked(context))),
                (t._("No, leave it cancelled"), KeepCancelled(event.code)),
            ]
        ],
    )


def restore_refusal_text(t: Translator, refusal: Restoring) -> str:
    if refusal is Restoring.NOT_CANCELLED:
        return t._("This event is not cancelled: there is nothing to restore.")
    return t._("This session’s start has passed, so it cannot take place after all.")


async def on_restore(update: Update, context: BotContext, data: RestoreEvent) -> None:
    pressed = await pressed_event(update, context, code=data.code)
    if pressed is None:
        return
    query, event = pressed
    t = context.viewer.t
    await answer(query)
    if event.is_cancelled and out_of_date(event, data):
        await edit(query, context, asked_again(t, "/restoreevent", event.code))
        return
    restoration = await context.services.events.restore(event, context.viewer.user_id)
    if restoration.outcome is not Restoring.DONE:
        await edit(query, context, restore_refusal_text(t, restoration.outcome))
        return
    event = restoration.event
    title = user_text(event.title_in(t.language))
    when = t.when_zoned(event.starts_at, context.viewer.timezone)
    await edit(
        query,
        context,
        t._("“{title}” takes place after all, on {when}.", title=title, when=when),
    )


async def on_keep_cancelled(update: Update, context: BotContext, data: KeepCancelled) -> None:
    """No: the event stays cancelled, unless someone restored it meanwhile (said instead)."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    await answer(query)
    listing = await context.services.events.find(data.code)
    if listing is not None and not listing.event.is_cancelled:
        await edit(query, context, restore_refusal_text(t, Restoring.NOT_CANCELLED))
        return
    await edit(query, context, t._("The event stays cancelled."))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("cancelevent", ask_cancel), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("restoreevent", ask_restore), group=GROUP_GENERAL)
    app.add_handler(on_press(RestoreEvent, on_restore), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepCancelled, on_keep_cancelled), group=GROUP_GENERAL)
    app.add_handler(on_press(CancelEvent, on_cancel_event), group=GROUP_GENERAL)
    app.add_handler(on_press(CancelEventAsked, on_cancel_event), group=GROUP_GENERAL)
    app.add_handler(on_press(CancelEventPaid, on_cancel_event), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepEvent, on_keep_event), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepThisEvent, on_keep_event), group=GROUP_GENERAL)
