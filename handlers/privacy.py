"""/forgetme: a participant deletes their personal data, after saying yes once more."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.buttons import ForgetMe
from handlers.context import BotContext
from handlers.presses import on_press
from handlers.ui import answer, edit, send
from handlers.wizards import GROUP_GENERAL


async def ask(update: Update, context: BotContext) -> None:
    t = context.viewer.t
    text = t._(
        "This deletes your profile and your registrations; organizers keep only anonymous "
        "counts. Upcoming places are given to the next people on the waitlists. This cannot "
        "be undone. Delete everything?"
    )
    held = len(await context.services.certificates.held(context.viewer.user_id))
    if held:  # what they may have given an employer stops confirming anything
        text += "\n\n" + t.ngettext(
            "Your certificate will no longer be verifiable: checking it will say only that it "
            "was withdrawn. Keep the PDF if you need it.",
            "Your {count} certificates will no longer be verifiable: checking them will say "
            "only that they were withdrawn. Keep the PDFs if you need them.",
            held,
        )
    await send(
        context,
        text,
        [[(t._("Yes, delete my data"), ForgetMe("yes")), (t._("No, keep it"), ForgetMe("no"))]],
    )


async def on_answer(update: Update, context: BotContext, data: ForgetMe) -> None:
    query = update.callback_query
    assert query is not None
    t = context.viewer.t
    await answer(query)
    if data.answer != "yes":
        await edit(query, context, t._("Nothing was deleted."))
        return
    await context.services.registrations.forget(context.viewer.user_id)
    await edit(
        query,
        context,
        t._(
            "Your data is deleted. If you write to me again, I will only keep what I need to "
            "answer you."
        ),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("forgetme", ask), group=GROUP_GENERAL)
    app.add_handler(on_press(ForgetMe, on_answer), group=GROUP_GENERAL)
