"""/broadcast: an organizer writes to everyone or to a segment; /broadcasts follows them up.

Audience, message (Telegram formatting checked before anything is sent), optional versions per
language, a preview of every version with the number of recipients of each, then Send, Send
later (at a time in the organizer's zone) or a test copy to the organizer alone. The delivery
engine does the sending; the organizer's progress message is edited as it goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.db.outbox import Campaign
from bot.i18n import SUPPORTED_LANGUAGES, Translator
from bot.models import Audience, AudienceKind
from bot.problems import InputProblem
from bot.services.broadcasts import (
    DEFAULT,
    HELD_SESSION_AUDIENCES,
    Reach,
    parse_send_at,
    session_audience_problem,
)
from bot.services.formatting import FormattingError, html_to_text, organizer_html, utf16_length
from handlers import broadcast_list
from handlers.broadcast_list import AUDIENCES as AUDIENCES  # the audiences offered, named
from handlers.broadcast_list import audience_label, cancel_button, describe
from handlers.broadcast_progress import progress_text
from handlers.buttons import (
    BroadcastAudience,
    BroadcastDiscard,
    BroadcastLanguage,
    BroadcastLater,
    BroadcastPreview,
    BroadcastSend,
    BroadcastTest,
    BroadcastTopic,
    BroadcastVersion,
)
from handlers.context import BotContext
from handlers.event_wizard import language_rows, topic_rows
from handlers.html import bold, plain
from handlers.organizers import event_by_code, require_organizer
from handlers.presses import on_press
from handlers.session import clear_state, get_state, set_state
from handlers.ui import (
    MAX_MESSAGE_LENGTH,
    Button,
    Rows,
    answer,
    edit,
    keyboard,
    no_longer_active,
    send,
)
from handlers.wizards import GROUP_BROADCAST, AnyHandler, build_wizard

AUDIENCE, EVENT_CODE, CHOICE, MESSAGE, VERSIONS, VERSION_TEXT, SEND_AT = range(7)
END = ConversationHandler.END
EVENT_AUDIENCES = (AudienceKind.REGISTRANTS, AudienceKind.WAITLIST, *HELD_SESSION_AUDIENCES)


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
    asking_time: bool = False  # "Send later" was pressed: the time is awaited


def _draft(context: BotContext) -> BroadcastDraft:
    return get_state(context, BroadcastDraft) or BroadcastDraft()


def _step(context: BotContext) -> int:
    """Where the wizard stays after a press that changed nothing (a stale or test press)."""
    draft = get_state(context, BroadcastDraft)
    if draft is None:
        return END
    return SEND_AT if draft.asking_time else VERSIONS


async def begin(update: Update, context: BotContext) -> int:
    if not await require_organizer(update, context):
        return END
    set_state(context, BroadcastDraft())
    t, role = context.viewer.t, context.viewer.role
    rows: list[list[Button]] = [
        [(t._(label), BroadcastAudience(kind))]
        for kind, label in AUDIENCES.items()
        if role.whole_programme or kind in EVENT_AUDIENCES  # event organizers: their events'
    ]
    await send(context, t._("Who should receive the message? Send /cancel to stop."), rows)
    return AUDIENCE


async def on_audience(update: Update, context: BotContext, data: BroadcastAudience) -> int:
    query = update.callback_query
    assert query is not None
    kind = data.kind
    if kind not in EVENT_AUDIENCES and not await require_organizer(update, context, programme=True):
        return AUDIENCE  # an event organizer's forged press: nothing chosen
    await answer(query)
    t = context.viewer.t
    await edit(query, context, t._(AUDIENCES[kind]))
    draft = replace(_draft(context), kind=kind)
    if kind == AudienceKind.EVERYONE:
        set_state(context, replace(draft, audience=Audience(AudienceKind.EVERYONE)))
        return await ask_message(context)
    set_state(context, draft)
    if kind in EVENT_AUDIENCES:
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
    kind = AudienceKind(draft.kind)
    problem = session_audience_problem(kind, event, context.now())
    if problem is not None:  # attendees or no-shows of a session not held: another code
        await send(
            context,
            t._(
                problem,
                title=plain(event.title_in(t.language)),
                when=t.when_zoned(event.starts_at, context.viewer.timezone),
            ),
        )
        return EVENT_CODE
    audience = Audience(kind, event.event_id)
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


def message_problem(t: Translator, text: str) -> str | None:
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
    problem = message_problem(t, text)
    if problem:
        await send(context, plain(problem))
        return MESSAGE
    draft = _draft(context)
    set_state(context, replace(draft, texts={**draft.texts, DEFAULT: text}))
    return await ask_versions(context)


async def ask_versions(context: BotContext) -> int:
    t = context.viewer.t
    draft = replace(_draft(context), preview=None, asking_time=False)  # preview it again
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
    await send(context, t._("Write the version in {language}.", language=t.language_in_text(code)))
    return VERSION_TEXT


async def on_version_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.viewer.t
    text = organizer_html(message.text_html)  # Telegram's formatting and typed HTML alike
    problem = message_problem(t, text)
    if problem:
        await send(context, plain(problem))
        return VERSION_TEXT
    draft = _draft(context)
    texts = {**draft.texts, draft.pending or DEFAULT: text}
    set_state(context, replace(draft, texts=texts, pending=None))
    return await ask_versions(context)


async def on_preview(update: Update, context: BotContext, data: BroadcastPreview) -> int:
    """The audience with its count per version, then each version as its readers will see
    it (a message each: a version may be as long as a message can be), the last one with
    Send, Send later, the test copy and Cancel."""
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    audience = draft.audience
    if audience is None or DEFAULT not in draft.texts:  # cannot be, in this step
        await no_longer_active(query, context)
        return END
    await answer(query)
    t = context.viewer.t
    reach = await context.services.broadcasts.reach(audience)
    target = describe(t, audience)
    if draft.event_label:
        target = f"{t._(AUDIENCES[audience.kind])}: {draft.event_label}"
    versions = [code for code in SUPPORTED_LANGUAGES if code in draft.texts]
    headers = version_headers(t, reach, versions)
    lines = [
        t._("To: {audience}", audience=plain(target)),
        t.ngettext("{count} recipient", "{count} recipients", reach.total),
        *(f"• {plain(header)}" for header in headers.values()),
    ]
    others = reach.without_version(set(versions))
    if others:
        languages = [
            # TRANSLATORS: a language and how many people read it, in a list of languages.
            t._("{language} ({count})", language=t.language_in_text(code), count=t.number(count))
            for code, count in others.items()
        ]
        lines.append(
            t._(
                "The default version goes to people whose language has no version of its "
                "own: {languages}.",
                languages=plain(t.and_list(languages)),
            )
        )
    lines += ["", t._("This is how each version will look:")]
    await send(context, "\n".join(lines))
    last: Message | None = None
    for number, (version, header) in enumerate(headers.items(), start=1):
        rows: Rows = _preview_buttons(t) if number == len(headers) else ()
        text = await as_read(context, draft.texts, audience, version, reach)
        last = await _send_as_is(context, _headed(t, header, text), rows)
    assert last is not None
    set_state(context, replace(draft, preview=last.message_id, asking_time=False))
    return VERSIONS


def version_headers(t: Translator, reach: Reach, versions: Sequence[str]) -> dict[str, str]:
    """Each version's title with its number of recipients, the default one first."""
    default = reach.total - sum(reach.of_version(code) for code in versions)
    headers = {
        DEFAULT: t.ngettext(
            "Default version: {count} recipient", "Default version: {count} recipients", default
        )
    }
    for code in versions:
        headers[code] = t.ngettext(
            "{language} version: {count} recipient",
            "{language} version: {count} recipients",
            reach.of_version(code),
            language=t.language_in_text(code),
        )
    return headers


def _preview_buttons(t: Translator) -> list[list[Button]]:
    return [
        [(t._("Send"), BroadcastSend()), (t._("Send later"), BroadcastLater())],
        [(t._("Send a test to me"), BroadcastTest())],
        [(t._("Cancel"), BroadcastDiscard())],
    ]


async def as_read(
    context: BotContext, texts: dict[str, str], audience: Audience, version: str, reach: Reach
) -> str:
    """One version written by the delivery worker's renderer for one of its readers: the
    default one for the organizer if it is theirs, else for a language without a version."""
    if version == DEFAULT:
        own = context.viewer.t.language
        without = reach.without_version(set(texts)) or {own: 0}
        language = own if own in without else next(iter(without))
    else:
        language = version
    campaign = _unsent(context, audience, {DEFAULT: texts[version]})
    rendered = await context.services.delivery.sample(campaign, context.viewer.user_id, language)
    return rendered.text if rendered is not None else texts[version]


def _unsent(context: BotContext, audience: Audience, texts: dict[str, str]) -> Campaign:
    return context.services.broadcasts.draft(context.viewer.user_id, audience, texts)


def _headed(t: Translator, header: str, text: str) -> str:
    """The version under its title, when both fit in one message (a version as long as a
    message can be is shown alone: the summary above names the versions in order)."""
    headed = t.directed(bold(header)) + "\n\n" + text
    return headed if utf16_length(html_to_text(headed)) <= MAX_MESSAGE_LENGTH else text


async def _send_as_is(context: BotContext, text: str, rows: Rows = ()) -> Message:
    """A message written already in its readers' direction (a version in Arabic keeps its
    right-to-left marks, one in French gets none, whoever the organizer is)."""
    return await context.bot.send_message(
        chat_id=context.viewer.user_id,
        text=text,
        reply_markup=keyboard(rows),
        disable_web_page_preview=True,
    )


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
    if draft is None or audience is None or DEFAULT not in draft.texts:
        await no_longer_active(query, context)
        return _step(context)
    clear_state(context, BroadcastDraft)
    await answer(query)
    services = context.services
    campaign_id = await services.broadcasts.start(
        context.viewer.user_id, audience, draft.texts, draft=f"preview-{draft.preview}"
    )
    status = await services.broadcasts.status(campaign_id)
    assert status is not None
    message = None
    try:
        message = await send(
            context, progress_text(t, status, finished=False, timezone=context.viewer.timezone)
        )
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
        return _step(context)
    await answer(query)
    clear_state(context, BroadcastDraft)
    await send(context, context.viewer.t._("The message was not sent."))
    return END


async def on_test(update: Update, context: BotContext, data: BroadcastTest) -> int:
    """One copy to the organizer, written and sent as the delivery worker does for a reader
    of their language: a problem Telegram would have shows here. No campaign, nothing counted,
    and the preview's buttons still work."""
    query = update.callback_query
    assert query is not None
    draft = _previewed(update, context)
    if draft is None or draft.audience is None or DEFAULT not in draft.texts:
        await no_longer_active(query, context)
        return _step(context)
    await answer(query)
    viewer = context.viewer
    campaign = _unsent(context, draft.audience, draft.texts)
    rendered = await context.services.delivery.sample(campaign, viewer.user_id)
    if rendered is not None:
        try:
            await context.bot.send_message(
                chat_id=viewer.user_id,
                text=rendered.text,
                reply_markup=keyboard(rendered.buttons),
                disable_web_page_preview=True,
            )
        except BadRequest as exc:
            await send(
                context,
                viewer.t._(
                    "Telegram refused the test message: {reason}", reason=plain(exc.message)
                ),
            )
    return _step(context)


async def on_later(update: Update, context: BotContext, data: BroadcastLater) -> int:
    query = update.callback_query
    assert query is not None
    draft = _previewed(update, context)
    if draft is None:
        await no_longer_active(query, context)
        return _step(context)
    await answer(query)
    set_state(context, replace(draft, asking_time=True))
    await send(context, _time_question(context))
    return SEND_AT


def _time_question(context: BotContext) -> str:
    t, zone, now = context.viewer.t, context.viewer.timezone, context.now()
    tomorrow = now.astimezone(ZoneInfo(zone)) + timedelta(days=1)
    return t._(
        "When should it go? Write the date and time in your time zone, {zone}, as "
        "YYYY-MM-DD HH:MM, for example {example}. (/timezone changes your zone.)",
        zone=t.timezone_label(zone, now),
        example=tomorrow.strftime("%Y-%m-%d 09:00"),
    )


async def on_send_at(update: Update, context: BotContext) -> int:
    """The time typed after Send later: the broadcast is kept until then, and the organizer
    sees the time in their zone, named, with a button to cancel it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await require_organizer(update, context):
        return END
    draft = _draft(context)
    viewer, t = context.viewer, context.viewer.t
    if draft.audience is None or DEFAULT not in draft.texts or not draft.asking_time:
        return END  # cannot be: this step follows a preview
    try:
        send_at = parse_send_at(message.text, viewer.timezone, context.now())
        campaign = await context.services.broadcasts.schedule(
            viewer.user_id, draft.audience, draft.texts, send_at, draft=f"at-{message.message_id}"
        )
    except InputProblem as problem:
        await send(context, problem.problem.render(t) + "\n\n" + _time_question(context))
        return SEND_AT
    clear_state(context, BroadcastDraft)
    target = plain(await audience_label(context, campaign.audience))
    lines = [
        t._(
            "Broadcast #{number} is scheduled for {when}.",
            number=campaign.number,
            when=t.when_zoned(send_at, viewer.timezone, "full"),
        ),
        t._("To: {audience}", audience=target),
        t._(
            "It goes to the audience as it is at that moment: people who join it before then "
            "get it too. Until then you can cancel it here or in /broadcasts."
        ),
    ]
    await send(context, "\n".join(lines), [cancel_button(t, campaign)])
    return END


async def cancel(update: Update, context: BotContext) -> int:
    clear_state(context, BroadcastDraft)
    await send(context, context.viewer.t._("Stopped. Nothing was sent."))
    return END


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND

    def previewed() -> list[AnyHandler]:
        """The versions' buttons and the preview's (while a time is awaited too)."""
        return [
            on_press(BroadcastVersion, on_version_button),
            on_press(BroadcastPreview, on_preview),
            on_press(BroadcastSend, on_send),
            on_press(BroadcastLater, on_later),
            on_press(BroadcastTest, on_test),
            on_press(BroadcastDiscard, on_discard),
        ]

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
            VERSIONS: previewed(),
            VERSION_TEXT: [MessageHandler(text, on_version_text)],
            SEND_AT: [*previewed(), MessageHandler(text, on_send_at)],
        },
        on_cancel=cancel,
        state=BroadcastDraft,
    )
    app.add_handler(wizard, group=GROUP_BROADCAST)
    broadcast_list.register(app)  # /broadcasts, and its Stop and Cancel buttons
