"""/newcourse and /editcourse: organizers of the whole programme make and change training
courses in chat. The real Application against the emulated Bot API; what the organizer reads
is asserted, and what is stored is read back with plain SQL."""

from __future__ import annotations

from datetime import timedelta

from bot.app import BotApplication
from bot.clock import FrozenClock
from bot.devtools.emulator import BotApiEmulator
from bot.i18n import Catalogs
from bot.models import Contact, Profile
from bot.services.certificates import Subject
from bot.services.container import Services
from bot.services.course_admin import NewCourse
from tests.conftest import START, ChatDriver, buttons_of, chat_as, texts
from tests.programme_files import programme, row
from tests.store import Store

SOON = START + timedelta(days=2)
REFUSAL = "Sorry, this is only for the programme’s organizers."
STALE = "This button is no longer active."
ORGANIZER = 5001
PARTICIPANTS = (7001, 7002, 7003)
SESSIONS_QUESTION = (
    "Which sessions make up the course? Send the codes of their events, separated by spaces "
    "or commas (for example: flood-1, flood-2, flood-3)."
)
FLOOD = ["flood-1", "flood-2", "flood-3", "flood-4"]
HEAT = ["heat-1", "heat-2", "heat-3"]


async def publish(services: Services) -> None:
    """Four flood sessions in no course, three heat sessions in the course urban-heat, and a
    cancelled session."""
    rows = [row(code, SOON + timedelta(days=n)) for n, code in enumerate(FLOOD)]
    rows += [
        row(code, SOON + timedelta(days=n, hours=5), title=f"Heat {n + 1}")
        for n, code in enumerate(HEAT)
    ]
    rows.append(row("old-1", SOON + timedelta(days=9)))
    await services.programme.import_now(programme(rows), None)
    old = await services.events.find("old-1")
    assert old is not None
    await services.events.cancel(old.event, ORGANIZER)
    heat = NewCourse("urban-heat", "Urban heat", "Three sessions.", tuple(HEAT), None, True, True)
    await services.course_admin.create(heat, ORGANIZER)


def link(emulator: BotApiEmulator, code: str) -> str:
    return f"https://t.me/{emulator.bot_user['username']}?start={code}"


def labels(chat: ChatDriver) -> list[str]:
    return [label for label, _ in buttons_of(chat.last_message_with_buttons())]


async def course_rows(db: Store) -> list[tuple[object, ...]]:
    return await db.fetch_all(
        "SELECT code, title, description, required_sessions, single_sessions, certificate"
        " FROM courses ORDER BY course_id"
    )


async def sessions_of(db: Store, course: str) -> list[str]:
    rows = await db.fetch_all(
        "SELECT e.code FROM events e JOIN courses c USING (course_id) WHERE c.code = ?"
        " ORDER BY e.starts_at",
        (course,),
    )
    return [str(code) for (code,) in rows]


async def test_an_organizer_makes_a_course_in_english(
    organizer: ChatDriver, services: Services, db: Store, emulator: BotApiEmulator
) -> None:
    """Each question with its number and buttons; Save stores the course and its sessions in
    one go, with an audit entry, and answers with its link and what to do next."""
    await publish(services)
    await organizer.settle(language="en")
    [intro] = texts(await organizer.send("/newcourse"))
    assert intro == (
        "Let’s create a training course. Send /cancel at any time to stop.\n\n"
        "What is the course’s title?\nQuestion 1 of 7"
    )
    [description] = texts(await organizer.send("\u200fUrban floods: planning 🌊\u200e"))
    assert description == "Describe the course in a few sentences.\nQuestion 2 of 7"
    assert labels(organizer) == ["Skip", "◀ Back"]
    [sessions] = texts(await organizer.send("Three sessions on <planning>."))
    assert sessions == f"{SESSIONS_QUESTION}\nQuestion 3 of 7"
    assert labels(organizer) == ["◀ Back"]
    [rule] = texts(await organizer.send("FLOOD-3, flood-1  flood-2"))
    assert rule == (
        "The course has 3 sessions. How many must a participant attend to complete it? "
        "Choose, or send a number.\nQuestion 4 of 7"
    )
    assert labels(organizer) == ["All 3 sessions", "At least 1", "At least 2", "◀ Back"]
    replies = texts(await organizer.press_label("At least 2"))
    assert replies[0].endswith("Choose, or send a number.\nAt least 2")  # the answer, kept
    assert replies[1] == (
        "May participants register for single sessions of the course? If not, they register "
        "for the whole course at once.\nQuestion 5 of 7"
    )
    assert labels(organizer) == ["Yes", "No", "◀ Back"]
    replies = texts(await organizer.press_label("No"))
    assert replies[1] == "Does completing the course give a certificate?\nQuestion 6 of 7"
    replies = texts(await organizer.press_label("Yes"))
    assert replies[1] == (
        "Every course has a code: it is part of the course’s link and of commands such as "
        "/editcourse. Use urban-floods-planning, or send your own (letters, digits, - or _)."
        "\nQuestion 7 of 7"
    )
    assert labels(organizer) == ["Use urban-floods-planning", "◀ Back"]
    [preview] = texts(await organizer.press_label("Use urban-floods-planning"))
    lines = preview.splitlines()
    assert lines[:6] == [
        "Please check the course:",
        "",
        "Urban floods: planning 🌊",
        "Training course, 3 sessions",
        "",
        "Three sessions on <planning>.",
    ]
    assert "1. Session flood-1" in lines and "3. Session flood-3" in lines
    assert (
        "Attend at least 2 of the 3 sessions to complete the course. A certificate is issued "
        "when you complete it."
    ) in lines
    assert "Its sessions are taken together: one registration covers them all." in lines
    assert lines[-2:] == [
        "Code: urban-floods-planning",
        f"Link: {link(organizer.emulator, 'urban-floods-planning')}",
    ]
    assert labels(organizer) == ["Save", "Discard"]
    assert await db.fetch_one("SELECT 1 FROM courses WHERE code = 'urban-floods-planning'") is None
    [saved] = texts(await organizer.press_label("Save"))
    assert saved == (
        "Saved. The course’s code is urban-floods-planning and its link is "
        f"{link(organizer.emulator, 'urban-floods-planning')}\n"
        "/editcourse urban-floods-planning adds titles in other languages; "
        "/certificates urban-floods-planning preview shows a sample of its certificate."
    )
    assert (await course_rows(db))[-1] == (
        "urban-floods-planning",
        "Urban floods: planning 🌊",  # the invisible direction marks left out
        "Three sessions on <planning>.",
        2,
        0,
        1,
    )
    assert await sessions_of(db, "urban-floods-planning") == ["flood-1", "flood-2", "flood-3"]
    assert await db.fetch_all(
        "SELECT admin_id, action, detail FROM admin_audit WHERE action = 'new-course'"
        " AND detail LIKE 'urban-floods-planning%'"
    ) == [(ORGANIZER, "new-course", "urban-floods-planning flood-1 flood-2 flood-3")]


async def test_an_organizer_makes_a_course_in_arabic(
    organizer: ChatDriver,
    services: Services,
    db: Store,
    emulator: BotApiEmulator,
    catalogs: Catalogs,
) -> None:
    """In Arabic every line reads right to left, the buttons and the preview speak Arabic
    (what the catalog has), and a title without Latin letters gets a code of the month."""
    await publish(services)
    await organizer.settle(language="ar")
    ar = catalogs.get("ar")
    assert ar._("Save") != "Save" and ar._("◀ Back") != "◀ Back"  # translated already
    [intro] = texts(await organizer.send("/newcourse"))
    question = ar.ngettext(
        "Question {number} of {count}", "Question {number} of {count}", 7, number="1"
    )
    assert intro.splitlines()[-1] == "\u200f" + question
    assert all(line.startswith("\u200f") for line in intro.splitlines() if line)
    await organizer.send("الحد من مخاطر الفيضانات")
    assert labels(organizer) == [ar._("Skip"), ar._("◀ Back")]
    await organizer.press_label(ar._("Skip"))
    [rule] = texts(await organizer.send("flood-1، flood-2"))  # an Arabic comma between codes
    assert rule.startswith(
        "\u200f"
        + ar.ngettext(
            "The course has {count} session. How many must a participant attend to complete "
            "it? Choose, or send a number.",
            "The course has {count} sessions. How many must a participant attend to complete "
            "it? Choose, or send a number.",
            2,
        )
    )
    every = ar.ngettext("All {count} session", "All {count} sessions", 2)
    at_least = ar.ngettext("At least {count}", "At least {count}", 1)
    assert labels(organizer) == [every, at_least, ar._("◀ Back")]
    await organizer.press_label(every)
    assert labels(organizer) == [ar._("Yes"), ar._("No"), ar._("◀ Back")]
    await organizer.press_label(ar._("Yes"))
    await organizer.press_label(ar._("Yes"))
    use = ar._("Use {code}", code="course-2026-11")
    assert labels(organizer)[0] == use
    [preview] = texts(await organizer.press_label(use))
    lines = preview.splitlines()
    assert lines[0] == "\u200f" + ar._("Please check the course:")
    assert "\u200fالحد من مخاطر الفيضانات" in lines
    assert "\u200f" + ar._("Times in {zone}", zone="UTC") in lines
    assert any(line.startswith("\u200f    الاثنين، 30 نوفمبر 2026") for line in lines), lines
    assert lines[-2:] == [
        "\u200f" + ar._("Code: {code}", code="course-2026-11"),
        "\u200f" + ar._("Link: {link}", link=link(emulator, "course-2026-11")),
    ]
    assert labels(organizer) == [ar._("Save"), ar._("Discard")]
    [saved] = texts(await organizer.press_label(ar._("Save")))
    assert saved.startswith(
        "\u200f"
        + ar._(
            "Saved. The course’s code is {code} and its link is {link}",
            code="course-2026-11",
            link=link(emulator, "course-2026-11"),
        )
    )
    assert (await course_rows(db))[-1] == (
        "course-2026-11",
        "الحد من مخاطر الفيضانات",
        "",
        None,
        1,
        1,
    )
    assert await sessions_of(db, "course-2026-11") == ["flood-1", "flood-2"]


async def test_bad_answers_are_explained_and_the_question_put_again(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Too long or empty titles, unknown, cancelled and taken sessions, a number out of
    range, words where buttons are, reserved and taken codes: each is said, and the same
    question comes again with its buttons."""
    await publish(services)
    await organizer.settle(language="en")
    await organizer.send("/newcourse")
    [again] = texts(await organizer.send("x" * 300))
    assert again == (
        "The title is 300 characters long; at most 200 are allowed.\n\n"
        "What is the course’s title?\nQuestion 1 of 7"
    )
    [again] = texts(await organizer.send("\u200f\u200e"))
    assert again.startswith("The title cannot be empty.\n\nWhat is the course’s title?")
    await organizer.send("Urban floods")
    await organizer.press_label("Skip")
    [again] = texts(await organizer.send("nope heat-2, OLD-1 flood-1 <b>"))
    assert again == (
        "There is no event with the code \u2068nope\u2069.\n"
        "The event \u2068heat-2\u2069 is already a session of the course urban-heat "
        "(“\u2068Urban heat\u2069”).\n"
        "The event \u2068OLD-1\u2069 is cancelled: a cancelled event cannot join a course.\n"
        "There is no event with the code \u2068<b>\u2069.\n\n"
        f"{SESSIONS_QUESTION}\nQuestion 3 of 7"
    )
    assert labels(organizer) == ["◀ Back"]
    [again] = texts(await organizer.send(" , ;"))
    assert again.startswith("Please send at least one event code.\n\n")
    await organizer.send("flood-1 flood-2 flood-3")
    [again] = texts(await organizer.send("5"))
    assert again.startswith(
        "Please choose a number from 1 to 3, the number of the course’s sessions.\n\n"
        "The course has 3 sessions. How many must"
    )
    assert labels(organizer) == ["All 3 sessions", "At least 1", "At least 2", "◀ Back"]
    [again] = texts(await organizer.send("0"))
    assert again.startswith("The number of sessions that completes a course must be a whole")
    await organizer.send("2")  # typed instead of pressed: taken
    [again] = texts(await organizer.send("yes"))
    assert again == (
        "Please choose one of the buttons.\n\nMay participants register for single sessions "
        "of the course? If not, they register for the whole course at once.\nQuestion 5 of 7"
    )
    assert labels(organizer) == ["Yes", "No", "◀ Back"]
    await organizer.press_label("Yes")
    await organizer.press_label("No")
    for typed, problem in [
        (
            "verify-x",
            "“verify-x” cannot be a code: codes beginning with verify- are kept for checking "
            "certificates.",
        ),
        ("FLOOD-4", "The code flood-4 is already used by “\u2068Session flood-4\u2069”."),
        ("urban-heat", "The code urban-heat is already used by “\u2068Urban heat\u2069”."),
        ("bad code!", "“bad code!” is not a valid code: use 1 to 40 letters, digits, - or _."),
    ]:
        [again] = texts(await organizer.send(typed))
        assert again.startswith(problem), again
        assert "Every course has a code" in again and again.endswith("Question 7 of 7")
        assert labels(organizer) == ["Use urban-floods", "◀ Back"]
    [preview] = texts(await organizer.send("Urban-Floods-2026"))
    assert "Code: urban-floods-2026" in preview
    assert "Attend at least 2 of the 3 sessions to complete the course." in preview
    [again] = texts(await organizer.send("save"))
    assert again.startswith("Please choose one of the buttons.\n\nPlease check the course:")
    await organizer.press_label("Save")
    assert (await course_rows(db))[-1] == ("urban-floods-2026", "Urban floods", "", 2, 1, 0)


async def test_back_goes_to_the_question_before(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Back puts the question before in place of the pressed one; a course of one session
    is not asked what completes it, so it has six questions and Back skips that one."""
    await publish(services)
    await organizer.settle(language="en")
    await organizer.send("/newcourse")
    await organizer.send("Flood drills")
    await organizer.send("Drills.")
    question = organizer.last_message_with_buttons()["message_id"]
    [back] = texts(await organizer.press_label("◀ Back"))
    assert back == "Describe the course in a few sentences.\nQuestion 2 of 7"
    assert organizer.messages()[-1]["message_id"] == question  # in place
    [back] = texts(await organizer.press_label("◀ Back"))
    assert back == "What is the course’s title?\nQuestion 1 of 7"
    assert organizer.messages()[-1].get("reply_markup") is None  # the first has no Back
    await organizer.send("Flood drills for schools")
    await organizer.send("Drills for schools.")
    [single] = texts(await organizer.send("flood-4"))
    assert single.endswith("\nQuestion 4 of 6")  # no question about the rule
    [back] = texts(await organizer.press_label("◀ Back"))
    assert back == f"{SESSIONS_QUESTION}\nQuestion 3 of 6"
    await organizer.send("flood-4")
    await organizer.press_label("Yes")
    await organizer.press_label("Yes")
    await organizer.press_label("Use flood-drills-for-schools")
    await organizer.press_label("Save")
    assert (await course_rows(db))[-1] == (
        "flood-drills-for-schools",
        "Flood drills for schools",
        "Drills for schools.",
        None,
        1,
        1,
    )


async def test_cancel_in_the_middle_stores_nothing(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """/cancel after the sessions were given: no course, no session moved, and what is
    typed next is no longer an answer."""
    await publish(services)
    await organizer.settle(language="en")
    before = await course_rows(db)
    await organizer.send("/newcourse")
    await organizer.send("Urban floods")
    await organizer.press_label("Skip")
    await organizer.send("flood-1 flood-2")
    assert texts(await organizer.send("/cancel")) == ["Stopped. Nothing was saved."]
    [after] = texts(await organizer.send("Urban floods"))
    assert "/help" in after
    assert await course_rows(db) == before
    assert await db.fetch_all("SELECT code FROM events WHERE course_id IS NOT NULL") == [
        (code,) for code in HEAT
    ]


async def test_discard_and_forged_buttons_store_nothing(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """Buttons of another step, a count the course cannot have, data the bot never wrote and
    Discard: answered, and nothing stored."""
    await publish(services)
    await organizer.settle(language="en")
    before = await course_rows(db)
    await organizer.send("/newcourse")
    await organizer.send("Urban floods")
    await organizer.press_label("Skip")
    for forged in ("nc:save", "nc:single:yes", "nc:rule:1", "nc:code:use", "ec:yes:urban-heat"):
        calls = await organizer.press(forged)
        assert [c.method for c in calls] == ["answerCallbackQuery"], forged
        assert texts(calls) == [STALE], forged
    await organizer.send("flood-1 flood-2 flood-3")
    for forged in ("nc:rule:3", "nc:rule:99", "nc:rule:0", "nc:rule:-1", "nc:rule:all:x"):
        assert texts(await organizer.press(forged)) == [STALE], forged
    await organizer.press_label("All 3 sessions")
    await organizer.press_label("Yes")
    await organizer.press_label("Yes")
    await organizer.press_label("Use urban-floods")
    [discarded] = texts(await organizer.press_label("Discard"))
    assert discarded == "The course was not saved."
    assert texts(await organizer.press("nc:save")) == [STALE]
    assert await course_rows(db) == before
    assert await sessions_of(db, "urban-floods") == []


async def test_participants_and_event_organizers_are_refused(
    amina: ChatDriver, app: BotApplication, services: Services, db: Store
) -> None:
    """A participant, and an organizer of chosen events, get a polite refusal for both
    commands and for forged buttons; nothing changes."""
    await publish(services)
    before = await course_rows(db)
    for command in ("/newcourse", "/editcourse urban-heat"):
        assert texts(await amina.send(command)) == [REFUSAL], command
    for forged in ("nc:save", "ec:f:title", "ec:yes:urban-heat"):
        calls = await amina.press(forged, message_id=1)
        assert [c.method for c in calls] == ["answerCallbackQuery"], forged
    await services.users.touch(Contact(7301, "Omar"))
    heat = await services.events.find("heat-1")
    assert heat is not None
    await services.organizers.add(ORGANIZER, 7301, [heat.event.event_id])
    omar = chat_as(app, amina.emulator, id=7301, first_name="Omar", language_code="en")
    programme_only = (
        "Sorry, this is only for organizers of the whole programme. You organize chosen "
        "events: /admin lists what you can do for them."
    )
    for command in ("/newcourse", "/editcourse urban-heat"):
        assert texts(await omar.send(command)) == [programme_only], command
    assert await course_rows(db) == before


async def edit(organizer: ChatDriver, field: str) -> list[str]:
    """/editcourse urban-heat, then the button of `field`: what the organizer reads."""
    await organizer.send("/editcourse urban-heat")
    return texts(await organizer.press_label(field))


async def test_editcourse_shows_the_course_and_refuses_other_codes(
    organizer: ChatDriver, services: Services
) -> None:
    """The course with a button per field; an event's code points to /editevent, an unknown
    one is said so, a missing one shows how the command is written."""
    await publish(services)
    await organizer.settle(language="en")
    [sheet] = texts(await organizer.send("/editcourse URBAN-HEAT"))
    assert sheet.splitlines() == [
        "Urban heat",
        "Code: urban-heat",
        "No titles in other languages yet.",
        "",
        "3 sessions:",
        "1. Heat 1 · heat-1 · Nov 30, 2026, 2:00\u202fPM",
        "2. Heat 2 · heat-2 · Dec 1, 2026, 2:00\u202fPM",
        "3. Heat 3 · heat-3 · Dec 2, 2026, 2:00\u202fPM",
        "",
        "Completed by attending all 3 sessions.",
        "Participants may register for single sessions.",
        "Completing it gives a certificate.",
        "",
        "What do you want to change?",
    ]
    assert labels(organizer) == [
        "Title",
        "Description",
        "Another language",
        "Sessions",
        "Completion rule",
        "Single sessions",
        "Certificate",
    ]
    assert texts(await organizer.send("/editcourse flood-1")) == [
        "flood-1 is an event, not a training course: to change it, send /editevent flood-1"
    ]
    assert texts(await organizer.send("/editcourse <nope>")) == [
        "There is no training course with the code \u2068<nope>\u2069."
    ]
    assert texts(await organizer.send("/editcourse")) == [
        "Please add the course’s code: /editcourse CODE"
    ]


async def test_editcourse_title_description_and_a_french_title_on_the_card(
    organizer: ChatDriver,
    services: Services,
    db: Store,
    app: BotApplication,
    emulator: BotApiEmulator,
) -> None:
    """The title and description are saved at once and the card shown; a French title and
    description, chosen by the language's own name, are what a French reader's card says."""
    await publish(services)
    await organizer.settle(language="en")
    assert (await edit(organizer, "Title"))[-1] == "Send the new title."
    saved = texts(await organizer.send("Urban heat waves 🔥"))
    assert saved[0] == "Saved."
    assert saved[1].startswith("Urban heat waves 🔥\nTraining course, 3 sessions")
    assert (await edit(organizer, "Description"))[-1] == "Describe the course in a few sentences."
    [too_long] = texts(await organizer.send("d" * 1600))
    assert too_long == (
        "The description is 1600 characters long; at most 1500 are allowed.\n\n"
        "Describe the course in a few sentences."
    )
    await organizer.send("Heat waves in cities.")
    assert (await edit(organizer, "Another language"))[-1] == "Add a title in which language?"
    assert labels(organizer) == ["English", "Français", "Español", "العربية", "中文", "Русский"]
    [title_question] = texts(await organizer.press_label("Français"))[1:]
    assert title_question == "Send the title in French."
    [description_question] = texts(await organizer.send("Vagues de chaleur urbaines"))
    assert description_question == (
        "Send the description in French, or press Skip to leave it as it is."
    )
    replies = texts(await organizer.press_label("Skip"))
    assert replies[:2] == ["Skip", "Saved."]
    assert await course_rows(db) == [
        ("urban-heat", "Urban heat waves 🔥", "Heat waves in cities.", None, 1, 1)
    ]
    assert await db.fetch_all(
        "SELECT t.language, t.title, t.description FROM course_texts t JOIN courses c"
        " USING (course_id) WHERE c.code = 'urban-heat'"
    ) == [("fr", "Vagues de chaleur urbaines", "")]
    [sheet] = texts(await organizer.send("/editcourse urban-heat"))
    assert "Titles in other languages: Français" in sheet.splitlines()
    zoe = chat_as(app, emulator, id=1002, first_name="Zoé", language_code="fr")
    await zoe.settle(language="fr", timezone="Europe/Paris")
    [card] = texts(await zoe.send("/start urban-heat"))
    assert card.splitlines()[0] == "Vagues de chaleur urbaines"
    assert "Heat waves in cities." in card  # no French description: the default one
    # A French organizer changing the title changes the French one, which they were shown.
    await organizer.settle(language="fr")
    await organizer.send("/editcourse urban-heat")
    await organizer.press("ec:f:title")
    await organizer.send("Canicules urbaines")
    assert await db.fetch_all(
        "SELECT c.title, t.title FROM course_texts t JOIN courses c USING (course_id)"
    ) == [("Urban heat waves 🔥", "Canicules urbaines")]
    audit = await db.fetch_all(
        "SELECT detail FROM admin_audit WHERE action = 'edit-course' ORDER BY id"
    )
    assert audit == [
        ("urban-heat title",),
        ("urban-heat description",),
        ("urban-heat texts fr",),
        ("urban-heat title",),
    ]


async def test_editcourse_sessions_rule_single_sessions_and_certificate(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """With nobody registered, each change is saved at once: sessions added and removed with
    +code and -code or given as a whole list, the rule, single sessions, the certificate;
    wrong codes are explained and the question put again."""
    await publish(services)
    await organizer.settle(language="en")
    [question] = (await edit(organizer, "Sessions"))[1:]
    assert question == (
        "Its sessions now: heat-1, heat-2, heat-3\n"
        "Send +CODE to add a session and -CODE to remove one (several at once, separated by "
        "spaces or commas; for example: +flood-5 -flood-2), or send the whole new list of "
        "codes."
    )
    for typed, problem in [
        ("+flood-1 heat-2", "Please send either +CODE and -CODE, or the whole new list"),
        ("-flood-1", "The event \u2068flood-1\u2069 is not a session of this course."),
        ("+old-1", "The event \u2068old-1\u2069 is cancelled"),
        ("-heat-1 -heat-2 -heat-3", "A course needs at least one session."),
    ]:
        [again] = texts(await organizer.send(typed))
        assert again.startswith(problem), again
        assert again.endswith("or send the whole new list of codes.")
    saved = texts(await organizer.send("+flood-4, -HEAT-3"))
    assert saved[0] == "Saved."
    assert await sessions_of(db, "urban-heat") == ["heat-1", "heat-2", "flood-4"]
    await edit(organizer, "Sessions")
    await organizer.send("heat-1 heat-2 heat-3")  # a whole list
    assert await sessions_of(db, "urban-heat") == HEAT
    await edit(organizer, "Sessions")
    assert texts(await organizer.send("+heat-1")) == ["Nothing was changed."]
    [rule] = (await edit(organizer, "Completion rule"))[1:]
    assert rule.startswith("Now: Completed by attending all 3 sessions.\nThe course has 3")
    assert labels(organizer) == ["All 3 sessions", "At least 1", "At least 2"]
    replies = texts(await organizer.press_label("At least 2"))
    assert replies[:2] == ["Completed by attending at least 2 of its 3 sessions.", "Saved."]
    assert "Attend at least 2 of the 3 sessions to complete the course." in replies[2]
    await edit(organizer, "Single sessions")
    assert labels(organizer) == ["Yes", "No"]
    replies = texts(await organizer.press_label("No"))
    assert replies[1] == "Saved."
    await edit(organizer, "Certificate")
    replies = texts(await organizer.press_label("No"))
    assert replies[1] == "Saved."
    await edit(organizer, "Certificate")
    assert texts(await organizer.press_label("No"))[1] == "Nothing was changed."
    assert await course_rows(db) == [("urban-heat", "Urban heat", "Three sessions.", 2, 0, 0)]
    assert texts(await organizer.press("ec:yn:yes")) == [STALE]  # the edit is over


async def registered_and_attended(services: Services, clock: FrozenClock) -> None:
    """Three participants registered for every heat session; after the last one, 7001
    attended all three, 7002 two and 7003 one, and 7001 holds the course's certificate (a
    mark after the session awards it, else the organizer's issue does)."""
    for user_id in PARTICIPANTS:
        await services.users.touch(Contact(user_id, f"P{user_id}"))
        await services.profiles.save(user_id, Profile(f"P {user_id}", "KE", "Nairobi"), "UTC")
        for code in HEAT:
            await services.registrations.sign_up(user_id, code)
    events = [await services.events.find(code) for code in HEAT]
    clock.set(SOON + timedelta(days=3))
    for count, user_id in zip((3, 2, 1), PARTICIPANTS, strict=True):
        for listing in events[:count]:
            assert listing is not None
            assert await services.attendance.mark(listing.event, user_id, True, ORGANIZER)
    course = await services.courses.by_code("urban-heat")
    assert course is not None
    await services.certificates.issue(Subject(course=course), list(PARTICIPANTS))


async def test_a_risky_change_says_what_it_means_first(
    organizer: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A new rule, or a session removed, for a course with registrations and a certificate
    issued: what it means is said with Confirm and Keep; Keep changes nothing, Confirm saves,
    and only the button under the question open now does."""
    await publish(services)
    await registered_and_attended(services, clock)
    assert await db.fetch_all(
        "SELECT user_id FROM certificates WHERE revoked_at IS NULL AND course_id IS NOT NULL"
    ) == [(7001,)]
    await organizer.settle(language="en")
    await edit(organizer, "Completion rule")
    [question] = texts(await organizer.press_label("At least 2"))[1:]
    assert question.splitlines() == [
        "Change what completes “\u2068Urban heat\u2069”?",
        "Now: Completed by attending all 3 sessions.",
        "After the change: Completed by attending at least 2 of its 3 sessions.",
        "3 people are registered for its sessions.",
        "1 participant has completed it as it is now.",
        "After the change, 2 participants will have completed it.",
        "1 certificate has been issued: it stays valid.",
        "/certificates urban-heat lists the certificates earned and not issued yet.",
    ]
    assert labels(organizer) == ["Confirm", "Keep as it is"]
    assert (await course_rows(db))[0][3] is None
    assert texts(await organizer.press_label("Keep as it is")) == ["Nothing was changed."]
    assert (await course_rows(db))[0][3] is None
    await edit(organizer, "Completion rule")
    await organizer.send("1")  # typed: the same question
    first = organizer.last_message_with_buttons()["message_id"]
    [question] = texts(await organizer.send("2"))  # another answer: a new question
    assert "After the change, 2 participants will have completed it." in question
    assert texts(await organizer.press("ec:yes:urban-heat", first)) == [STALE]
    assert (await course_rows(db))[0][3] is None
    replies = texts(await organizer.press_label("Confirm"))
    assert replies[0] == "Saved."
    assert (await course_rows(db))[0][3] == 2
    assert await db.fetch_all("SELECT COUNT(*) FROM certificates WHERE revoked_at IS NULL") == [
        (1,)
    ]  # issued ones stay
    await edit(organizer, "Sessions")
    [question] = texts(await organizer.send("-heat-1"))
    assert question.splitlines() == [
        "Change the sessions of “\u2068Urban heat\u2069”?",
        "1 session leaves the course: heat-1",
        "3 people are registered for its sessions.",
        "3 people registered for sessions that leave the course keep their places in them, "
        "but those sessions no longer count towards the course.",
        "2 participants have completed it as it is now.",
        "After the change, 1 participant will have completed it.",
        "1 certificate has been issued: it stays valid.",
    ]
    assert await sessions_of(db, "urban-heat") == HEAT
    await organizer.press_label("Confirm")
    assert await sessions_of(db, "urban-heat") == ["heat-2", "heat-3"]
    assert await db.fetch_all(
        "SELECT COUNT(*) FROM registrations r JOIN events e USING (event_id)"
        " WHERE e.code = 'heat-1' AND r.status = 'confirmed'"
    ) == [(3,)]  # they keep their places in the session that left the course
    await edit(organizer, "Single sessions")
    assert texts(await organizer.press_label("No"))[1] == "Saved."  # concerns nobody's place


async def test_other_commands_in_the_middle_of_newcourse(
    organizer: ChatDriver, services: Services, db: Store
) -> None:
    """/events in the middle of /newcourse is answered and the question stays open (the
    codes typed next answer it); /editcourse starts the other wizard, which leaves this one."""
    await publish(services)
    await organizer.settle(language="en")
    await organizer.send("/newcourse")
    await organizer.send("Urban floods")
    await organizer.press_label("Skip")
    replies = texts(await organizer.send("/events"))
    assert replies[-1].startswith("You were answering this question")
    assert replies[-1].endswith(f"{SESSIONS_QUESTION}\nQuestion 3 of 7")
    [rule] = texts(await organizer.send("flood-1 flood-2"))
    assert rule.startswith("The course has 2 sessions.")
    [sheet] = texts(await organizer.send("/editcourse urban-heat"))
    assert sheet.startswith("Urban heat\nCode: urban-heat")
    assert texts(await organizer.press("nc:rule:all")) == [STALE]
    assert (await edit(organizer, "Title"))[-1] == "Send the new title."
    await organizer.send("Urban heat waves")
    assert [row[:2] for row in await course_rows(db)] == [("urban-heat", "Urban heat waves")]
