"""Feedback after a session: the rating buttons of the request, then an optional comment.

The comment question stays open across other commands (for the wizards' WIZARD_IDLE after
the rating): someone who rates, glances at /my and then types what they thought of the
session means it as their comment, and is thanked for it. Taking it is simpler for them
than being told to press a rating again and retype it, and it is safe: only text that
nothing else takes comes back to the question (a session code still checks in; see
`handlers.wizards`). /skip or /cancel closes the question.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.services.feedback import Rating
from handlers.buttons import Rate
from handlers.context import BotContext
from handlers.presses import on_press
from handlers.session import clear_state, pop_state, set_state
from handlers.ui import answer, send
from handlers.wizards import GROUP_FEEDBACK, build_wizard

COMMENT = 1
END = ConversationHandler.END


@dataclass(frozen=True)
class RatedEvent:
    """The event just rated, whose rating may get a comment."""

    event_id: int


async def on_rating(update: Update, context: BotContext, data: Rate) -> int:
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    event_id, rating = data.event_id, data.rating
    outcome = await context.services.feedback.rate(context.viewer.user_id, event_id, rating)
    if outcome in (Rating.NO_EVENT, Rating.NOT_ATTENDED):
        await answer(query, t._("Only participants who attended can rate this session."))
        return END
    if outcome is Rating.TOO_LATE:
        await answer(query, t._("Feedback for this session is closed."))
        return END
    await answer(query)
    set_state(context, RatedEvent(event_id))
    thanks = t._("Thank you! Your rating: {rating} of 5.", rating=rating)
    if outcome is Rating.CHANGED:
        thanks = t._("Your rating is now {rating} of 5.", rating=rating)
    await send(
        context,
        thanks
        + "\n"
        + t._(
            "If you wish, write a comment now (what was useful, what was missing), or send /skip."
        ),
    )
    return COMMENT


async def on_comment(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    rated = pop_state(context, RatedEvent)
    t = context.viewer.t
    if rated is not None and await context.services.feedback.comment(
        context.viewer.user_id, rated.event_id, message.text
    ):
        await send(context, t._("Thank you for your comment."))
    else:
        await send(context, t._("Feedback for this session is closed."))
    return END


async def skip(update: Update, context: BotContext) -> int:
    clear_state(context, RatedEvent)
    await send(context, context.viewer.t._("Thank you!"))
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    wizard = build_wizard(
        "feedback",
        entry_points=[on_press(Rate, on_rating)],
        states={
            COMMENT: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_comment),
                CommandHandler("skip", skip),
            ]
        },
        on_cancel=skip,
        state=RatedEvent,
    )
    app.add_handler(wizard, group=GROUP_FEEDBACK)
