"""A programme file compared with the programme before anything changes, and applied only
as it was shown.

`ProgrammeImports.read` parses a file and compares it with the database: the events it adds,
each changed event's fields (old and new), the moved starts with the number of people who
will be told, the fields edited in chat since the last import that it would overwrite, and
the courses it creates or changes (`bot.services.course_plans`).
`apply` compares the file with the database again inside the unit of work that writes it: if
anything the preview said has changed meanwhile (another organizer's edit, a session that
has started since), nothing is written and the new preview is returned instead, so what an
organizer confirms is exactly what happens, all of it or nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.clock import Clock
from bot.db import Database, UnitOfWork
from bot.i18n import Translator
from bot.models import Audience, AudienceKind, Event, EventDraft, EventText
from bot.services.course_plans import (
    CoursesPreview,
    certificate_items,
    code_problems,
    course_counts,
    course_items,
    plan_courses,
    write_courses,
)
from bot.services.events import ImportSummary, describe_import, ignored_columns
from bot.services.programme_courses import FileCourses
from bot.services.programme_hooks import ProgrammeHooks, follow_change, is_held, tells_of_move
from bot.services.programme_import import LineProblem, ParsedProgramme, parse_programme

# The fields of an event as the programme file's columns name them, in the order shown.
FIELDS = (
    "starts_at",
    "title",
    "topic",
    "duration_minutes",
    "capacity",
    "language",
    "join_url",
    "description",
    "min_attendance_minutes",
)
TEXT_KINDS = ("title", "description")
NO_TEXT = EventText("", "")
DETAIL_CHARACTERS = 2500  # of listed detail in chat: the whole answer stays one message
SHORT = 40  # characters of a text value shown

FieldValue = str | int | datetime | None


@dataclass(frozen=True)
class FieldChange:
    field: str  # the programme file's column: capacity, starts_at, title_fr...
    old: FieldValue
    new: FieldValue


@dataclass(frozen=True)
class NewEvent:
    code: str
    title: str
    starts_at: datetime
    held: bool  # its start has passed: imported as held, never offered


@dataclass(frozen=True)
class EventChange:
    event_id: int
    code: str
    title: str  # as it stands before the change
    changes: tuple[FieldChange, ...]
    held: bool  # held after the change: nothing is said to anyone about it
    tells: bool  # its start moves and the people signed up are told
    told: int  # how many are signed up (confirmed and waitlisted) when `tells`; else 0
    overwritten: tuple[str, ...]  # fields edited in chat since the last import it changes

    @property
    def move(self) -> FieldChange | None:
        return next((c for c in self.changes if c.field == "starts_at"), None)


@dataclass(frozen=True)
class ImportPreview:
    """What a file would do, and the drafts that do it (kept until Confirm)."""

    drafts: tuple[EventDraft, ...]
    ignored: tuple[str, ...]  # columns of the file the bot does not use
    added: tuple[NewEvent, ...]
    changed: tuple[EventChange, ...]
    unchanged: int
    cancelled: tuple[str, ...]  # codes of cancelled events, left as they are
    fingerprint: str  # of everything above but the counts of people: equal means same effect
    courses: FileCourses = field(default_factory=FileCourses)  # the file's course columns
    course_plans: CoursesPreview = field(default_factory=CoursesPreview)  # in the fingerprint

    @property
    def needs_confirmation(self) -> bool:
        """Only a file that changes events or courses already published is shown before it is
        applied: adding events (and new courses of them) overwrites nothing and tells nobody."""
        return bool(self.changed) or self.course_plans.published

    @property
    def held_added(self) -> int:
        return sum(1 for event in self.added if event.held)

    @property
    def moves(self) -> tuple[EventChange, ...]:
        return tuple(change for change in self.changed if change.move is not None)

    @property
    def told(self) -> int:
        return sum(change.told for change in self.changed)

    @property
    def overwrites(self) -> tuple[EventChange, ...]:
        return tuple(change for change in self.changed if change.overwritten)


@dataclass(frozen=True)
class ImportApplied:
    summary: ImportSummary
    held_added: int  # of the events added, those already held
    told: int  # people signed up for moved sessions, being told
    overwritten: int  # fields edited in chat that the file replaced
    courses_created: int = 0
    courses_updated: int = 0


def field_changes(event: Event, draft: EventDraft) -> tuple[FieldChange, ...]:
    """The fields the draft changes, with their old and new values; texts per language as
    the file's `title_<ll>` and `description_<ll>` columns."""
    found = [
        FieldChange(name, getattr(event, name), getattr(draft, name))
        for name in FIELDS
        if getattr(event, name) != getattr(draft, name)
    ]
    for language in sorted(set(event.texts) | set(draft.texts)):
        before = event.texts.get(language, NO_TEXT)
        after = draft.texts.get(language, NO_TEXT)
        for kind in TEXT_KINDS:
            old, new = getattr(before, kind), getattr(after, kind)
            if old != new:
                found.append(FieldChange(f"{kind}_{language}", old, new))
    return tuple(found)


def preview_of(
    uow: UnitOfWork,
    drafts: Sequence[EventDraft],
    ignored: Sequence[str],
    now: datetime,
    courses: FileCourses | None = None,
) -> ImportPreview:
    """The file's drafts (and its course columns) compared with the programme as this unit of
    work reads it."""
    courses = courses or FileCourses()
    existing = uow.events.by_codes(draft.code for draft in drafts)
    marks = uow.events.chat_edits([event.event_id for event in existing.values()])
    added: list[NewEvent] = []
    changed: list[EventChange] = []
    cancelled: list[str] = []
    unchanged = 0
    for draft in drafts:
        event = existing.get(draft.code)
        if event is None:
            held = is_held(draft.as_event(), now)
            added.append(NewEvent(draft.code, draft.title, draft.starts_at, held))
            continue
        if event.is_cancelled:  # published again only under a new code
            cancelled.append(draft.code)
            continue
        changes = field_changes(event, draft)
        if not changes:
            unchanged += 1
            continue
        after = draft.as_event(event.event_id, event.status)
        tells = tells_of_move(event, after, now)
        told = (
            uow.outbox.count_audience(Audience(AudienceKind.SIGNED_UP, event.event_id))
            if tells
            else 0
        )
        edited = marks.get(event.event_id, {})
        changed.append(
            EventChange(
                event.event_id,
                event.code,
                event.title,
                changes,
                is_held(after, now),
                tells,
                told,
                tuple(change.field for change in changes if change.field in edited),
            )
        )
    plans = plan_courses(uow, courses, existing)
    fingerprint = _fingerprint(added, changed, unchanged, cancelled, plans)
    return ImportPreview(
        tuple(drafts),
        tuple(ignored),
        tuple(added),
        tuple(changed),
        unchanged,
        tuple(cancelled),
        fingerprint,
        courses,
        plans,
    )


def _fingerprint(
    added: Sequence[NewEvent],
    changed: Sequence[EventChange],
    unchanged: int,
    cancelled: list[str],
    plans: CoursesPreview,
) -> str:
    """Equal for two previews with the same effect. The numbers of people told are left out:
    people sign up all the time, and the notice goes to whoever is signed up when it does."""
    effect = (
        tuple((event.code, event.held) for event in added),
        tuple((c.event_id, c.code, c.changes, c.held, c.tells, c.overwritten) for c in changed),
        unchanged,
        tuple(cancelled),
        plans,
    )
    return hashlib.sha256(repr(effect).encode()).hexdigest()[:32]


def _apply(
    uow: UnitOfWork, preview: ImportPreview, admin_id: int | None, now: datetime
) -> tuple[ImportApplied, list[Event], bool]:
    """Write what the preview says, in the caller's unit of work; the marks of chat edits
    of every event the file sets are cleared (the file is the reference again)."""
    existing = uow.events.by_codes(draft.code for draft in preview.drafts)
    new_codes = {event.code for event in preview.added}
    changed_codes = {change.code for change in preview.changed}
    for draft in preview.drafts:
        if draft.code in new_codes:
            uow.events.insert(draft, now)
        elif draft.code in changed_codes:
            uow.events.replace(existing[draft.code].event_id, draft, now)
    uow.events.clear_chat_edits([e.event_id for e in existing.values() if not e.is_cancelled])
    write_courses(uow, preview.course_plans, now)
    after = uow.events.by_codes([*new_codes, *changed_codes])
    queued = False
    for code, event in after.items():
        queued = follow_change(uow, existing.get(code), event, now) or queued
    overwritten = sum(len(change.overwritten) for change in preview.overwrites)
    moved = tuple(change.code for change in preview.changed if change.tells)
    summary = ImportSummary(
        added=len(preview.added),
        updated=len(preview.changed),
        unchanged=preview.unchanged,
        moved=moved,
        cancelled=len(preview.cancelled),
        ignored=preview.ignored,
    )
    if admin_id is not None:
        detail = (
            f"added {summary.added} ({preview.held_added} held), updated {summary.updated},"
            f" moved {len(moved)} ({preview.told} told), unchanged {summary.unchanged},"
            f" cancelled left {summary.cancelled}, chat edits overwritten {overwritten}"
        )
        plans = preview.course_plans
        if plans.plans or plans.certificates:
            detail += (
                f", courses created {plans.created}, changed {plans.updated},"
                f" event certificates set {len(plans.certificates)}"
            )
        uow.audit.record(admin_id, "import-events", detail, now)
    applied = ImportApplied(
        summary,
        preview.held_added,
        preview.told,
        overwritten,
        preview.course_plans.created,
        preview.course_plans.updated,
    )
    return applied, list(after.values()), queued


class ProgrammeImports:
    """Programme files: read and compared (a preview), then applied as previewed."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        hooks: ProgrammeHooks,
        programme_changed: Callable[[], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._hooks = hooks
        self._programme_changed = programme_changed  # the lists kept for a second, forgotten

    async def read(self, data: bytes) -> ParsedProgramme | ImportPreview:
        """The file's problems (nothing can be applied), or what it would do."""
        now = self._clock.now()
        # Parsed off the event loop: a long or hostile file must not hold everyone else up.
        parsed = await asyncio.to_thread(parse_programme, data, now)
        if not parsed.ok:
            return parsed
        drafts, ignored, courses = tuple(parsed.drafts), tuple(parsed.ignored), parsed.courses

        def read(uow: UnitOfWork) -> ParsedProgramme | ImportPreview:
            refused = _code_problems(uow, drafts, ignored, courses)
            return refused or preview_of(uow, drafts, ignored, now, courses)

        return await self._db.read(read, heavy=True)

    async def import_now(
        self, data: bytes, admin_id: int | None
    ) -> ParsedProgramme | ImportSummary:
        """Read and apply at once, as Confirm would right after the preview (the command line,
        the demo, benches): the file's problems, or what it did."""
        result = await self.read(data)
        if isinstance(result, ParsedProgramme):
            return result
        outcome = await self.apply(result, admin_id)
        while isinstance(outcome, ImportPreview):  # the programme changed in between
            outcome = await self.apply(outcome, admin_id)
        return outcome if isinstance(outcome, ParsedProgramme) else outcome.summary

    async def apply(
        self, preview: ImportPreview, admin_id: int | None
    ) -> ImportApplied | ImportPreview | ParsedProgramme:
        """Apply the preview in one unit of work, if the file still does what it said;
        otherwise change nothing and return what it would do now (or, when a code of the
        file was taken meanwhile by a new event, the file's problems)."""
        now = self._clock.now()

        def work(
            uow: UnitOfWork,
        ) -> tuple[ImportApplied | ImportPreview | ParsedProgramme, list[Event], bool]:
            refused = _code_problems(uow, preview.drafts, preview.ignored, preview.courses)
            if refused is not None:
                return refused, [], False
            fresh = preview_of(uow, preview.drafts, preview.ignored, now, preview.courses)
            if fresh.fingerprint != preview.fingerprint:
                return fresh, [], False
            return _apply(uow, fresh, admin_id, now)

        outcome, touched, queued = await self._db.write(work, heavy=True)
        if isinstance(outcome, ImportApplied):
            self._programme_changed()
            await self._hooks.replan(touched, queued)
        return outcome


def _code_problems(
    uow: UnitOfWork, drafts: Sequence[EventDraft], ignored: Sequence[str], courses: FileCourses
) -> ParsedProgramme | None:
    """The file refused for codes that clash with stored events or courses, if any do."""
    found = code_problems(uow, drafts, courses)
    if not found:
        return None
    problems = [LineProblem(line, problem) for line, problem in found]
    return ParsedProgramme(problems=problems, ignored=list(ignored))


# -- what the organizer reads (in chat, or printed by the command line) ---------------------


def describe_preview(
    t: Translator, zone: str, preview: ImportPreview, detail: int | None = DETAIL_CHARACTERS
) -> str:
    """What the file would do: the counts, then the chat edits it overwrites, the moves, the
    changes field by field and the new events, as many as `detail` characters allow (None:
    all), each list ending with "and N more" when cut. Times in `zone`."""
    lines = _counts(t, preview)
    budget = _Budget(detail)
    overwrites = [
        [f"• {change.code}: {', '.join(change.overwritten)}"] for change in preview.overwrites
    ]
    moves = [[_move_line(t, zone, change)] for change in preview.moves]
    changes = [
        _change_lines(t, change)
        for change in preview.changed
        if any(c.field != "starts_at" for c in change.changes)
    ]
    new = [[_new_line(t, zone, event)] for event in preview.added]
    overwriting = t._("Edited in chat with /editevent since the last import; this file overwrites:")
    plans = preview.course_plans
    single = t._("Certificates of attendance of single events:")
    # Courses before the new events: a few lines that a long list must not push out.
    for heading, items, of_courses in (
        (overwriting, overwrites, False),
        (t._("Moved:"), moves, False),
        (t._("Changed:"), changes, False),
        (t._("Courses:"), course_items(t, plans), True),
        (single, certificate_items(t, plans), True),
        (t._("New:"), new, False),
    ):
        if items:
            lines += ["", heading, *budget.take(t, items, of_courses)]
    if preview.cancelled:
        lines += ["", _cancelled_line(t, len(preview.cancelled))]
    return "\n".join([*lines, *ignored_columns(t, preview.ignored)])


def describe_applied(t: Translator, applied: ImportApplied) -> str:
    """The outcome of an import: the counts of `describe_import`, then the sessions held,
    the people being told of moves and the chat edits replaced, when there are any."""
    summary = applied.summary
    lines = [describe_import(t, replace(summary, ignored=()))]
    if applied.held_added:
        lines.append(_held_line(t, applied.held_added))
    if applied.told:
        lines.append(
            t.ngettext(
                "{count} person signed up for a moved session is being told.",
                "{count} people signed up for moved sessions are being told.",
                applied.told,
            )
        )
    if applied.overwritten:
        lines.append(
            t.ngettext(
                "{count} field edited in chat now has the file’s value.",
                "{count} fields edited in chat now have the file’s values.",
                applied.overwritten,
            )
        )
    if applied.courses_created:
        lines.append(
            t.ngettext("{count} course created", "{count} courses created", applied.courses_created)
        )
    if applied.courses_updated:
        lines.append(
            t.ngettext("{count} course updated", "{count} courses updated", applied.courses_updated)
        )
    return "\n".join([*lines, *ignored_columns(t, summary.ignored)])


def _counts(t: Translator, preview: ImportPreview) -> list[str]:
    lines = [t.ngettext("{count} new event", "{count} new events", len(preview.added))]
    if preview.held_added:
        lines.append(_held_line(t, preview.held_added))
    lines.append(
        t.ngettext("{count} event changed", "{count} events changed", len(preview.changed))
    )
    told_moves = [change for change in preview.changed if change.tells]
    if told_moves:
        people = t.ngettext("{count} person", "{count} people", preview.told)
        lines.append(
            t.ngettext(
                "{count} start moved: {people} signed up will be told.",
                "{count} starts moved: {people} signed up will be told.",
                len(told_moves),
                people=people,
            )
        )
    if preview.overwrites:
        fields = sum(len(change.overwritten) for change in preview.overwrites)
        lines.append(
            t.ngettext(
                "{count} field edited in chat would be overwritten.",
                "{count} fields edited in chat would be overwritten.",
                fields,
            )
        )
    lines.append(
        t.ngettext("{count} event unchanged", "{count} events unchanged", preview.unchanged)
    )
    return lines + course_counts(t, preview.course_plans)


def _held_line(t: Translator, count: int) -> str:
    return t.ngettext(
        "{count} new event took place already: a session held is kept for the statistics "
        "and attendance, never offered and never reminded.",
        "{count} new events took place already: sessions held are kept for the statistics "
        "and attendance, never offered and never reminded.",
        count,
    )


def _cancelled_line(t: Translator, count: int) -> str:
    return t.ngettext(
        "{count} cancelled event was left as it is; give it a new code to publish it again.",
        "{count} cancelled events were left as they are; give them new codes to publish them "
        "again.",
        count,
    )


def _named(t: Translator, code: str, title: str) -> str:
    return t._("{code} “{title}”", code=code, title=_short(title))


def _move_line(t: Translator, zone: str, change: EventChange) -> str:
    move = change.move
    assert move is not None and isinstance(move.old, datetime) and isinstance(move.new, datetime)
    when = f"{t.when(move.old, zone)} → {t.when_zoned(move.new, zone)}"
    if change.tells:
        who = t.ngettext("{count} person will be told", "{count} people will be told", change.told)
    else:
        who = t._("held: nobody is told")
    return f"• {_named(t, change.code, change.title)}: {when}; {who}"


def _change_lines(t: Translator, change: EventChange) -> list[str]:
    lines = [f"• {_named(t, change.code, change.title)}"]
    for item in change.changes:
        if item.field == "starts_at":
            continue  # listed with the moves, with the people told
        old, new = _pair(t, item.old, item.new)
        line = f"   {item.field}: {old} → {new}"
        if item.field in change.overwritten:
            line += " " + t._("(edited in chat)")
        lines.append(line)
    return lines


def _new_line(t: Translator, zone: str, event: NewEvent) -> str:
    line = f"• {_named(t, event.code, event.title)}, {t.when_zoned(event.starts_at, zone)}"
    if not event.held:
        return line
    held = t._("already held")
    return f"{line} — {held}"


def _pair(t: Translator, old: FieldValue, new: FieldValue) -> tuple[str, str]:
    """Two values of a field, short: long texts cut around where they first differ."""
    if isinstance(old, str) and isinstance(new, str) and old and new:
        return _short_pair(old, new)
    return _value(t, old), _value(t, new)


def _value(t: Translator, value: FieldValue) -> str:
    if value is None or value == "":
        return t._("(empty)")
    if isinstance(value, str):
        return _short(value)
    return str(value)  # numbers; starts are shown with the moves


def _short(text: str, start: int = 0) -> str:
    """`SHORT` characters of `text` from `start`, on one line, marked where cut."""
    flat = " ".join(text.split())
    piece = flat[start : start + SHORT]
    return ("…" if start else "") + piece + ("…" if start + SHORT < len(flat) else "")


def _short_pair(old: str, new: str) -> tuple[str, str]:
    flat_old, flat_new = " ".join(old.split()), " ".join(new.split())
    if len(flat_old) <= SHORT and len(flat_new) <= SHORT:
        return flat_old, flat_new
    same = 0
    for a, b in zip(flat_old, flat_new, strict=False):
        if a != b:
            break
        same += 1
    start = max(0, same - 10)
    return _short(flat_old, start), _short(flat_new, start)


class _Budget:
    """The characters of detail left; a list cut short ends with "and N more"."""

    def __init__(self, characters: int | None) -> None:
        self._left = characters

    def take(self, t: Translator, items: list[list[str]], courses: bool = False) -> list[str]:
        """As many `items` as fit; `courses`: the items are courses and certificates."""
        lines: list[str] = []
        for index, item in enumerate(items):
            size = sum(len(line) + 1 for line in item)
            if self._left is not None:
                if size > self._left:
                    rest = len(items) - index
                    if courses:
                        more = t.ngettext("…and {count} more.", "…and {count} more.", rest)
                    else:
                        more = t.ngettext(
                            "…and {count} more event.", "…and {count} more events.", rest
                        )
                    lines.append(more)
                    self._left = max(self._left - 30, 0)
                    break
                self._left -= size
            lines += item
        return lines
