"""The verification link of a certificate's QR code, opened by anyone: valid, revoked,
withdrawn or unknown, in the reader's language, through the real Application."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.services.certificate_codes import verify_parameter
from bot.services.container import Services
from tests.conftest import ChatDriver, texts
from tests.store import Store
from tests.test_courses import attend_every_way, course_of_four


async def issued_to_amina(services: Services, db: Store, clock: FrozenClock) -> str:
    await course_of_four(services, db, 3)
    await attend_every_way(services, db, clock)
    subject = await services.certificates.subject("urban-floods")
    assert subject is not None
    [certificate] = await services.certificates.issue(
        subject, await services.certificates.pending(subject)
    )
    return certificate.code


async def test_anyone_sees_what_a_valid_certificate_says(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    """A stranger (a French employer) opens the link: who, which course (its French title),
    when, and that it is valid; the link written in lower case works too."""
    code = await issued_to_amina(services, db, clock)
    await amina.settle(language="fr")
    [shown] = texts(await amina.send(f"/start {verify_parameter(code).lower()}"))
    assert shown.startswith("✅ Ce certificat est valide.\n\nTitulaire\u00a0: ")
    assert "Amina Diallo" in shown and "Formation\u00a0: Inondations urbaines" in shown
    assert f"Code\u00a0: {code}" in shown and "décembre 2026" in shown


async def test_a_revoked_or_withdrawn_certificate_says_so(
    amina: ChatDriver, services: Services, db: Store, clock: FrozenClock
) -> None:
    code = await issued_to_amina(services, db, clock)
    await amina.settle(language="en")
    clock.set(clock.now() + timedelta(days=3))
    await db.write(lambda u: u.certificates.revoke(code, 5001, clock.now()))
    [shown] = texts(await amina.send(f"/start {verify_parameter(code)}"))
    assert shown.startswith("❌ This certificate was revoked on ")
    assert "it is no longer valid" in shown and "Amina Diallo" in shown
    other = await issued_to_amina_again(services, db)
    await services.registrations.forget(7001)
    [shown] = texts(await amina.send(f"/start {verify_parameter(other)}"))
    assert shown == "This certificate was withdrawn."  # nothing else: no name, no course


async def issued_to_amina_again(services: Services, db: Store) -> str:
    subject = await services.certificates.subject("urban-floods")
    assert subject is not None
    [certificate] = await services.certificates.issue(subject, [7001])
    return certificate.code


async def test_an_unknown_or_malformed_code_is_said_so(amina: ChatDriver) -> None:
    await amina.settle(language="en")
    [shown] = texts(await amina.send("/start verify-7KQ2M9XD"))
    assert shown.startswith("❌ No certificate has the code 7KQ2-M9XD.")
    [shown] = texts(await amina.send("/start verify-<b>x</b>"))
    # Shown as typed (escaped): Telegram would have made "x" bold and dropped the tags.
    assert shown.startswith("❌ No certificate has the code") and "<b>x</b>" in shown


async def test_codes_are_read_as_people_type_them_and_samples_say_so(amina: ChatDriver) -> None:
    """/certificates with a code (or the link's end) checks it like the QR code does; a word
    that only looks like a code is shown as typed, not as the code its look-alikes make; the
    sample's code says it is a sample's."""
    await amina.settle(language="en")
    [shown] = texts(await amina.send("/certificates verify-7KQ2M9XD"))
    assert shown.startswith("❌ No certificate has the code 7KQ2-M9XD.")
    [shown] = texts(await amina.send("/certificates nonexist"))
    assert "nonexist" in shown and "N0NE" not in shown
    for typed in ("/certificates SAMP-LEUU", "/start verify-SAMPLEUU"):
        [shown] = texts(await amina.send(typed))
        assert shown.startswith("This is the code printed on sample certificates")
