"""/broadcasts: the organizer's list of broadcasts (those waiting for their time first, each
with Cancel; those sending with Stop), and the names audiences go by wherever a broadcast is
shown."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.db.outbox import Campaign
from bot.i18n import N_, Translator
from bot.models import Audience, AudienceKind, CampaignStatus
from bot.services.broadcasts import DEFAULT, BroadcastStatus
from bot.services.formatting import FormattingError, html_to_text
from bot.topics import TOPICS
from handlers.broadcast_progress import headline, progress_text
from handlers.buttons import CancelScheduledBroadcast, StopBroadcast
from handlers.context import BotContext
from handlers.html import bold, plain, user_text
from handlers.organizers import require_organizer
from handlers.presses import on_press
from handlers.ui import Button, answer, no_longer_active, send
from handlers.wizards import GROUP_GENERAL

AUDIENCES: dict[str, str] = {  # the kinds of buttons.AUDIENCE_KINDS
    AudienceKind.EVERYONE: N_("Everyone"),
    AudienceKind.REGISTRANTS: N_("Registrants of an event"),
    AudienceKind.WAITLIST: N_("The waitlist of an event"),
    AudienceKind.LANGUAGE: N_("People who read one language"),
    AudienceKind.TOPIC: N_("People signed up for a topic"),
    AudienceKind.ATTENDEES: N_("People who attended a session"),
    AudienceKind.NO_SHOWS: N_("Registered but did not attend a session"),
}


def describe(t: Translator, audience: Audience) -> str:
    if audience.kind == AudienceKind.LANGUAGE and isinstance(audience.value, str):
        return f"{t._(AUDIENCES['language'])}: {t.language_in_text(audience.value)}"
    if audience.kind == AudienceKind.TOPIC and isinstance(audience.value, str):
        return f"{t._(AUDIENCES['topic'])}: {t._(TOPICS[audience.value])}"
    label = t._(AUDIENCES.get(audience.kind, AUDIENCES["everyone"]))
    return label if audience.value is None else f"{label}: {audience.value}"


def cancel_button(t: Translator, campaign: Campaign) -> list[Button]:
    return [
        (
            t._("Cancel broadcast #{number}", number=campaign.number),
            CancelScheduledBroadcast(campaign.campaign_id),
        )
    ]


async def list_broadcasts(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t, role = context.viewer.t, context.viewer.role
    mine = None if role.whole_programme else context.viewer.user_id  # event organizers: theirs
    recent = await context.services.broadcasts.recent(created_by=mine)
    if not recent:
        await send(context, t._("No broadcasts yet. Send /broadcast to write one."))
        return
    blocks: list[str] = []
    rows: list[list[Button]] = []
    for status in recent:
        campaign = status.campaign
        done = campaign.status == CampaignStatus.DONE
        progress = progress_text(t, status, done, context.viewer.timezone)
        first_line, _, figures = progress.partition("\n")
        when = t.when_zoned(campaign.started_at, context.viewer.timezone)
        name = user_text(await _sender_name(context, campaign.created_by))
        about = [
            bold(plain(first_line)),
            t._("Scheduled by {name} for {when}", name=name, when=when)
            if campaign.is_waiting
            else t._("{when}, by {name}", when=when, name=name),
            t._("To: {audience}", audience=plain(await audience_label(context, campaign.audience))),
            t._(
                "“{words}”",
                words=plain(_first_words(campaign.payload.get("texts", {}).get(DEFAULT, ""))),
            ),
        ]
        if not campaign.is_waiting:  # nothing is sent yet: no figures
            about.append(figures)
        blocks.append("\n".join(about))
        if campaign.is_waiting:
            rows.append(cancel_button(t, campaign))
        elif campaign.status == CampaignStatus.RUNNING:
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


async def audience_label(context: BotContext, described: str) -> str:
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


def _may_manage(context: BotContext, status: BroadcastStatus) -> bool:
    """Organizers of the whole programme manage every broadcast; event organizers theirs."""
    role = context.viewer.role
    return role.whole_programme or status.campaign.created_by == context.viewer.user_id


async def on_stop(update: Update, context: BotContext, data: StopBroadcast) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    broadcasts = context.services.broadcasts
    status = await broadcasts.status(data.campaign_id)
    if status is None or not _may_manage(context, status):
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


async def on_cancel_scheduled(
    update: Update, context: BotContext, data: CancelScheduledBroadcast
) -> None:
    """Cancel a broadcast before its time: nothing of it is sent. A press after it went, or
    after it was cancelled, says so and changes nothing."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    viewer, t = context.viewer, context.viewer.t
    broadcasts = context.services.broadcasts
    before = await broadcasts.status(data.campaign_id)
    if before is None or not _may_manage(context, before):  # forged, or someone else's
        await no_longer_active(query, context)
        return
    cancelled = await broadcasts.cancel(data.campaign_id, viewer.user_id, only_waiting=True)
    status = await broadcasts.status(data.campaign_id)
    assert status is not None
    campaign = status.campaign
    await answer(query)
    when = t.when_zoned(campaign.started_at, viewer.timezone)
    if cancelled:
        text = t._(
            "Broadcast #{number}, scheduled for {when}, is cancelled; nothing was sent.",
            number=campaign.number,
            when=when,
        )
    elif campaign.send_at is not None and campaign.queued_at is None:
        text = t._(
            "Broadcast #{number} was already cancelled; nothing was sent.", number=campaign.number
        )
    else:
        text = t._(
            "Broadcast #{number} went out on {when}; it can no longer be cancelled. While it "
            "is sending, /broadcasts can stop it.",
            number=campaign.number,
            when=when,
        )
    await send(context, text)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("broadcasts", list_broadcasts), group=GROUP_GENERAL)
    app.add_handler(on_press(StopBroadcast, on_stop), group=GROUP_GENERAL)
    app.add_handler(on_press(CancelScheduledBroadcast, on_cancel_scheduled), group=GROUP_GENERAL)
