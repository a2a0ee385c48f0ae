"""`python -m bot certificates CODE --out DIR`: one PDF per person who earned it, in their
language, each recorded so its code verifies; read back with pypdf, as a reader's viewer
would extract the text."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from pypdf import PdfReader

from bot.cli import write_certificates
from bot.clock import FrozenClock
from bot.config import Settings
from bot.services.container import Services
from tests.store import Store
from tests.test_courses import attend_every_way, course_of_four


def text_of(path: Path) -> str:
    page = PdfReader(path).pages[0]
    return unicodedata.normalize("NFKC", " ".join(page.extract_text().split()))


async def test_everyone_who_completed_gets_a_pdf_in_their_language(
    services: Services, db: Store, clock: FrozenClock, settings: Settings, tmp_path: Path
) -> None:
    """ "2 of 4": Amina (3 attended, English) and José (2, French) complete, Oleg (1) does not.
    Two files, each holder's name and the course title in it, in their language; the codes
    printed are the ones recorded. A second run issues nothing new and writes the same two."""
    await course_of_four(services, db, 2)
    await db.execute("UPDATE courses SET certificate = 0")  # nothing issued by the rule
    await attend_every_way(services, db, clock)
    await services.users.choose_language(7002, "fr")
    out, err = io.StringIO(), io.StringIO()
    folder = tmp_path / "papers"
    # Off, the command line issues nothing either: the operator is told how to turn them on.
    code = await write_certificates(settings, "urban-floods", folder, "b_bot", out, err, clock)
    assert code == 1 and err.getvalue().startswith("urban-floods gives no certificates")
    assert await db.fetch_all("SELECT COUNT(*) FROM certificates") == [(0,)]
    await db.execute("UPDATE courses SET certificate = 1")
    err = io.StringIO()
    code = await write_certificates(
        settings, "URBAN-FLOODS", folder, "webinar_test_bot", out, err, clock
    )
    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == f"Wrote 2 certificates of urban-floods to {folder} (2 issued now).\n"
    stored = dict(await db.fetch_all("SELECT user_id, code FROM certificates ORDER BY user_id"))
    assert set(stored) == {7001, 7002}
    amina = text_of(folder / f"urban-floods-{stored[7001]}.pdf")
    assert "Amina Diallo" in amina and "Urban floods" in amina
    assert "Certificate of completion" in amina and "3 sessions attended" in amina
    assert stored[7001] in amina
    jose = text_of(folder / f"urban-floods-{stored[7002]}.pdf")
    assert "José Núñez" in jose and "Inondations urbaines" in jose  # its French title
    assert "Certificat de réussite" in jose and "2 sessions suivies" in jose
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"urban-floods-{c}.pdf" for c in stored.values()
    )
    out = io.StringIO()
    assert await write_certificates(settings, "urban-floods", folder, "x_bot", out, err, clock) == 0
    assert out.getvalue().endswith("(0 issued now).\n")
    # Issued here, each is also queued for its holder: the running bot sends it in chat.
    queued = await db.fetch_all(
        "SELECT d.user_id FROM deliveries d JOIN campaigns c USING (campaign_id)"
        " WHERE c.kind = 'certificate' ORDER BY d.user_id"
    )
    assert queued == [(7001,), (7002,)]


async def test_an_unknown_code_is_refused(
    services: Services, db: Store, clock: FrozenClock, settings: Settings, tmp_path: Path
) -> None:
    await course_of_four(services, db, 2)
    err = io.StringIO()
    assert await write_certificates(settings, "nope", tmp_path, "b", io.StringIO(), err) == 1
    assert err.getvalue() == "There is no course or event with the code nope.\n"
    assert await db.fetch_all("SELECT * FROM certificates") == []


async def test_an_event_s_certificates_go_to_those_marked_present(
    services: Services, db: Store, clock: FrozenClock, settings: Settings, tmp_path: Path
) -> None:
    """The first session alone: Amina checked in, José and Oleg were marked by hand; all
    three get a certificate of attendance; nobody who was not there does."""
    await course_of_four(services, db, 2)
    await attend_every_way(services, db, clock)
    # A session of a course gives the course's certificate: the command line says so.
    err = io.StringIO()
    assert await write_certificates(settings, "flood-1", tmp_path, "b_bot", io.StringIO(), err) == 1
    assert err.getvalue().startswith("flood-1 is a session of the course urban-floods")
    # Out of the course, a session with certificates on gives its own.
    await db.execute("UPDATE events SET course_id = NULL, certificate = 1 WHERE code = 'flood-1'")
    out = io.StringIO()
    folder = tmp_path / "event"
    assert await write_certificates(settings, "flood-1", folder, "b_bot", out, io.StringIO()) == 0
    assert out.getvalue() == f"Wrote 3 certificates of flood-1 to {folder} (3 issued now).\n"
    rows = await db.fetch_all(
        "SELECT c.user_id, c.sessions, c.minutes FROM certificates c JOIN events e"
        " USING (event_id) WHERE e.code = 'flood-1' ORDER BY c.user_id"
    )
    assert rows == [(7001, 1, 60), (7002, 1, 60), (7003, 1, 60)]
    texts = [text_of(path) for path in sorted(folder.iterdir())]
    assert all("Certificate of attendance" in text and "Session flood-1" in text for text in texts)
