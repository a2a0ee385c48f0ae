"""Check-in (button, session code, /checkin), and the organizers' attendance tools."""

from __future__ import annotations

import html

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.i18n import N_, Translator
from bot.models import Event, page_count
from bot.services.attendance import CheckIn, CheckInResult
from bot.services.attendance_matching import Verdict
from bot.services.attendance_texts import describe_report
from handlers.buttons import (
    CheckInHere,
    ConfirmAttendee,
    ConfirmReportAttendee,
    MarkAttendance,
    RosterPage,
    ToggleAttendance,
    UndoReport,
    UndoThisReport,
)
from handlers.context import BotContext
from handlers.fallback import anything_else, anything_else_text
from handlers.html import plain, user_text
from handlers.organizers import event_from_args, pressed_event, require_organizer
from handlers.presses import on_press
from handlers.ui import Button, answer, edit, no_longer_active, page_buttons, send
from handlers.wizards import GROUP_GENERAL

PAGE_SIZE = 10


def check_in_text(t: Translator, result: CheckInResult, zone: str) -> str:
    title = user_text(result.event.title_in(t.language)) if result.event else ""
    if result.outcome is CheckIn.RECORDED:
        return t._("You are checked in for “{title}”. Enjoy the session!", title=title)
    if result.outcome is CheckIn.ALREADY:
        return t._("You were already checked in for “{title}”.", title=title)
    if result.outcome is CheckIn.NOT_OPEN_YET and result.opens_at is not None:
        return t._(
            "Check-in for “{title}” opens at {time}.",
            title=title,
            time=t.when(result.opens_at, zone),
        )
    if result.outcome is CheckIn.CLOSED:
        return t._("Check-in for “{title}” has closed: the session is over.", title=title)
    if result.outcome is CheckIn.NOT_REGISTERED:
        return t._("You are not registered for “{title}”, so I cannot check you in.", title=title)
    if result.outcome is CheckIn.WRONG_CODE:
        return t._("That is not the session code. Please check it and try again.")
    if result.outcome is CheckIn.SLOW_DOWN and result.wait_until is not None:
        return t._(
            "Too many wrong codes. Please wait until {time} and try again.",
            time=t.time(result.wait_until, zone, "medium"),
        )
    if result.outcome is CheckIn.NO_SEAT:
        return t._(
            "That is the code of “{title}”, but you are on its waitlist, so there is no seat "
            "to check in to. If you are attending anyway, please tell the session’s host in "
            "the meeting chat.",
            title=title,
        )
    if result.outcome is CheckIn.HINT:
        return t._(
            "To check in for “{title}”, send the session code the organizers read out, or "
            "press the check-in button of the message that said it was starting.",
            title=title,
        )
    if result.outcome is CheckIn.CANCELLED:
        return t._("This event has been cancelled.")
    return t._("This event no longer exists.")


async def on_checkin_button(update: Update, context: BotContext, data: CheckInHere) -> None:
    query = update.callback_query
    assert query is not None
    viewer = context.viewer
    result = await context.services.attendance.check_in(viewer.user_id, data.event_id, "button")
    text = check_in_text(viewer.t, result, viewer.timezone)
    await answer(query, html_free(text))
    await send(context, text)


def html_free(text: str) -> str:
    """Button notices are plain text: no isolation marks, and entities as the characters
    they stand for ("Q&A", not "Q&amp;A")."""
    return html.unescape(text.replace("\u2068", "").replace("\u2069", ""))


async def check_code(context: BotContext, text: str, *, prefix: str = "") -> bool:
    """Try `text` as a session code; False when no check-in with a code is open for them.
    An ordinary message during a check-in gets `prefix` (its usual answer) and a hint."""
    viewer = context.viewer
    result = await context.services.attendance.check_in_with_code(viewer.user_id, text)
    if result is None:
        return False
    answer_text = check_in_text(viewer.t, result, viewer.timezone)
    if result.outcome is CheckIn.HINT and prefix:
        answer_text = f"{prefix}\n\n{answer_text}"
    await send(context, answer_text)
    return True


async def on_checkin_command(update: Update, context: BotContext) -> None:
    t = context.viewer.t
    if not context.args:
        await send(
            context,
            t._(
                "Send /checkin followed by the session code read out in the "
                "session, for example /checkin K7QX2M."
            ),
        )
        return
    if not await check_code(context, " ".join(context.args)):
        await send(context, t._("No session of yours is open for check-in with a code right now."))


async def on_text(update: Update, context: BotContext) -> None:
    """A plain message during a check-in may be the session code; any other gets the usual
    answer, and during a check-in a hint how to check in."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not await check_code(context, message.text, prefix=anything_else_text(context)):
        await anything_else(update, context)


async def on_checkin_code(update: Update, context: BotContext) -> None:
    """/checkincode CODE [WORD | new]: show the code to read out (generated the first time),
    set the organizer's own, or replace it with a new one."""
    if not await require_organizer(update, context):
        return
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/checkincode CODE"))
    if event is None:
        return
    assert context.args is not None
    wanted = " ".join(context.args[1:]) or None
    code = await context.services.attendance.set_code(event, wanted, context.viewer.user_id)
    viewer = context.viewer
    t = viewer.t
    if code is None:
        await send(
            context,
            t._(
                "A session code must be 4 to 12 Latin letters or digits, such as K7QX2M, so "
                "that everyone can type it and no ordinary message matches it. Send "
                "/checkincode {code} new for a generated one.",
                code=event.code,
            ),
        )
        return
    opens, closes = context.services.attendance.window(event)
    await send(
        context,
        t._(
            "Session code for “{title}”: {code}\nRead it out during the session: participants "
            "who send it to me between {opens} and {closes} are checked in.",
            title=user_text(event.title_in(t.language)),
            code=f"<code>{plain(code)}</code>",
            opens=t.when_zoned(opens, viewer.timezone),
            closes=t.time(closes, viewer.timezone),
        ),
    )


async def show_roster(
    context: BotContext, event: Event, page: int, query: CallbackQuery | None = None
) -> None:
    t = context.viewer.t
    lines, total = await context.services.attendance.roster(event, page, PAGE_SIZE)
    pages = page_count(total, PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    if page and not lines:  # the list got shorter: show its last page
        lines, total = await context.services.attendance.roster(event, page, PAGE_SIZE)
    heading = t._(
        "Attendance for “{title}” (page {page} of {pages}). Press a name to mark "
        "them present or absent.",
        title=user_text(event.title_in(t.language)),
        page=t.number(page + 1),
        pages=t.number(pages),
    )
    if not total:
        heading = t._(
            "Nobody is registered for “{title}” yet.", title=user_text(event.title_in(t.language))
        )
    rows: list[list[Button]] = [
        [
            (
                ("✅ " if line.attended else "▫️ ") + line.name[:40],
                MarkAttendance(
                    event.event_id, line.user_id, page, "absent" if line.attended else "present"
                ),
            )
        ]
        for line in lines
    ]
    rows.append(page_buttons(t, page, pages, lambda to: RosterPage(event.event_id, to)))
    standing = await context.services.attendance.standing_report(event)
    if standing is not None:
        when = t.when_zoned(standing.imported_at, context.viewer.timezone)
        label = t._("Undo the report of {date}", date=when)
        rows.append([(label, UndoThisReport(event.event_id, standing.report_id))])
    if query is not None:
        await edit(query, context, heading, rows)
    else:
        await send(context, heading, rows)


async def on_attendance(update: Update, context: BotContext) -> None:
    """/attendance CODE: the registrants with a present/absent toggle each, a page at a time."""
    if not await require_organizer(update, context):
        return
    # TRANSLATORS: how the command is written: keep the command, translate the rest.
    event = await event_from_args(context, N_("/attendance CODE"))
    if event is not None:
        await show_roster(context, event, 0)


async def on_toggle(update: Update, context: BotContext, data: ToggleAttendance) -> None:
    """Present or absent, by hand, from a list of before MarkAttendance; only people on this
    event's list can be marked (forged data names anyone)."""
    pressed = await pressed_event(update, context, event_id=data.event_id)
    if pressed is None:
        return
    query, event = pressed
    toggled = await context.services.attendance.toggle(event, data.user_id, context.viewer.user_id)
    if toggled is None:
        await no_longer_active(query, context)
        return
    await answer(query)
    await show_roster(context, event, data.page, query)


async def on_mark(update: Update, context: BotContext, data: MarkAttendance) -> None:
    """Present or absent, by hand, as the button says; someone who is so already (checked
    in, or marked by another organizer, since the list was shown) stays so, and the list
    shows them as they are now."""
    pressed = await pressed_event(update, context, event_id=data.event_id)
    if pressed is None:
        return
    query, event = pressed
    present = data.presence == "present"
    changed = await context.services.attendance.mark(
        event, data.user_id, present, context.viewer.user_id
    )
    if changed is None:
        await no_longer_active(query, context)
        return
    t = context.viewer.t
    await answer(query, t._("Already marked present.") if present and not changed else None)
    await show_roster(context, event, data.page, query)


async def on_roster_page(update: Update, context: BotContext, data: RosterPage) -> None:
    pressed = await pressed_event(update, context, event_id=data.event_id)
    if pressed is None:
        return
    query, event = pressed
    await answer(query)
    await show_roster(context, event, data.page, query)


REVIEW_BUTTONS = 30  # candidates offered as buttons under a report's answer


async def import_report(context: BotContext, event: Event, data: bytes) -> None:
    viewer = context.viewer
    result = await context.services.attendance.import_report(event, data, viewer.user_id)
    text = describe_report(viewer.t, viewer.timezone, event, result, in_chat=True)
    rows: list[list[Button]] = []
    marks = result.marks  # None: the file was refused, and there is nothing to review
    if marks is not None:
        for decision in result.having(Verdict.TO_REVIEW):
            for candidate in decision.candidates:
                label = f"{decision.shown_as[:24]} → {candidate.name[:24]}"
                button = ConfirmReportAttendee(event.event_id, candidate.user_id, marks.report_id)
                rows.append([(label, button)])
    await send(context, plain(text), rows[:REVIEW_BUTTONS])


async def on_confirm_attendee(
    update: Update, context: BotContext, data: ConfirmAttendee | ConfirmReportAttendee
) -> None:
    """A candidate pressed in a report's review list: marked present by hand, while the
    report stands (older lists' buttons do not name it)."""
    pressed = await pressed_event(update, context, event_id=data.event_id)
    if pressed is None:
        return
    query, event = pressed
    report_id = data.report_id if isinstance(data, ConfirmReportAttendee) else None
    recorded = await context.services.attendance.confirm_attendee(
        event, data.user_id, context.viewer.user_id, report_id
    )
    if recorded is None:
        await no_longer_active(query, context)
        return
    t = context.viewer.t
    await answer(query, t._("Marked present.") if recorded else t._("Already marked present."))


async def on_undo_report(
    update: Update, context: BotContext, data: UndoReport | UndoThisReport
) -> None:
    """Undo the report the button names (older lists' buttons: whichever stands); the list
    is shown again as it stands after."""
    pressed = await pressed_event(update, context, event_id=data.event_id)
    if pressed is None:
        return
    query, event = pressed
    report_id = data.report_id if isinstance(data, UndoThisReport) else None
    attendance = context.services.attendance
    marks = await attendance.undo_report(event, context.viewer.user_id, report_id)
    t = context.viewer.t
    if marks is None and report_id is not None and await attendance.standing_report(event):
        await no_longer_active(query, context)  # another report stands now: see its button
    elif marks is None:
        await answer(query, t._("There is no report to undo."))
    elif marks.replaced is not None:
        await answer(
            query,
            t._(
                "Report undone: the report imported on {date} stands again.",
                date=t.when_zoned(marks.replaced, context.viewer.timezone),
            ),
            alert=True,
        )
    else:
        await answer(
            query,
            t.ngettext(
                "Report undone: {count} mark taken back.",
                "Report undone: {count} marks taken back.",
                marks.unmarked,
            ),
            alert=True,
        )
    await show_roster(context, event, 0, query)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(on_press(CheckInHere, on_checkin_button), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("checkin", on_checkin_command), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("checkincode", on_checkin_code), group=GROUP_GENERAL)
    app.add_handler(CommandHandler("attendance", on_attendance), group=GROUP_GENERAL)
    app.add_handler(on_press(ToggleAttendance, on_toggle), group=GROUP_GENERAL)
    app.add_handler(on_press(MarkAttendance, on_mark), group=GROUP_GENERAL)
    app.add_handler(on_press(RosterPage, on_roster_page), group=GROUP_GENERAL)
    app.add_handler(on_press(ConfirmAttendee, on_confirm_attendee), group=GROUP_GENERAL)
    app.add_handler(on_press(ConfirmReportAttendee, on_confirm_attendee), group=GROUP_GENERAL)
    app.add_handler(on_press(UndoReport, on_undo_report), group=GROUP_GENERAL)
    app.add_handler(on_press(UndoThisReport, on_undo_report), group=GROUP_GENERAL)


def register_code_listener(app: Application) -> None:  # type: ignore[type-arg]
    """Last but one: plain text that no wizard took may be a session code."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text), group=GROUP_GENERAL)
