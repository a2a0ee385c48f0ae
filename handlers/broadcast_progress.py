"""The organizer's view of a broadcast in progress: one message, edited as it goes."""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Catalogs, Translator
from bot.models import CampaignStatus, Event
from bot.services.broadcasts import BroadcastStatus, Reader
from bot.services.delivery import OVERALL_RATE
from bot.services.sender import Sender
from handlers.html import user_text


def headline(t: Translator, status: BroadcastStatus, finished: bool) -> str:
    """The first line: "Broadcast #12 · sending" (or finished, cancelled, or scheduled for
    later)."""
    return (
        t._("Broadcast #{number}", number=status.campaign.number)
        + " · "
        + (
            t._("cancelled before sending")
            if status.campaign.status == CampaignStatus.CANCELLED
            and status.campaign.send_at is not None
            and status.campaign.queued_at is None
            else t._("stopped")  # while it was sending
            if status.campaign.status == CampaignStatus.CANCELLED
            else t._("scheduled")
            if status.campaign.is_waiting
            else t._("finished")
            if finished
            else t._("sending")
        )
    )


def progress_text(
    t: Translator, status: BroadcastStatus, finished: bool, timezone: str | None = None
) -> str:
    """The figures so far; while it goes, what is left and (given the reader's `timezone`)
    about when it ends."""
    progress = status.progress
    lines = [
        headline(t, status, finished),
        t._("Sent: {count}", count=t.number(progress.sent)),
        t._("Blocked the bot: {count}", count=t.number(progress.blocked)),
        t._("Failed: {count}", count=t.number(progress.failed)),
    ]
    if progress.skipped:
        lines.append(t._("Skipped: {count}", count=t.number(progress.skipped)))
    seconds = status.seconds_left(OVERALL_RATE)
    if not finished and seconds is not None:
        minutes = max(round(seconds / 60), 1)
        lines.append(t._("Remaining: {count}", count=t.number(progress.pending)))
        lines.append(t.ngettext("About {count} minute left", "About {count} minutes left", minutes))
        if timezone is not None and status.as_of is not None:
            end = status.as_of + timedelta(seconds=seconds)
            lines.append(t._("Expected end: about {time}", time=t.time(end, timezone)))
    return "\n".join(lines)


class ProgressMessages:
    """The broadcast service's `ProgressDisplay`, as an edit of the organizer's message."""

    def __init__(self, sender: Sender, catalogs: Catalogs) -> None:
        self._sender = sender
        self._catalogs = catalogs

    async def show(
        self, chat_id: int, message_id: int, status: BroadcastStatus, finished: bool, reader: Reader
    ) -> None:
        t = self._catalogs.get(reader.language)
        text = progress_text(t, status, finished, reader.timezone)
        await self._sender.edit(chat_id, message_id, t.directed(text))

    async def announce(
        self, chat_id: int, status: BroadcastStatus, finished: bool, reader: Reader
    ) -> int | None:
        t = self._catalogs.get(reader.language)
        text = progress_text(t, status, finished, reader.timezone)
        return await self._sender.post(chat_id, t.directed(text))

    async def paid_refused(self, chat_id: int, event: Event, reader: Reader) -> None:
        t = self._catalogs.get(reader.language)
        text = t._(
            "Telegram refused to be paid for the notice about “{title}” (the bot's Stars "
            "balance is spent, or paid broadcasts are not allowed to this bot): the people "
            "not told yet are told at the usual pace.",
            title=user_text(event.title_in(t.language)),
        )
        await self._sender.post(chat_id, t.directed(text))
