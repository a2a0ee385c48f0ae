"""/broadcast: an organizer writes to everyone or to a segment; /broadcasts follows them up.

Audience, message (Telegram formatting checked before anything is sent), optional versions per
language, a preview with the number of recipients, then Send. The delivery engine does the
sending; the organizer's progress message is edited as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_, SUPPORTED_LANGUAGES, Translator
from bot.models import Audience, AudienceKind, CampaignStatus
from bot.services.formatting import FormattingError, html_to_text, organizer_html
from bot.topics import TOPICS
from handlers.broadcast_progress import headline, progress_text
from handlers.buttons import (
    BroadcastAudience,
    BroadcastDiscard,
    BroadcastLanguage,
    BroadcastPreview,
    BroadcastSend,
    BroadcastTopic,
    BroadcastVersion,
    StopBroadcast,
)
from handlers.context import BotContext
from handlers.event_wizard import language_rows, topic_rows
from handlers.html import bold, plain, user_text
from handlers.organizers import event_by_code, require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import MAX_MESSAGE_LENGTH, Button, answer, edit, no_longer_active, send
from handlers.wizards import GROUP_BROADCAST, GROUP_GENERAL, build_wizard

AUDIENCE, EVENT_CODE, CHOICE, MESSAGE, VERSIONS, VERSION_TEXT = range(6)
END = ConversationHandler.END
AUDIENCES: dict[str, str] = {  # the kinds of buttons.AUDIENCE_KINDS
    AudienceKind.EVERYONE: N_("Everyone"),
    AudienceKind.REGISTRANTS: N_("Registrants of an event"),
    AudienceKind.WAITLIST: N_("The waitlist of an event"),
    AudienceKind.LANGUAGE: N_("People who read one language"),
    AudienceKind.TOPIC: N_("People signed up for a topic"),
}


@dataclass(frozen=True)
class BroadcastDraft:
    """The answers so far: the kind of audience chosen, then the audience itself (and the
    title of its event, if any); the message by language ("default": for everyone else), and
    the language whose version is awaited; the message that previews the draft as it stands,
    whose Send and Cancel are the only ones that act on it."""

    kind: str | None = None
    audience: Audience | None = None
    event_label: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    pending: str | None = None
    preview: int | None = None  # its message id; None once the draft changed after it


def _draft(context: BotContext) -> BroadcastDraft:
    return get_state(context, BroadcastDraft) or BroadcastDraft()


def describe(t: Translator, audience: Audience) -> str:
    if audience.kind == AudienceKind.LANGUAGE and isinstance(audience.value, str):
        return f"{t._(AUDIENCES['language'])}: {t.language_label(audience.value)}"
    if audience.kind == AudienceKind.TOPIC and isinstance(audience.value, str):
        return f"{t._(AUDIENCES['topic'])}: {t._(TOPICS[audience.value])}"
    label = t._(AUDIENCES.get(audience.kind, AUDIENCES["everyone"]))
    return label if audience.value is None else f"{label}: {audience.value}"


async def begin(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context):
        return END
    set_state(context, BroadcastDraft())
    t = context.viewer.t
    rows: list[list[Button]] = [
        [(t._(label), BroadcastAudience(kind))] for kind, label in AUDIENCES.items()
    ]
    await send(context, t._("Who should receive the message? Send /cancel to stop."), rows)
    return AUDIENCE


async def on_audience(update: Update, context: BotContext, data: BroadcastAudience) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    kind = data.kind
    t = context.viewer.t
    await edit(query, context, t._(AUDIENCES[kind]))
    draft = replace(_draft(context), kind=kind)
    if kind == AudienceKind.EVERYONE:
        set_state(context, replace(draft, audience=Audience(AudienceKind.EVERYONE)))
        return await ask_message(context)
    set_state(context, draft)
    if kind in (AudienceKind.REGISTRANTS, AudienceKind.WAITLIST):
        await send(context, t._("Send the event’s code."))
        return EVENT_CODE
    rows = (
        language_rows(t, BroadcastLanguage)
        if kind == AudienceKind.LANGUAGE
        else topic_rows(t, BroadcastTopic)
    )
    await send(context, t._("Which one?"), rows)
    return CHOICE


async def on_event_code(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    code = message.text.strip()
    t = context.viewer.t
    event = await event_by_code(context, code)
    if event is None:
        return EVENT_CODE
    draft = _draft(context)
    assert draft.kind is not None  # chosen before the code was asked for
    audience = Audience(AudienceKind(draft.kind), event.event_id)
    set_state(context, replace(draft, audience=audience, event_label=event.title_in(t.language)))
    return await ask_message(context)


async def on_language_choice(update: Update, context: BotContext, data: BroadcastLanguage) -> int:
    return await _choose(update, context, Audience(AudienceKind.LANGUAGE, data.language))


async def on_topic_choice(update: Update, context: BotContext, data: BroadcastTopic) -> int:
    return await _choose(update, context, Audience(AudienceKind.TOPIC, data.topic))


async def _choose(update: Update, context: BotContext, audience: Audience) -> int:
    """The language or topic of the audience chosen (a button of an older choice is stale)."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    if draft.kind != audience.kind:
        await no_longer_active(query, context)
        return CHOICE
    set_state(context, replace(draft, audience=audience))
    await answer(query)
    return await ask_message(context)


async def ask_message(context: BotContext) -> int:
    t = context.viewer.t
    await send(
        context,
        plain(
            t._(
                "Write the message. Telegram formatting is allowed: <b>bold</b>, <i>italic</i>, "
                '<a href="https://example.org">links</a>.'
            )
        ),
    )
    return MESSAGE


def _checked(t: Translator, text: str) -> str | None:
    """The problem with a message's formatting or length, in the organizer's language."""
    try:
        shown = html_to_text(text)
    except FormattingError as exc:
        return t._(
            "Telegram would refuse this formatting ({reason}). Please correct it and "
            "send the message again.",
            reason=exc.problem.render(t),
        )
    # Arabic readers get a right-to-left mark at the start of every line: keep room for it.
    limit = MAX_MESSAGE_LENGTH - shown.count("\n") - 1
    if len(shown) > limit:
        return t._(
            "The message is {length} characters long; at most {limit} fit in one message.",
            length=t.number(len(shown)),
            limit=t.number(limit),
        )
    if not shown.strip():
        return t._("The message is empty.")
    return None


async def on_message(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.viewer.t
    text = organizer_html(message.text_html)  # Telegram's formatting and typed HTML alike
    problem = _checked(t, text)
    if problem:
        await send(context, plain(problem))
        return MESSAGE
    draft = _draft(context)
    set_state(context, replace(draft, texts={**draft.texts, "default": text}))
    return await ask_versions(context)


async def ask_versions(context: BotContext) -> int:
    t = context.viewer.t
    draft = replace(_draft(context), preview=None)  # a text changed: preview it again
    set_state(context, draft)
    texts = draft.texts
    buttons: list[Button] = [
        (("✓ " if code in texts else "") + t.language_label(code), BroadcastVersion(code))
        for code in SUPPORTED_LANGUAGES
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(t._("Preview"), BroadcastPreview())])
    await send(
        context,
        t._(
            "Add a version in another language? Each person gets the version "
            "in their language, or else the message you just wrote."
        ),
        rows,
    )
    return VERSIONS


async def on_version_button(update: Update, context: BotContext, data: BroadcastVersion) -> int:
    query = update.callback_query
    assert query is not None
    await answer(query)
    code = data.language
    t = context.viewer.t
    set_state(context, replace(_draft(context), pending=code))
    await send(context, t._("Write the version in {language}.", language=t.language_label(code)))
    return VERSION_TEXT


async def on_version_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.viewer.t
    text = organizer_html(message.text_html)  # Telegram's formatting and typed HTML alike
    problem = _checked(t, text)
    if problem:
        await send(context, plain(problem))
        return VERSION_TEXT
    draft = _draft(context)
    texts = {**draft.texts, draft.pending or "default": text}
    set_state(context, replace(draft, texts=texts, pending=None))
    return await ask_versions(context)


async def on_preview(update: Update, context: BotContext, data: BroadcastPreview) -> int:
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    audience = draft.audience
    if audience is None or "default" not in draft.texts:  # cannot be, in this step
        await no_longer_active(query, context)
        return END
    await answer(query)
    t = context.viewer.t
    count = await context.services.broadcasts.audience_size(audience)
    versions = ", ".join(t.language_label(c) for c in SUPPORTED_LANGUAGES if c in draft.texts)
    target = describe(t, audience)
    if draft.event_label:
        target = f"{t._(AUDIENCES[audience.kind])}: {draft.event_label}"
    summary = "\n".join(
        [
            t._("To: {audience}", audience=plain(target)),
            t.ngettext("{count} recipient", "{count} recipients", count),
            t._("Versions: {languages}", languages=versions or "—"),
            "",
            t._("This is how the message will look:"),
        ]
    )
    await send(context, summary)
    preview = await send(
        context,
        draft.texts["default"],
        [
            [
                (t._("Send"), BroadcastSend()),
                (t._("Cancel"), BroadcastDiscard()),
            ]
        ],
    )
    set_state(context, replace(draft, preview=preview.message_id))
    return VERSIONS


def _previewed(update: Update, context: BotContext) -> BroadcastDraft | None:
    """The draft, if the pressed message is its latest preview: Send or Cancel under an older
    preview (of a draft changed since, or of another /broadcast) is not this draft's."""
    query = update.callback_query
    draft = get_state(context, BroadcastDraft)
    pressed = query.message.message_id if query is not None and query.message else None
    if draft is None or draft.preview is None or draft.preview != pressed:
        return None
    return draft


async def on_send(update: Update, context: BotContext, data: BroadcastSend) -> int:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return END
    t = context.viewer.t
    draft = _previewed(update, context)
    audience = draft.audience if draft is not None else None
    if draft is None or audience is None or "default" not in draft.texts:
        await no_longer_active(query, context)
        return VERSIONS if get_state(context, BroadcastDraft) else END
    clear_state(context, BroadcastDraft)
    await answer(query)
    services = context.services
    campaign_id = await services.broadcasts.start(context.viewer.user_id, audience, draft.texts)
    status = await services.broadcasts.status(campaign_id)
    assert status is not None
    message = None
    try:
        message = await send(context, progress_text(t, status, finished=False))
    finally:  # without it, the summary comes as a new message when the broadcast ends
        await services.broadcasts.watch(
            campaign_id, context.viewer.user_id, message.message_id if message else None
        )
    return END


async def on_discard(update: Update, context: BotContext, data: BroadcastDiscard) -> int:
    query = update.callback_query
    assert query is not None
    if _previewed(update, context) is None:
        await no_longer_active(query, context)
        return VERSIONS if get_state(context, BroadcastDraft) else END
    await answer(query)
    clear_state(context, BroadcastDraft)
    await send(context, context.viewer.t._("The message was not sent."))
    return END


async def cancel(update: Update, context: BotContext) -> int:
    clear_state(context, BroadcastDraft)
    await send(context, context.viewer.t._("Stopped. Nothing was sent."))
    return END


async def list_broadcasts(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    recent = await context.services.broadcasts.recent()
    if not recent:
        await send(context, t._("No broadcasts yet. Send /broadcast to write one."))
        return
    blocks: list[str] = []
    rows: list[list[Button]] = []
    for status in recent:
        campaign = status.campaign
        progress = progress_text(t, status, campaign.status == CampaignStatus.DONE)
        first_line, _, figures = progress.partition("\n")
        about = [
            bold(plain(first_line)),
            t._(
                "{when}, by {name}",
                when=t.when_zoned(campaign.created_at, context.viewer.timezone),
                name=user_text(await _sender_name(context, campaign.created_by)),
            ),
            t._(
                "To: {audience}", audience=plain(await _audience_label(context, campaign.audience))
            ),
            t._(
                "“{words}”",
                words=plain(_first_words(campaign.payload.get("texts", {}).get("default", ""))),
            ),
            figures,
        ]
        blocks.append("\n".join(about))
        if campaign.status == CampaignStatus.RUNNING:
            rows.append(
                [
                    (
                        t._("Stop broadcast #{number}", number=campaign.number),
                        StopBroadcast(campaign.campaign_id),
                    )
                ]
            )
    await send(context, "\n\n".join(blocks), rows)


FIRST_WORDS = 80  # characters of a broadcast's text shown in /broadcasts


def _first_words(html: str) -> str:
    try:
        text = " ".join(html_to_text(html).split())
    except FormattingError:  # checked before it was sent; an old row, perhaps
        text = html
    return text if len(text) <= FIRST_WORDS else text[: FIRST_WORDS - 1].rstrip() + "…"


async def _sender_name(context: BotContext, user_id: int | None) -> str:
    user = await context.services.users.get(user_id) if user_id is not None else None
    return user.display_name if user is not None else "—"  # erased since, or the CLI


async def _audience_label(context: BotContext, described: str) -> str:
    t = context.viewer.t
    audience = Audience.parse(described)
    if audience is None:
        return described
    if isinstance(audience.value, int) and audience.kind != AudienceKind.USER:
        event = await context.services.events.by_id(audience.value)
        if event is not None:
            title = f"{event.title_in(t.language)} ({event.code})"
            return f"{t._(AUDIENCES.get(audience.kind, AUDIENCES['everyone']))}: {title}"
    return describe(t, audience)


async def on_stop(update: Update, context: BotContext, data: StopBroadcast) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    broadcasts = context.services.broadcasts
    status = await broadcasts.status(data.campaign_id)
    if status is None:
        await no_longer_active(query, context)
        return
    if not await broadcasts.cancel(data.campaign_id, context.viewer.user_id):
        await answer(query, headline(t, status, finished=True))  # it ended, or was stopped
        return
    await answer(query)
    number = status.campaign.number
    await send(
        context, t._("Broadcast #{number} is stopped; nothing more will be sent.", number=number)
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    wizard = build_wizard(
        "broadcast",
        entry_points=[CommandHandler("broadcast", begin)],
        states={
            AUDIENCE: [on_press(BroadcastAudience, on_audience)],
            EVENT_CODE: [MessageHandler(text, on_event_code)],
            CHOICE: [
                on_press(BroadcastLanguage, on_language_choice),
                on_press(BroadcastTopic, on_topic_choice),
            ],
            MESSAGE: [MessageHandler(text, on_message)],
            VERSIONS: [
                on_press(BroadcastVersion, on_version_button),
                on_press(BroadcastPreview, on_preview),
                on_press(BroadcastSend, on_send),
                on_press(BroadcastDiscard, on_discard),
            ],
            VERSION_TEXT: [MessageHandler(text, on_version_text)],
        },
        on_cancel=cancel,
        state=BroadcastDraft,
    )
    app.add_handler(wizard, group=GROUP_BROADCAST)
    app.add_handler(CommandHandler("broadcasts", list_broadcasts), group=GROUP_GENERAL)
    app.add_handler(on_press(StopBroadcast, on_stop), group=GROUP_GENERAL)
