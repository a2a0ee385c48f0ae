"""The answer to an attendance report, in plain text: the same in chat and on the command line."""

from __future__ import annotations

from bot.i18n import Translator, isolate
from bot.models import Event
from bot.services.attendance import ReportResult
from bot.services.attendance_matching import Decision, Verdict
from bot.services.attendance_reports import SkipReason

NAMES_SHOWN = 30  # names listed per line of the answer; the rest are counted


def _names(t: Translator, decisions: list[Decision], *, with_minutes: bool = False) -> str:
    shown = []
    for decision in decisions[:NAMES_SHOWN]:
        name = isolate(decision.shown_as[:60])
        minutes = decision.person.minutes
        if with_minutes and minutes is not None:
            name = f"{name} ({t.minutes(round(minutes))})"
        shown.append(name)
    more = len(decisions) - NAMES_SHOWN
    if more > 0:
        shown.append(t.ngettext("{count} more person", "{count} more people", more))
    return t.and_list(shown)


def describe_report(
    t: Translator, zone: str, event: Event, result: ReportResult, *, in_chat: bool
) -> str:
    """What the report did, counted by the rules, with the names the organizer needs."""
    if result.problem is not None:
        return result.problem.render(t)
    title = isolate(event.title_in(t.language))
    lines = [t._("Attendance report for “{title}”:", title=title), ""]
    present = result.having(Verdict.PRESENT)
    marks = result.marks
    if result.required_minutes is None:
        lines.append(
            "✅ "
            + t.ngettext(
                "{count} registrant marked present (the report does not say for how long).",
                "{count} registrants marked present (the report does not say for how long).",
                len(present),
            )
        )
    else:
        lines.append(
            "✅ "
            + t.ngettext(
                "{count} registrant present: in the session for at least {minutes}, rejoins "
                "added up.",
                "{count} registrants present: in the session for at least {minutes}, rejoins "
                "added up.",
                len(present),
                minutes=t.minutes(result.required_minutes),
            )
        )
    if result.newly_present:
        lines.append(
            "   "
            + t.ngettext(
                "{count} of them newly marked.",
                "{count} of them newly marked.",
                result.newly_present,
            )
        )
    too_short = result.having(Verdict.TOO_SHORT)
    if too_short and result.required_minutes is not None:
        lines.append(
            "⏱ "
            + t.ngettext(
                "{count} stayed less than {minutes}: {names}",
                "{count} stayed less than {minutes}: {names}",
                len(too_short),
                minutes=t.minutes(result.required_minutes),
                names=_names(t, too_short, with_minutes=True),
            )
        )
    without_seat = result.having(Verdict.WITHOUT_SEAT)
    if without_seat:
        lines.append(
            "🪑 "
            + t.ngettext(
                "{count} attended without a seat (on the waitlist): {names}",
                "{count} attended without a seat (on the waitlist): {names}",
                len(without_seat),
                names=_names(t, without_seat),
            )
        )
    review = result.having(Verdict.TO_REVIEW)
    if review:
        lines.append(
            "❓ "
            + t.ngettext(
                "{count} to review: matched by name only, or with an email several people "
                "used. Nobody was marked for them.",
                "{count} to review: matched by name only, or with an email several people "
                "used. Nobody was marked for them.",
                len(review),
            )
        )
        for decision in review[:NAMES_SHOWN]:
            shown = isolate(decision.shown_as[:60])
            if decision.person.email and decision.person.name:
                shown = f"{shown} <{decision.person.email}>"
            candidates = t.or_list([isolate(c.name[:60]) for c in decision.candidates])
            lines.append(f"   • {shown} → {candidates}")
        lines.append(
            "   "
            + (
                t._("To mark one of them present, press the button of the registrant they are.")
                if in_chat
                else t._("Mark them in the chat with /attendance {code}.", code=event.code)
            )
        )
    unknown = result.having(Verdict.NOT_REGISTERED)
    if unknown:
        lines.append(
            "➖ "
            + t.ngettext(
                "{count} not registered for this session: {names}",
                "{count} not registered for this session: {names}",
                len(unknown),
                names=_names(t, unknown),
            )
        )
    left_out = _left_out(t, result.skipped)
    if left_out:
        lines.append(t._("Rows left out: {reasons}.", reasons=left_out))
    if marks is not None and marks.replaced is not None:
        lines += [
            "",
            t._(
                "This report replaces the one imported on {date}; check-ins and marks made "
                "by hand are kept.",
                date=t.when(marks.replaced, zone, "short"),
            ),
        ]
    return "\n".join(lines)


def _left_out(t: Translator, skipped: dict[SkipReason, int]) -> str:
    parts = []
    for reason, count in sorted(skipped.items(), key=lambda item: item[0].value):
        if reason is SkipReason.HOST:
            parts.append(t.ngettext("{count} host", "{count} hosts", count))
        elif reason is SkipReason.PANELIST:
            parts.append(t.ngettext("{count} panelist", "{count} panelists", count))
        elif reason is SkipReason.NOT_ATTENDED:
            parts.append(
                t.ngettext(
                    "{count} person the report shows as absent",
                    "{count} people the report shows as absent",
                    count,
                )
            )
        else:
            parts.append(
                t.ngettext(
                    "{count} row without a name or email",
                    "{count} rows without a name or email",
                    count,
                )
            )
    return t.and_list(parts)
