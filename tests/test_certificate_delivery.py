"""Certificates reaching their holders: issued when the rule is met (a session's end, a mark
after it), sent through the outbox as a PDF in the holder's language, the name confirmed or
corrected once before the first one; participants ask for theirs again; organizers look,
issue the pending ones, preview, export, revoke, re-send and issue by hand.

The real Application against the Bot API emulator; PDFs read back with pypdf, CSV with the
csv module, what is stored with plain SQL."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import timedelta

from pypdf import PdfReader

from bot.clock import FrozenClock
from bot.db import UnitOfWork
from bot.devtools.emulator import ApiCall, BotApiEmulator
from bot.services.container import Services
from handlers.buttons import SendMyCertificate
from tests.conftest import ORGANIZER_ID, ChatDriver, buttons_of, chat_as, texts
from tests.store import Store
from tests.test_courses import CODES, attend_every_way, course_of_four, events_of_course

AMINA, JOSE, OLEG = 7001, 7002, 7003


def pdf_text(call: ApiCall) -> str:
    name, content = call.files["document"]
    assert name.endswith(".pdf") and content.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(content)).pages[0]
    return unicodedata.normalize("NFKC", " ".join(page.extract_text().split()))


def shown(calls: list[ApiCall]) -> list[str]:
    """What users read, without the marks that isolate names' direction."""
    return [text.replace("\u2068", "").replace("\u2069", "") for text in texts(calls)]


def documents(calls: list[ApiCall], chat_id: int | None = None) -> list[ApiCall]:
    return [
        call
        for call in calls
        if call.method == "sendDocument" and chat_id in (None, call.params.get("chat_id"))
    ]


async def drain(services: Services, emulator: BotApiEmulator, clock: FrozenClock) -> list[ApiCall]:
    """Everything the delivery worker sends now (each chat paced a second apart)."""
    mark = len(emulator.calls)
    for _ in range(10):
        if not await services.delivery.drain_once():
            break
        clock.advance(timedelta(seconds=2))
    return emulator.calls[mark:]


async def chat_with(
    app: object, emulator: BotApiEmulator, user_id: int, name: str, language: str
) -> ChatDriver:
    """The person's chat, opened as people open it (they wrote to the bot once)."""
    chat = chat_as(app, emulator, id=user_id, first_name=name, language_code=language)  # type: ignore[arg-type]
    await chat.send("/help")
    return chat


async def completed(services: Services, db: Store, clock: FrozenClock) -> None:
    """ "2 of 4": Amina (3 attended) and José (2) complete the course, Oleg (1) does not."""
    await course_of_four(services, db, 2)
    await attend_every_way(services, db, clock)


async def test_completing_a_course_issues_it_and_asks_the_name_before_the_first(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The report imported after session 2 completes "2 of 4" for Amina and José: each
    certificate is issued then (nobody pressed anything) and queued; Oleg gets nothing. The
    first message asks whether the printed name is spelled right; "Yes" brings the PDF."""
    amina = await chat_with(app, emulator, AMINA, "Amina", "en")
    await chat_with(app, emulator, JOSE, "José", "fr")
    await completed(services, db, clock)
    stored = await db.fetch_all(
        "SELECT user_id, holder_name, issued_by FROM certificates ORDER BY user_id"
    )
    assert stored == [(AMINA, "Amina Diallo", None), (JOSE, "José Núñez", None)]
    sent = await drain(services, emulator, clock)
    asked = [call for call in sent if "certificate" in str(call.params.get("text"))]
    assert {call.params["chat_id"] for call in asked} == {AMINA, JOSE}
    assert documents(sent) == []  # not before the name is confirmed
    question = amina.last_text()
    assert "Your certificate for “Urban floods” is ready." in question
    assert "Amina Diallo" in question
    calls = await amina.press_label("Yes, send my certificate")
    [paper] = documents(calls)
    text = pdf_text(paper)
    # Issued when she completed the course (the report of session 2), as it stood then.
    assert "Amina Diallo" in text and "Urban floods" in text and "2 sessions attended" in text
    [code] = [
        c
        for (c,) in await db.fetch_all("SELECT code FROM certificates WHERE user_id = ?", (AMINA,))
    ]
    assert code in text and code in texts(calls)[-1]
    assert "Congratulations" in texts(calls)[-1]
    names = await db.fetch_all("SELECT certificate_name FROM users WHERE user_id = ?", (AMINA,))
    assert names == [("Amina Diallo",)]
    # The call count of the press: the spinner stopped, the question edited, the file.
    assert [call.method for call in calls] == [
        "answerCallbackQuery",
        "editMessageText",
        "sendDocument",
    ]


async def test_a_corrected_name_is_printed_and_verified(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    """José reads the French question, corrects his name in full (with a right-to-left mark
    and a full-width space, as phones insert them): the PDF, the record and the verification
    all say the corrected name; an empty answer is refused and asked again."""
    jose = await chat_with(app, emulator, JOSE, "José", "fr")
    await services.users.choose_language(JOSE, "fr")
    await completed(services, db, clock)
    await drain(services, emulator, clock)
    assert "Votre certificat" in jose.last_text()
    calls = await jose.press_label("Corriger")
    assert "Tapez votre nom" in texts(calls)[-1]
    [refused] = texts(await jose.send("\u200f   "))
    assert "Tapez votre nom" in refused
    [refused] = texts(await jose.send("12345"))  # printed on a certificate: not a name
    assert "Tapez votre nom" in refused
    calls = await jose.send("\u200fJosé Núñez\u3000Bermúdez 🌻 Ｄｅ")
    [paper] = documents(calls)
    # The emoji is not printed (no font draws it) and leaves no gap; full-width letters are
    # the ordinary ones.
    assert "José Núñez Bermúdez De" in pdf_text(paper)
    stored = await db.fetch_all("SELECT holder_name FROM certificates WHERE user_id = ?", (JOSE,))
    assert stored == [("José Núñez Bermúdez De",)]  # as printed: the check says the same
    [(code,)] = await db.fetch_all("SELECT code FROM certificates WHERE user_id = ?", (JOSE,))
    [shown] = texts(await jose.send(f"/certificates {code.lower()}"))
    assert "José Núñez Bermúdez De" in shown and "valide" in shown


async def test_once_confirmed_the_next_certificate_comes_as_a_pdf_at_once(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    await chat_with(app, emulator, AMINA, "Amina", "ar")
    await services.users.choose_language(AMINA, "ar")
    await db.write(lambda u: u.users.set_certificate_name(AMINA, "أمينة ديالو"))
    await completed(services, db, clock)
    sent = await drain(services, emulator, clock)
    [paper] = documents(sent, AMINA)
    assert "أمينة ديالو" in pdf_text(paper)  # the confirmed name, not the profile's
    caption = str(paper.params["caption"])
    assert caption.startswith("\u200f") or caption.startswith("\u2067")  # read right to left
    assert "🎓" in caption


async def test_a_certificate_revoked_before_it_went_is_not_sent(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    await chat_with(app, emulator, AMINA, "Amina", "en")
    await chat_with(app, emulator, JOSE, "José", "fr")
    await completed(services, db, clock)
    [(code,)] = await db.fetch_all("SELECT code FROM certificates WHERE user_id = ?", (AMINA,))
    await db.write(lambda u: u.certificates.revoke(code, ORGANIZER_ID, clock.now()))
    sent = await drain(services, emulator, clock)
    about = [call.params["chat_id"] for call in sent if "certificate" in str(call.params)]
    assert about == [JOSE]


async def test_a_check_in_counts_when_the_session_ends(
    app: object, services: Services, db: Store, clock: FrozenClock
) -> None:
    """ "1 of 4": checking in at the start of the first session completes it, but the
    certificate comes when that session ends (the job at its end), not at the check-in."""
    await course_of_four(services, db, 1)
    first, *_ = await events_of_course(db)
    clock.set(first.starts_at + timedelta(minutes=5))
    await services.attendance.check_in(AMINA, first.event_id, "button")
    assert await services.certificates.award_ended(first.event_id) == 0
    assert await db.fetch_all("SELECT COUNT(*) FROM certificates") == [(0,)]
    clock.set(first.ends_at + timedelta(seconds=1))
    assert await services.certificates.award_ended(first.event_id) == 1
    assert await services.certificates.award_ended(first.event_id) == 0  # once
    queued = await db.fetch_all(
        "SELECT d.user_id FROM deliveries d JOIN campaigns c USING (campaign_id)"
        " WHERE c.kind = 'certificate'"
    )
    assert queued == [(AMINA,)]


async def test_the_catch_up_issues_what_a_crash_or_the_command_line_left(
    app: object, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Marks stored without their award (as after a crash between the two, or a report
    imported on the command line while the bot ran): the periodic catch-up issues them."""
    await course_of_four(services, db, 1)
    first, *_ = await events_of_course(db)
    await db.write(lambda u: u.attendance.record(first.event_id, OLEG, "organizer", clock.now()))
    clock.set(first.ends_at + timedelta(days=2))
    assert await services.certificates.award_recent() == 1
    assert await services.certificates.award_recent() == 0


async def test_a_single_event_gives_one_only_when_turned_on(
    app: object, services: Services, db: Store, clock: FrozenClock
) -> None:
    await course_of_four(services, db, 1)
    first, second, *_ = await events_of_course(db)

    await db.execute("UPDATE events SET course_id = NULL")  # single sessions now
    await db.execute("UPDATE events SET certificate = 1 WHERE event_id = ?", (second.event_id,))
    for event_id in (first.event_id, second.event_id):

        def present(u: UnitOfWork, event_id: int = event_id) -> bool:
            return u.attendance.record(event_id, AMINA, "organizer", clock.now())

        await db.write(present)
    clock.set(second.ends_at + timedelta(minutes=1))
    assert await services.certificates.award_recent() == 1
    rows = await db.fetch_all("SELECT event_id, course_id FROM certificates")
    assert rows == [(second.event_id, None)]


async def test_participants_get_theirs_again_and_cannot_take_another_s(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    await completed(services, db, clock)
    await db.write(lambda u: u.users.set_certificate_name(AMINA, "Amina Diallo"))
    amina = await chat_with(app, emulator, AMINA, "Amina", "en")
    calls = await amina.send("/certificates")
    [paper] = documents(calls)  # one certificate: sent at once, no list to press
    assert texts(calls)[0].startswith("Your certificate for “Urban floods”.")
    assert "Amina Diallo" in pdf_text(paper)
    [(jose_id,)] = await db.fetch_all(
        "SELECT certificate_id FROM certificates WHERE user_id = ?", (JOSE,)
    )
    await amina.send("/events")  # any message with buttons to press on
    forged = await amina.press(
        SendMyCertificate(jose_id).pack(), amina.messages()[-1]["message_id"]
    )
    assert documents(forged) == []
    assert texts(forged) == ["This button is no longer active."]
    oleg = await chat_with(app, emulator, OLEG, "Oleg", "ru")
    [none] = texts(await oleg.send("/certificates"))
    assert none.startswith("У вас пока нет сертификатов.")


async def test_an_organizer_sees_issues_previews_and_exports(
    app: object,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    """A course whose certificates are off: nothing is issued by the rule; the organizer
    sees "2 earned, not issued", previews the sample, issues both after a count, exports
    the holders; then revokes one (asked first) and re-sends the other."""
    await course_of_four(services, db, 2)
    await db.execute("UPDATE courses SET certificate = 0")
    await attend_every_way(services, db, clock)
    assert await db.fetch_all("SELECT COUNT(*) FROM certificates") == [(0,)]
    await organizer.settle(language="en")
    [overview] = texts(await organizer.send("/certificates URBAN-floods"))
    assert "Training course urban-floods: Urban floods" in overview
    assert "Attend at least 2 of the 4 sessions to complete the course." in overview
    assert "Not issued automatically" in overview
    assert "Valid: 0 · revoked: 0 · earned, not issued yet: 2" in overview
    calls = await organizer.press_label("Sample PDF")
    [sample] = documents(calls)
    text = pdf_text(sample)
    assert "Olga" in text and "Urban floods" in text and "4 sessions attended" in text
    assert "SAMP-LEUU" in text
    [asked] = texts(await organizer.press_label("Issue 2 certificates"))
    assert "Issue 2 certificates of “Urban floods”" in asked
    await organizer.press_label("Confirm")
    assert "2 certificates issued" in organizer.last_text()
    issued = await db.fetch_all(
        "SELECT user_id, issued_by FROM certificates WHERE revoked_at IS NULL ORDER BY user_id"
    )
    assert issued == [(AMINA, ORGANIZER_ID), (JOSE, ORGANIZER_ID)]
    calls = await organizer.send("/certificates urban-floods holders")
    [export] = documents(calls)
    name, content = export.files["document"]
    assert name == "certificates-urban-floods.csv" and content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [(r["name"], r["status"], r["sessions"]) for r in rows] == [
        ("Amina Diallo", "valid", "3"),
        ("José Núñez", "valid", "2"),
    ]
    amina_code = rows[0]["code"]
    [one] = shown(await organizer.send(f"/certificates {amina_code}"))
    assert "Holder: Amina Diallo" in one and "Valid." in one
    await organizer.press_label("Revoke")
    assert "Revoke it?" in organizer.last_text()
    await organizer.press_label("Revoke")
    assert "Revoked on" in organizer.last_text()
    revoked = await db.fetch_all(
        "SELECT revoked_by FROM certificates WHERE code = ?", (amina_code,)
    )
    assert revoked == [(ORGANIZER_ID,)]
    audit = await db.fetch_all("SELECT action FROM admin_audit WHERE action LIKE 'certificate%'")
    assert ("certificate-revoke",) in audit and audit.count(("certificate-issue",)) == 2
    await organizer.send(f"/certificates {rows[1]['code']}")
    [notice] = texts(await organizer.press_label("Send again"))
    assert notice == "It is on its way to its holder."


async def test_an_organizer_issues_one_by_hand_with_a_reason(
    app: object,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    """Oleg attended one session of four (he followed the others by phone): issued by hand
    with the reason, certifying the whole course; the reason is in the audit log."""
    await completed(services, db, clock)
    await organizer.settle(language="en")
    [usage] = texts(await organizer.send("/certificates urban-floods issue 7003"))
    assert "say why" in usage
    calls = await organizer.send("/certificates urban-floods issue 7003 followed by phone")
    [answer] = shown(calls)
    assert answer.startswith("Certificate ") and "issued to Олег Петров" in answer
    rows = await db.fetch_all(
        "SELECT sessions, reason, issued_by FROM certificates WHERE user_id = ?", (OLEG,)
    )
    assert rows == [(len(CODES), "followed by phone", ORGANIZER_ID)]
    audit = await db.fetch_all("SELECT detail FROM admin_audit WHERE action = 'certificate-issue'")
    assert [d for (d,) in audit if "followed by phone" in d]
    [again] = texts(await organizer.send("/certificates urban-floods issue 7003 again"))
    assert "already holds a valid certificate" in again


async def test_participants_cannot_use_the_organizer_forms(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    await completed(services, db, clock)
    amina = await chat_with(app, emulator, AMINA, "Amina", "en")
    [answer] = texts(await amina.send("/certificates urban-floods holders"))
    assert answer == "Send /certificates with nothing after it to get your certificates."
    assert documents(emulator.calls, AMINA) == []


async def test_a_message_in_another_chat_does_not_break_the_buttons(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    """The name question's buttons still work after the holder looked at something else."""
    amina = await chat_with(app, emulator, AMINA, "Amina", "en")
    await completed(services, db, clock)
    await drain(services, emulator, clock)
    question = amina.last_message_with_buttons()
    await amina.send("/my")
    [(_, data)] = [b for b in buttons_of(question) if b[0].startswith("Yes")]
    calls = await amina.press(data, question["message_id"])
    assert len(documents(calls)) == 1


async def test_a_revoked_certificate_stays_revoked_until_an_organizer_issues_one(
    app: object,
    emulator: BotApiEmulator,
    organizer: ChatDriver,
    services: Services,
    db: Store,
    clock: FrozenClock,
) -> None:
    """Revoking is an organizer's decision: another mark, the end of a session or the
    catch-up does not issue the certificate again, nor does "Issue pending" count it; an
    organizer issuing one by hand (with a reason) does."""
    await completed(services, db, clock)
    [(code,)] = await db.fetch_all("SELECT code FROM certificates WHERE user_id = ?", (AMINA,))
    await db.write(lambda u: u.certificates.revoke(code, ORGANIZER_ID, clock.now()))
    amina = await chat_with(app, emulator, AMINA, "Amina", "en")
    [told] = shown(await amina.send("/certificates"))
    assert told.startswith("Your certificate for “Urban floods” was revoked by the organizers")
    first, *_ = await events_of_course(db)
    assert await services.attendance.mark(first, OLEG, False, ORGANIZER_ID) is not None
    assert await services.certificates.award_recent() == 0
    subject = await services.certificates.subject("urban-floods")
    assert subject is not None and await services.certificates.pending(subject) == []
    await organizer.settle(language="en")
    [answer] = shown(await organizer.send(f"/certificates urban-floods issue {AMINA} re-checked"))
    assert answer.startswith("Certificate ") and "Amina Diallo" in answer
    standing = await db.fetch_all(
        "SELECT reason FROM certificates WHERE user_id = ? AND revoked_at IS NULL", (AMINA,)
    )
    assert standing == [("re-checked",)]


async def test_a_course_s_participants_are_credited_for_a_session_they_could_not_join(
    app: object, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A course imported with sessions already held: its participants registered for what
    was left, so the held session knows none of them. Its report (as a meeting tool saves
    it) and a mark by hand still credit them, as participants of the course; someone of no
    session of the course is still "not registered"."""
    await course_of_four(services, db, 2)
    first, second, *_ = await events_of_course(db)
    await db.execute(
        "DELETE FROM registrations WHERE event_id IN (?, ?)", (first.event_id, second.event_id)
    )
    clock.set(second.ends_at + timedelta(days=1))
    report = "\ufeffName;Email;;\r\nAmina Diallo;amina.diallo@dakar.sn;;\r\n"
    report += "Someone Else;someone@else.org;;\r\n"
    result = await services.attendance.import_report(first, report.encode(), ORGANIZER_ID)
    assert result.problem is None
    present = await db.fetch_all(
        "SELECT user_id FROM attendance WHERE event_id = ?", (first.event_id,)
    )
    assert present == [(AMINA,)]
    lines, total = await services.attendance.roster(second, 0, 10)
    assert total == 3 and {line.user_id for line in lines} == {AMINA, JOSE, OLEG}
    assert await services.attendance.mark(second, JOSE, True, ORGANIZER_ID)
    assert await services.attendance.mark(second, AMINA, True, ORGANIZER_ID)
    assert await services.attendance.mark(second, 99999, True, ORGANIZER_ID) is None
    # Two of four: Amina completes the course; José (one) does not.
    issued = await db.fetch_all("SELECT user_id FROM certificates ORDER BY user_id")
    assert issued == [(AMINA,)]


async def test_my_says_completed_to_a_certificate_holder_whatever_the_rule_became(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    """José completed "2 of 4" and holds its certificate; the organizers then ask for all
    four: /my still says he completed it (his certificate stays valid) rather than that too
    few sessions remain."""
    jose = await chat_with(app, emulator, JOSE, "José", "en")
    await completed(services, db, clock)
    await db.execute("UPDATE courses SET required_sessions = NULL")
    [my] = shown(await jose.send("/my"))
    assert "✅ “Urban floods”: 2 of 4 sessions attended; completed" in my


async def test_one_confirmation_sends_every_certificate_waiting_for_it(
    app: object, emulator: BotApiEmulator, services: Services, db: Store, clock: FrozenClock
) -> None:
    """Amina completes the course and attends a single session that gives a certificate at
    the same time: two questions about her name; answering one sends both certificates."""
    amina = await chat_with(app, emulator, AMINA, "Amina", "en")
    await completed(services, db, clock)
    first, *_ = await events_of_course(db)
    await db.execute(
        "UPDATE events SET course_id = NULL, certificate = 1 WHERE event_id = ?", (first.event_id,)
    )
    assert await services.certificates.award(first) == 3  # everyone was at the first
    sent = await drain(services, emulator, clock)
    questions = [
        c
        for c in sent
        if c.params.get("chat_id") == AMINA and "is ready" in str(c.params.get("text"))
    ]
    assert len(questions) == 2
    calls = await amina.press_label("Yes, send my certificate")
    assert len(documents(calls)) == 2
