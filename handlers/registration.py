"""Signing up from an event card and giving a place up (from the card or from /my)."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import Application

from bot.i18n import Translator
from bot.models import ACTIVE_STATUSES, RegistrationStatus
from bot.services.registrations import RegistrationClosed, SignUp
from handlers.buttons import (
    CancelRegistration,
    ConfirmCancelRegistration,
    KeepRegistration,
    KeepThisRegistration,
)
from handlers.context import BotContext
from handlers.events import calendar_for, show_card, show_card_again
from handlers.html import user_text
from handlers.messages import confirmation_text
from handlers.presses import on_press
from handlers.ui import answer, edit, no_longer_active, send, send_with_file
from handlers.wizards import GROUP_GENERAL


async def sign_up(
    context: BotContext,
    code: str,
    query: CallbackQuery | None = None,
    preface: str | None = None,
    card_message: int | None = None,
    repeat: bool = True,
) -> SignUp:
    """Register the viewer (their profile exists) and tell them the outcome in one message
    (after `preface`, if any); the card whose Register was pressed shows the new state (or
    the message `card_message`, where the card was before the profile questions took its
    place: the card again). `repeat`: an earlier registration is said again (with its
    calendar file); not when the Mini App's page says it."""
    viewer = context.viewer
    t = viewer.t
    services = context.services
    result = await services.registrations.sign_up(viewer.user_id, code)
    outcome, position, card = result.outcome, result.position, result.card
    if card is None or outcome is SignUp.NO_SUCH_EVENT:
        await send(context, _joined(preface, t._("This event no longer exists.")))
        return SignUp.NO_SUCH_EVENT
    event = card.event
    title = user_text(event.title_in(t.language))
    pressed_card = query is not None and query.message is not None and preface is None
    if pressed_card and outcome in (SignUp.CANCELLED_EVENT, SignUp.OVER, *SAID_ON_THE_CARD):
        # Nobody can sign up any more: the card pressed says why, in place (it shows a
        # cancelled or ended session itself), rather than a message repeating it.
        notice = outcome_text(t, outcome, title, position) if outcome in SAID_ON_THE_CARD else None
        await show_card(context, card, query=query, notice=notice)
        return outcome
    if not repeat and outcome in (SignUp.ALREADY_CONFIRMED, SignUp.ALREADY_WAITLISTED):
        return outcome  # said where it was asked (the Mini App's page), not again in chat
    if outcome in (SignUp.CONFIRMED, SignUp.ALREADY_CONFIRMED):
        # Already: a second press, or the same press handled again after a crash; the time,
        # the link and the calendar file again, in case the first answer never arrived.
        started = event.starts_at <= context.now()
        again = outcome is SignUp.ALREADY_CONFIRMED
        text = _joined(preface, confirmation_text(t, event, viewer.timezone, started, again))
        ics = await calendar_for(context, event)
        await send_with_file(context.bot, viewer.user_id, t.directed(text), ics)
    else:
        await send(context, _joined(preface, outcome_text(t, outcome, title, position)))
    context.answer_delivered()  # the card below is cosmetic: not worth the answer twice
    if query is not None and query.message is not None:
        await show_card(context, card, query=query)
    elif card_message is not None:
        await show_card_again(context, card, card_message)
    return outcome


# Refusals the card pressed says above itself (a session taken with its course only shows the
# course's button).
SAID_ON_THE_CARD = (SignUp.CLOSED, SignUp.COURSE_ONLY)


def _joined(preface: str | None, text: str) -> str:
    return f"{preface}\n\n{text}" if preface else text


def outcome_text(t: Translator, outcome: SignUp, title: str, position: int | None) -> str:
    """What a sign-up that did not give a seat at once means for the participant."""
    if outcome is SignUp.WAITLISTED:
        return t._(
            "“{title}” is full. You are number {position} on the waitlist; I will write to "
            "you as soon as a seat is free.",
            title=title,
            position=t.number(position or 0),
        )
    if outcome is SignUp.ALREADY_CONFIRMED:
        return t._("You are already registered for “{title}”.", title=title)
    if outcome is SignUp.ALREADY_WAITLISTED:
        return t._(
            "You are already number {position} on the waitlist for “{title}”.",
            title=title,
            position=t.number(position or 0),
        )
    if outcome is SignUp.CLOSED:
        return t._(
            "“{title}” has started and has no free seat, so nobody can join it now.",
            title=title,
        )
    if outcome is SignUp.OVER:
        return t._("“{title}” is over. Send /events to find another session.", title=title)
    if outcome is SignUp.COURSE_ONLY:
        return t._(
            "“{title}” is taken as part of its training course: register for the whole course.",
            title=title,
        )
    return t._("This event has been cancelled.")


def started_text(t: Translator) -> str:
    return t._("The session has started, so this registration can no longer be changed.")


async def on_cancel_button(update: Update, context: BotContext, data: CancelRegistration) -> None:
    """Ask before giving a place up: a mis-tap must not cost someone their seat."""
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    card = await context.services.registrations.card(data.code, context.viewer.user_id)
    if card is None:
        await answer(query, t._("This event no longer exists."))
        return
    await answer(query)
    if card.event.is_cancelled:
        await send(context, t._("This event has been cancelled."))
        return
    if not context.services.registrations.can_cancel(card.event):
        await send(context, started_text(t))
        return
    title = user_text(card.event.title_in(t.language))
    if card.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        # Given up meanwhile (from /my, or by erasing their data): nothing left to ask about.
        await send(context, not_registered_text(t, title))
        return
    await send(
        context,
        t._("Give up your place for “{title}”?", title=title),
        [
            [
                (t._("Yes, cancel my registration"), ConfirmCancelRegistration(data.code)),
                (t._("No, keep it"), KeepThisRegistration(data.code)),
            ]
        ],
    )


async def on_keep(
    update: Update, context: BotContext, data: KeepRegistration | KeepThisRegistration
) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query)
    t = context.viewer.t
    if isinstance(data, KeepThisRegistration):
        card = await context.services.registrations.card(data.code, context.viewer.user_id)
        if card is not None and card.status not in ACTIVE_STATUSES:  # given up elsewhere
            title = user_text(card.event.title_in(t.language))
            await edit(query, context, not_registered_text(t, title))
            return
    await edit(query, context, t._("Your registration is unchanged."))


async def on_confirm_cancel(
    update: Update, context: BotContext, data: ConfirmCancelRegistration
) -> None:
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    listing = await context.services.events.find(data.code)
    try:
        previous = await context.services.registrations.cancel(context.viewer.user_id, data.code)
    except RegistrationClosed:
        await answer(query)
        cancelled = listing is not None and listing.event.is_cancelled
        await edit(
            query, context, t._("This event has been cancelled.") if cancelled else started_text(t)
        )
        return
    if listing is None:
        await no_longer_active(query, context)
        return
    await answer(query)
    title = user_text(listing.event.title_in(t.language))
    if previous is None:  # an old button: the place was given up or erased before
        await edit(query, context, not_registered_text(t, title))
        return
    await edit(query, context, cancelled_text(t, title))


def not_registered_text(t: Translator, title: str) -> str:
    return t._("You are not registered for “{title}”. You can register from /events.", title=title)


def cancelled_text(t: Translator, title: str) -> str:
    return t._(
        "Your registration for “{title}” is cancelled. You can register again from /events.",
        title=title,
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(on_press(CancelRegistration, on_cancel_button), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepRegistration, on_keep), group=GROUP_GENERAL)
    app.add_handler(on_press(KeepThisRegistration, on_keep), group=GROUP_GENERAL)
    app.add_handler(on_press(ConfirmCancelRegistration, on_confirm_cancel), group=GROUP_GENERAL)
