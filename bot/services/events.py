"""The programme: browsing upcoming events, and organizers adding, changing and cancelling them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db import Database, UnitOfWork, to_db
from bot.i18n import Translator
from bot.models import (
    Audience,
    AudienceKind,
    CampaignKind,
    Event,
    EventDraft,
    EventListing,
    EventStatus,
    Page,
    RegistrationStatus,
)
from bot.services.event_codes import code_base, unique_code
from bot.services.paid_notices import PaidBudget, PaidQuote, stars
from bot.services.programme_hooks import ProgrammeHooks, follow_change
from bot.services.programme_import import NAMES_LISTED, ParsedProgramme
from bot.services.recent import Recent
from bot.services.registrations import closed_reason, fill_seats

PAGE_SIZE = 8
LIST_MAX_AGE = timedelta(seconds=1)  # how old a list page or topic count may be when shown

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int
    moved: tuple[str, ...]  # codes whose start changed; their registrants must be told
    cancelled: int = 0  # rows of cancelled events, left as they are
    ignored: tuple[str, ...] = ()  # columns of the file the bot does not use


class Cancelling(Enum):
    """What became of an organizer's "Yes, cancel it"."""

    DONE = "done"
    ALREADY = "already"  # cancelled before: by another organizer, or from an older question
    OVER = "over"  # the session has ended: it took place, and its record stays as it was


@dataclass(frozen=True)
class Cancellation:
    outcome: Cancelling
    event: Event  # as it stands after
    paid: bool = False  # its notice goes as a paid broadcast
    paid_messages: int = 0  # how many (0.1 Star each)


class EventCancelled(Exception):
    """The event was cancelled: it is not changed any more (it is published again only
    under a new code, as the programme import says)."""


def cancel_refusal(event: Event, now: datetime) -> Cancelling | None:
    """Why the event cannot be cancelled now, None if it can: not twice, and not once it is
    over (its registrants would be told of a cancellation after the session took place)."""
    if event.is_cancelled:
        return Cancelling.ALREADY
    if event.ends_at <= now:
        return Cancelling.OVER
    return None


def _same(event: Event, draft: EventDraft) -> bool:
    return (
        event.topic,
        event.starts_at,
        event.duration_minutes,
        event.capacity,
        event.language,
        event.join_url,
        event.title,
        event.description,
        event.texts,
        event.min_attendance_minutes,
    ) == (
        draft.topic,
        draft.starts_at,
        draft.duration_minutes,
        draft.capacity,
        draft.language,
        draft.join_url,
        draft.title,
        draft.description,
        draft.texts,
        draft.min_attendance_minutes,
    )


class CodeTaken(Exception):
    """Another event has this code (in any case): codes name one event each."""

    def __init__(self, code: str, holder: Event) -> None:
        super().__init__(code)
        self.code = code
        self.holder = holder


class SessionOver(Exception):
    """The session took place: its start no longer moves (a running one may still be
    postponed)."""


class StartPassed(Exception):
    """The new start is no longer in the future (the question waited)."""


@dataclass(frozen=True)
class SignedUp:
    """Who is signed up for an event, as a risky change is explained before Confirm."""

    confirmed: int
    waitlisted: int
    told: int  # those a notice reaches: signed up and not blocking the bot


@dataclass(frozen=True)
class ChangeImpact:
    """What setting a field to `value` would mean for people: said before Confirm."""

    column: str
    value: object
    signed_up: SignedUp
    promoted: int = 0  # moved from the waitlist to a seat (and told)

    @property
    def below_confirmed(self) -> bool:
        """A capacity under the number confirmed: nobody loses a seat, nobody new gets one."""
        return (
            self.column == "capacity"
            and isinstance(self.value, int)
            and self.value < self.signed_up.confirmed
        )

    @property
    def stays_waiting(self) -> int:
        return max(self.signed_up.waitlisted - self.promoted, 0)


def promotions(
    before: int | None, after: int | None, confirmed: int, waitlisted: int, is_open: bool
) -> int:
    """How many people a change of capacity moves from the waitlist to a seat: what
    `follow_change` and `fill_seats` do, counted beforehand. Only before the start, only when
    the capacity grows, and only into seats free beyond those confirmed (a capacity set below
    the confirmed count gives nobody a seat until enough have left)."""
    grows = after is None or (before is not None and after > before)
    if not is_open or not grows:
        return 0
    free = waitlisted if after is None else after - confirmed
    return max(min(free, waitlisted), 0)


class Restoring(Enum):
    """What became of an organizer's "Yes, restore it"."""

    DONE = "done"
    NOT_CANCELLED = "not-cancelled"  # never cancelled, or restored already
    STARTED = "started"  # its start has passed: too late to take place after all


@dataclass(frozen=True)
class Restoration:
    outcome: Restoring
    event: Event  # as it stands after


def restore_refusal(event: Event, now: datetime) -> Restoring | None:
    """Why the event cannot be restored now, None if it can: only a cancelled event whose
    start is still to come."""
    if not event.is_cancelled:
        return Restoring.NOT_CANCELLED
    if event.starts_at <= now:
        return Restoring.STARTED
    return None


def queue_restored_notice(uow: UnitOfWork, event: Event, now: datetime) -> None:
    """Tell everyone signed up that the session takes place after all, in the restoring
    unit of work (as the cancellation notice is queued in the cancelling one)."""
    uow.outbox.enqueue(
        CampaignKind.RESTORED,
        f"restored:{event.event_id}:{to_db(now)}",
        Audience(AudienceKind.SIGNED_UP, event.event_id),
        {},
        now,
        event_id=event.event_id,
    )


class EventService:
    def __init__(
        self, db: Database, clock: Clock, hooks: ProgrammeHooks, paid: PaidBudget | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._hooks = hooks
        self._paid = paid or PaidBudget(0)  # urgent notices as paid broadcasts, if allowed
        # The same for every participant: read once a second at most (see bot.services.recent).
        self._pages: Recent[tuple[str | None, int], Page] = Recent(LIST_MAX_AGE)
        self._topics: Recent[None, dict[str, int]] = Recent(LIST_MAX_AGE)

    async def upcoming(self, topic: str | None, page: int) -> Page:
        """One page of the upcoming events; its seat counts may be a second old."""
        now = self._clock.now()
        found = self._pages.get((topic, page), now)
        if found is None:

            def read(uow: UnitOfWork) -> Page:
                found = uow.events.upcoming_page(now, topic, page, PAGE_SIZE)
                ids = {item.event.course_id for item in found.listings}
                courses = {i: c for i in ids if i is not None and (c := uow.courses.by_id(i))}
                return replace(found, courses=courses)  # the list names each session's course

            found = await self._db.read(read)
            self._pages.put((topic, page), found, now)
        return found

    async def topics(self) -> dict[str, int]:
        now = self._clock.now()
        found = self._topics.get(None, now)
        if found is None:
            found = await self._db.read(lambda u: u.events.upcoming_topics(now))
            self._topics.put(None, found, now)
        return dict(found)

    def seats_changed(self, listing: EventListing) -> None:
        """A sign-up or a cancellation made here: the pages kept show its seats at once (the
        person who just registered must not see the list contradict the card)."""
        event_id = listing.event.event_id

        def revised(page: Page) -> Page:
            if all(kept.event.event_id != event_id for kept in page.listings):
                return page
            listings = [
                listing if kept.event.event_id == event_id else kept for kept in page.listings
            ]
            return replace(page, listings=listings)

        self._pages.revise(revised)

    def programme_changed(self) -> None:
        """Forget the lists kept for a second: the next reader sees the change at once."""
        self._pages.clear()
        self._topics.clear()

    async def by_id(self, event_id: int) -> Event | None:
        return await self._db.read(lambda uow: uow.events.by_id(event_id))

    async def find(self, code: str) -> EventListing | None:
        return await self._db.read(lambda u: u.events.listing_typed(code))

    async def propose_code(self, title: str, topic: str, month: datetime) -> str:
        """A readable code for a new event that no event has yet (see `code_base`);
        `month`: its start in the organizer's zone."""
        base = code_base(title, topic, month)
        # Course codes too: a deep link names an event or a course.
        taken = await self._db.read(
            lambda uow: uow.events.codes_like(base) | uow.courses.codes_like(base)
        )
        return unique_code(base, taken)

    async def holder_of(self, code: str) -> Event | None:
        """The event that has this code, in any case ("Flood-1" holds "flood-1")."""
        return await self._db.read(lambda uow: uow.events.holder_of(code))

    async def create(self, draft: EventDraft, admin_id: int) -> Event:
        """Store a new event under its code; CodeTaken if another event took that code
        (in any case) since it was chosen."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> Event:
            holder = uow.events.holder_of(draft.code)
            if holder is not None:
                raise CodeTaken(draft.code, holder)
            uow.events.insert(draft, now)
            uow.audit.record(admin_id, "new-event", draft.code, now)
            event = uow.events.by_code(draft.code)
            assert event is not None
            return event

        event = await self._db.write(work)
        self.programme_changed()
        await self._hooks.replan([event], queued=False)
        return event

    async def change(
        self,
        event: Event,
        column: str,
        value: object,
        admin_id: int,
        language: str | None = None,
    ) -> Event:
        """Set one field of an event; the caller validated the value.

        A title or description is changed in `language` (the organizer's) when the event has
        its own text in that language: that is the one the organizer was shown and meant.
        Raises EventCancelled if the event is cancelled (read again here: an edit begun
        before another organizer cancelled it changes nothing); a start is changed only
        until the session is over (SessionOver) and into the future (StartPassed).
        """
        now = self._clock.now()
        text = event.texts.get(language or "")
        translated = text is not None and bool(getattr(text, column, ""))

        def work(uow: UnitOfWork) -> tuple[Event, bool]:
            before = uow.events.by_id(event.event_id) or event
            if before.is_cancelled:
                raise EventCancelled(event.code)
            if column == "starts_at":
                _check_move(before, value, now)
            if column in ("title", "description") and translated and language:
                uow.events.update_text(event.event_id, language, column, value, now)
            else:
                uow.events.update_field(event.event_id, column, value, now)
            uow.audit.record(admin_id, "edit-event", f"{event.code} {column}", now)
            uow.events.record_chat_edit(
                event.event_id, column, now, language if translated else None
            )
            after = uow.events.by_id(event.event_id)
            assert after is not None
            return after, follow_change(uow, before, after, now)

        changed, queued = await self._db.write(work, heavy=True)
        self.programme_changed()
        await self._hooks.replan([changed], queued)
        return changed

    async def set_reminders(self, event: Event, minutes: list[int], admin_id: int) -> None:
        """Change when this event's reminders go out; its jobs are planned again."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> None:
            uow.outbox.set_event_offsets(event.event_id, minutes)
            detail = f"{event.code} {','.join(map(str, minutes))}"
            uow.audit.record(admin_id, "set-reminders", detail, now)

        await self._db.write(work)
        await self._hooks.replan([event], queued=False)

    async def reminder_offsets(self, event: Event) -> list[int]:
        return await self._db.read(lambda uow: uow.outbox.event_offsets(event.event_id))

    async def signed_up(self, event: Event) -> SignedUp:
        """Confirmed, waitlisted, and how many of them a notice reaches: one read."""

        def work(uow: UnitOfWork) -> SignedUp:
            counts = uow.registrations.counts(event.event_id)
            told = uow.outbox.count_audience(Audience(AudienceKind.SIGNED_UP, event.event_id))
            return SignedUp(
                counts.get(RegistrationStatus.CONFIRMED, 0),
                counts.get(RegistrationStatus.WAITLISTED, 0),
                told,
            )

        return await self._db.read(work)

    def is_over(self, event: Event) -> bool:
        """Whether the session took place (its end has passed): it is not moved any more."""
        return event.ends_at <= self._clock.now()

    async def impact(self, event: Event, column: str, value: object) -> ChangeImpact | None:
        """What setting `column` to `value` would mean for people, when that must be said
        before it is saved: a move (everyone signed up is told), a capacity below the
        confirmed count, a capacity that gives people on the waitlist a seat. None when
        the change concerns nobody."""
        if column == "starts_at":
            if value == event.starts_at:
                return None
            return ChangeImpact(column, value, await self.signed_up(event))
        if column != "capacity" or value == event.capacity:
            return None
        assert value is None or isinstance(value, int)
        signed_up = await self.signed_up(event)
        is_open = closed_reason(event.status, event.starts_at, self._clock.now()) is None
        promoted = promotions(
            event.capacity, value, signed_up.confirmed, signed_up.waitlisted, is_open
        )
        impact = ChangeImpact(column, value, signed_up, promoted)
        return impact if impact.below_confirmed or promoted else None

    async def people_to_tell(self, event: Event) -> int:
        """How many would be told of a move or a cancellation: everyone signed up for it
        (confirmed or on its waitlist)."""
        audience = Audience(AudienceKind.SIGNED_UP, event.event_id)
        return await self._db.read(lambda uow: uow.outbox.count_audience(audience))

    def cancel_refusal(self, event: Event) -> Cancelling | None:
        """Why the event cannot be cancelled now (see `cancel_refusal`), None if it can."""
        return cancel_refusal(event, self._clock.now())

    async def paid_quote(self, event: Event) -> PaidQuote | None:
        """What telling the event's registrants at once would cost; None when paid notices
        are off or nobody would be told."""
        if not self._paid.enabled:
            return None
        audience = Audience(AudienceKind.SIGNED_UP, event.event_id)

        def read(uow: UnitOfWork) -> PaidQuote | None:
            told = uow.outbox.count_audience(audience)
            return self._paid.quote(uow, told) if told else None

        return await self._db.read(read)

    async def cancel(self, event: Event, admin_id: int, paid: bool = False) -> Cancellation:
        """Cancel the event; its registrants are told in the same unit of work (`paid`: as a
        paid broadcast, if the budget still allows it there). The rule of `cancel_refusal`
        is applied to the event read again there, so an old "Yes, cancel it" neither
        cancels twice nor cancels a session that has taken place since."""
        now = self._clock.now()
        audience = Audience(AudienceKind.SIGNED_UP, event.event_id)

        def work(uow: UnitOfWork) -> tuple[Cancellation, bool]:
            before = uow.events.by_id(event.event_id) or event
            refusal = cancel_refusal(before, now)
            if refusal is not None:
                return Cancellation(refusal, before), False
            told = uow.outbox.count_audience(audience) if paid and self._paid.enabled else 0
            pays = told > 0 and self._paid.quote(uow, told).affordable
            uow.events.set_status(event.event_id, EventStatus.CANCELLED, now)
            uow.audit.record(admin_id, "cancel-event", event.code, now)
            if pays:  # what the operator's budget was spent on, and who chose it
                uow.audit.record(admin_id, "paid-notice", f"{event.code}: {told} messages", now)
            after = replace(before, status=EventStatus.CANCELLED)
            queued = follow_change(uow, before, after, now, pays, by=admin_id)
            return Cancellation(Cancelling.DONE, after, pays, told if pays else 0), queued

        cancellation, queued = await self._db.write(work, heavy=True)
        if cancellation.paid:
            logger.info(
                "Cancellation of %s told as a paid broadcast: %d messages, %s Stars",
                event.code,
                cancellation.paid_messages,
                stars(cancellation.paid_messages),
            )
        if cancellation.outcome is Cancelling.DONE:
            self.programme_changed()
            await self._hooks.replan([cancellation.event], queued)
        return cancellation

    def restore_refusal(self, event: Event) -> Restoring | None:
        """Why the event cannot be restored now (see `restore_refusal`), None if it can."""
        return restore_refusal(event, self._clock.now())

    async def restore(self, event: Event, admin_id: int) -> Restoration:
        """Undo a cancellation: the event is scheduled again with its registrations as they
        were (a cancellation leaves them untouched), seats freed meanwhile go to the
        waitlist, everyone signed up is told, its reminders are planned again. The rule of
        `restore_refusal` is applied to the event read again here, so an old "Yes, restore
        it" restores once and never a session whose start has passed."""
        now = self._clock.now()

        def work(uow: UnitOfWork) -> Restoration:
            before = uow.events.by_id(event.event_id) or event
            refusal = restore_refusal(before, now)
            if refusal is not None:
                return Restoration(refusal, before)
            uow.events.set_status(event.event_id, EventStatus.SCHEDULED, now)
            uow.audit.record(admin_id, "restore-event", event.code, now)
            after = replace(before, status=EventStatus.SCHEDULED)
            queue_restored_notice(uow, after, now)
            fill_seats(uow, after.event_id, after.code, now)  # places given up meanwhile
            return Restoration(Restoring.DONE, after)

        restoration = await self._db.write(work, heavy=True)
        if restoration.outcome is Restoring.DONE:
            self.programme_changed()
            await self._hooks.replan([restoration.event], queued=True)
        return restoration


def _check_move(before: Event, value: object, now: datetime) -> None:
    """A start changes until the session is over (a running one may be postponed), and
    only into the future."""
    if before.ends_at <= now:
        raise SessionOver(before.code)
    if isinstance(value, datetime) and value <= now:
        raise StartPassed(before.code)


MAX_LISTED_PROBLEMS = 30


def describe_import(t: Translator, result: ParsedProgramme | ImportSummary) -> str:
    """The outcome of an import as an organizer reads it, in chat or on the command line."""
    if isinstance(result, ImportSummary):
        lines = [
            t._("The programme was imported."),
            t.ngettext("{count} event added", "{count} events added", result.added),
            t.ngettext("{count} event updated", "{count} events updated", result.updated),
            t.ngettext("{count} event unchanged", "{count} events unchanged", result.unchanged),
        ]
        if result.cancelled:
            lines.append(
                t.ngettext(
                    "{count} cancelled event was left as it is; give it a new code to publish "
                    "it again.",
                    "{count} cancelled events were left as they are; give them new codes to "
                    "publish them again.",
                    result.cancelled,
                )
            )
        return "\n".join([*lines, *ignored_columns(t, result.ignored)])
    problems = result.problems
    lines = [t._("Nothing was imported. Please correct the file and send it again:")]
    for item in problems[:MAX_LISTED_PROBLEMS]:
        reason = item.problem.render(t)
        lines.append(
            t._("Row {row}: {reason}", row=item.line, reason=reason) if item.line else reason
        )
    if len(problems) > MAX_LISTED_PROBLEMS:
        rest = len(problems) - MAX_LISTED_PROBLEMS
        lines.append(t.ngettext("…and {count} more problem.", "…and {count} more problems.", rest))
    return "\n".join([*lines, *ignored_columns(t, result.ignored)])


def ignored_columns(t: Translator, names: Sequence[str]) -> list[str]:
    """One line naming the columns left out (a hostile header has thousands: the first few)."""
    if not names:
        return []
    shown = ", ".join(name[:40] for name in names[:NAMES_LISTED])
    if len(names) > NAMES_LISTED:
        shown += ", …"
    return [t._("Columns the bot does not use, left out: {columns}.", columns=shown)]
