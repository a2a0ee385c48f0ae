"""The commands the bot offers, for its menu in Telegram and for /help.

One table, so the menu, the help text and the handlers cannot drift apart (a test checks that
every command here is handled).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translator


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str  # marked with N_, translated for each reader
    organizer_only: bool = False
    programme_only: bool = False  # not for organizers of chosen events only


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", N_("Start again and see what I can do")),
    CommandInfo("events", N_("Upcoming webinars and courses")),
    CommandInfo("my", N_("My registrations")),
    CommandInfo("profile", N_("My profile")),
    CommandInfo("language", N_("Change the language")),
    CommandInfo("timezone", N_("Set your time zone")),
    CommandInfo("help", N_("How to use this bot")),
    CommandInfo("cancel", N_("Stop what you are doing")),
    CommandInfo("checkin", N_("Check in with the session code: /checkin CODE")),
    CommandInfo("certificates", N_("My certificates")),
    CommandInfo("forgetme", N_("Delete my personal data")),
    CommandInfo("admin", N_("Organizer commands"), organizer_only=True),
    CommandInfo("newevent", N_("Create an event"), organizer_only=True, programme_only=True),
    CommandInfo(
        "newcourse",
        N_("Create a training course from events"),
        organizer_only=True,
        programme_only=True,
    ),
    CommandInfo("editevent", N_("Change an event: /editevent CODE"), organizer_only=True),
    CommandInfo("cancelevent", N_("Cancel an event: /cancelevent CODE"), organizer_only=True),
    CommandInfo("restoreevent", N_("Undo a cancellation: /restoreevent CODE"), organizer_only=True),
    CommandInfo(
        "editcourse",
        N_("Change a training course: /editcourse CODE"),
        organizer_only=True,
        programme_only=True,
    ),
    CommandInfo(
        "registrants",
        N_("Who registered, with search: /registrants CODE [name, email or country]"),
        organizer_only=True,
    ),
    CommandInfo("export", N_("Registrations as CSV: /export [CODE]"), organizer_only=True),
    CommandInfo("broadcast", N_("Send a message to everyone or to a group"), organizer_only=True),
    CommandInfo("broadcasts", N_("Recent broadcasts and their progress"), organizer_only=True),
    CommandInfo(
        "reminders", N_("Reminder times of an event: /reminders CODE"), organizer_only=True
    ),
    CommandInfo(
        "checkincode", N_("Session code for check-in: /checkincode CODE"), organizer_only=True
    ),
    CommandInfo("attendance", N_("Mark attendance by hand: /attendance CODE"), organizer_only=True),
    CommandInfo("stats", N_("Statistics: /stats, /stats CODE or /stats csv"), organizer_only=True),
    CommandInfo(
        "certificates",
        N_("Certificates of a course or event: /certificates CODE"),
        organizer_only=True,
    ),
    CommandInfo("organizers", N_("Who organizes what"), organizer_only=True, programme_only=True),
    CommandInfo(
        "addorganizer",
        N_("Add an organizer (owners): /addorganizer [@username or user id] [event codes]"),
        organizer_only=True,
        programme_only=True,
    ),
    CommandInfo(
        "removeorganizer",
        N_("Remove an organizer (owners): /removeorganizer @username or user id [event codes]"),
        organizer_only=True,
        programme_only=True,
    ),
)


def commands_for(is_organizer: bool, whole_programme: bool = True) -> list[CommandInfo]:
    """What one person can use: everyone's commands, and an organizer's (those of the whole
    programme only for its organizers). A command both have (/certificates) is listed once,
    as organizers use it."""
    usable = [
        c
        for c in COMMANDS
        if (is_organizer or not c.organizer_only) and (whole_programme or not c.programme_only)
    ]
    theirs = {c.name for c in usable if c.organizer_only}
    return [c for c in usable if c.organizer_only or c.name not in theirs]


def organizer_commands(whole_programme: bool = True) -> list[CommandInfo]:
    return [c for c in commands_for(True, whole_programme) if c.organizer_only]


def command_lines(t: Translator, commands: list[CommandInfo]) -> str:
    """One line per command: "/name – description", in the reader's language; in Arabic the
    command is isolated left to right, or its slash would show at the wrong end."""
    start, end = ("\u2066", "\u2069") if t.is_rtl else ("", "")
    return "\n".join(f"{start}/{c.name}{end} – {t._(c.description)}" for c in commands)
