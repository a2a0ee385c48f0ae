"""/certificates for participants: their certificates again, at any time, and the name they
print, confirmed (or corrected) once before the first one.

Organizers' `/certificates CODE …` is handled by `handlers.certificate_admin`; anyone typing a
certificate's code gets what its QR code would show (see `handlers.verification`).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.models import Certificate
from bot.problems import InputProblem
from bot.services import profiles
from bot.services.certificate_codes import as_verification, read_code
from bot.services.certificates import Subject
from handlers import certificate_admin
from handlers.buttons import NameOnCertificate, SendMyCertificate
from handlers.certificate_messages import certificate_caption, name_question, needs_name_check
from handlers.context import BotContext
from handlers.html import bold, plain, user_text
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import answer, edit, no_longer_active, send, send_with_file
from handlers.verification import is_sample, is_verification, show_verification
from handlers.wizards import GROUP_CERTIFICATE_NAME, GROUP_GENERAL, build_wizard

TYPING = 1
END = ConversationHandler.END
LISTED = 20  # certificates listed with a button each; a person rarely holds more


@dataclass(frozen=True)
class NameBeingFixed:
    """The certificate waiting for the corrected spelling of its holder's name."""

    certificate_id: int


async def certificates(update: Update, context: BotContext) -> None:
    args = context.args or []
    if args:
        if context.viewer.is_organizer and await certificate_admin.handle(update, context, args):
            return
        typed = " ".join(args)
        if read_code(typed) is not None or is_verification(typed) or is_sample(typed):
            # Anyone may check a certificate by its code (as printed, or its link's end).
            await show_verification(context, as_verification(typed))
            return
        if not context.viewer.is_organizer:
            await send(
                context,
                context.viewer.t._(
                    "Send /certificates with nothing after it to get your certificates."
                ),
            )
            return
        await certificate_admin.unknown(context, args[0])
        return
    await show_mine(context)


async def show_mine(context: BotContext) -> None:
    t = context.viewer.t
    held = [
        (paper, subject)
        for paper, subject in await context.services.certificates.held(context.viewer.user_id)
        if subject is not None
    ]
    if not held:
        text = t._(
            "You have no certificate yet. You get one when you complete a training "
            "course, or attend a session that gives one; /my shows how far you are."
        )
        revoked = await context.services.certificates.held(context.viewer.user_id, revoked=True)
        if revoked:  # not "none yet" to someone who had one: the latest revoked is named
            paper, subject = revoked[-1]
            if subject is not None and paper.revoked_at is not None:
                text = t._(
                    "Your certificate for “{title}” was revoked by the organizers on {date}. "
                    "If you think this is a mistake, please contact them.",
                    title=plain(subject.title_in(t.language)),
                    date=t.date(paper.revoked_at, context.viewer.timezone, "long"),
                )
        if context.viewer.is_organizer:
            text += "\n\n" + t._(
                "A course’s or event’s certificates: /certificates CODE (for example, to "
                "preview them or issue the pending ones)."
            )
        await send(context, text)
        return
    if len(held) == 1:
        await send_certificate(context, *held[0])
        return
    zone = context.viewer.timezone
    lines = [bold(t._("Your certificates:"))]
    rows: list[list[tuple[str, SendMyCertificate]]] = []
    for paper, subject in held[:LISTED]:
        title = subject.title_in(t.language)
        lines.append(
            "• "
            + t._(
                "“{title}”, issued on {date} (code {code})",
                title=plain(title),
                date=t.date(paper.issued_at, zone, "long"),
                code=paper.code,
            )
        )
        rows.append([("📄 " + _short(title), SendMyCertificate(paper.certificate_id))])
    lines.append(t._("Press one to get it as a PDF."))
    await send(context, "\n".join(lines), rows)


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


async def send_certificate(
    context: BotContext,
    certificate: Certificate,
    subject: Subject,
    *,
    name_checked: bool = False,
    news: bool = False,
) -> None:
    """The certificate as a PDF in chat; before the first one, the question about the name."""
    viewer = context.viewer
    t = viewer.t
    if not name_checked and needs_name_check(viewer.user):
        text, rows = name_question(t, viewer.user, certificate, subject)
        await send(context, text, rows)
        return
    paper = await context.services.printer.paper_off_loop(
        t, certificate, subject, viewer.timezone, context.bot.username
    )
    caption = certificate_caption(t, certificate, subject, news=news)
    await send_with_file(context.bot, viewer.user_id, t.directed(caption), paper)


async def _pressed_own(
    update: Update, context: BotContext, certificate_id: int
) -> tuple[CallbackQuery, Certificate, Subject] | None:
    """The presser's own standing certificate a button names (spinner stopped); None, with
    "no longer active" said, for another's, a revoked one or forged data."""
    query = update.callback_query
    assert query is not None
    found = await context.services.certificates.of_holder(context.viewer.user_id, certificate_id)
    if found is None:
        await no_longer_active(query, context)
        return None
    await answer(query)
    return query, *found


async def on_send_mine(update: Update, context: BotContext, data: SendMyCertificate) -> None:
    pressed = await _pressed_own(update, context, data.certificate_id)
    if pressed is not None:
        await send_certificate(context, pressed[1], pressed[2])


async def on_name_answer(update: Update, context: BotContext, data: NameOnCertificate) -> int:
    pressed = await _pressed_own(update, context, data.certificate_id)
    if pressed is None:
        return END
    query, certificate, _ = pressed
    if data.answer == "fix":
        set_state(context, NameBeingFixed(certificate.certificate_id))
        await edit(query, context, _type_your_name(context))
        return TYPING
    first = needs_name_check(context.viewer.user)
    name = certificate.holder_name or context.viewer.user.printed_name
    name = await context.services.certificates.confirm_name(context.viewer.user_id, name)
    await edit(query, context, _confirmed(context, name))
    await _send_confirmed(context, certificate.certificate_id, every=first)
    return END


async def _send_confirmed(context: BotContext, pressed: int, *, every: bool) -> None:
    """The certificate whose question was answered; with `every` (the first confirmation of
    the name), every certificate the person holds: all of them were waiting for it, each
    behind a question of its own."""
    services = context.services
    held = [
        (paper, subject)
        for paper, subject in await services.certificates.held(context.viewer.user_id)
        if subject is not None and (every or paper.certificate_id == pressed)
    ]
    held.sort(key=lambda found: found[0].certificate_id != pressed)  # the one pressed first
    for paper, subject in held:
        await send_certificate(context, paper, subject, name_checked=True, news=True)


def _type_your_name(context: BotContext) -> str:
    t = context.viewer.t
    return t._(
        "Type your name exactly as it should be printed on your certificates, in the script "
        "you want (at most {limit} characters). /cancel keeps it as it is.",
        limit=profiles.LIMITS["full_name"],
    )


def _confirmed(context: BotContext, name: str) -> str:
    return context.viewer.t._(
        "Thank you. Your certificates print your name as {name}.",
        name=f"<b>{user_text(name)}</b>",
    )


async def on_typed_name(update: Update, context: BotContext) -> int | None:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.viewer.t
    waiting = get_state(context, NameBeingFixed)
    if waiting is None:
        return END
    try:
        name = profiles.parse_text("full_name", message.text)
    except InputProblem as problem:
        await send(context, plain(problem.problem.render(t)) + "\n\n" + _type_your_name(context))
        return None
    first = needs_name_check(context.viewer.user)
    name = await context.services.certificates.confirm_name(context.viewer.user_id, name)
    clear_state(context, NameBeingFixed)
    await send(context, _confirmed(context, name))
    # Read after the correction: the papers print the new name.
    await _send_confirmed(context, waiting.certificate_id, every=first)
    return END


async def on_cancel(update: Update, context: BotContext) -> int:
    clear_state(context, NameBeingFixed)
    t = context.viewer.t
    await send(
        context,
        t._(
            "Your name was not changed. Your certificate is waiting: /certificates sends it "
            "when you are ready."
        ),
    )
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    wizard = build_wizard(
        "certificate-name",
        entry_points=[on_press(NameOnCertificate, on_name_answer)],
        states={TYPING: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_typed_name)]},
        on_cancel=on_cancel,
        state=NameBeingFixed,
    )
    app.add_handler(wizard, group=GROUP_CERTIFICATE_NAME)
    app.add_handler(CommandHandler("certificates", certificates), group=GROUP_GENERAL)
    app.add_handler(on_press(SendMyCertificate, on_send_mine), group=GROUP_GENERAL)
    certificate_admin.register(app)
