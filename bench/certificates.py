"""The certificate renderer's figures (`bot/certificate_pdf.py`): loading the fonts once, then
the time of one certificate per language and of a thousand, and the memory it all takes.

In one process: the fonts' load time; then, per language (en, fr, es, ar, zh, ru), 50
certificates of a sample course as the bot prints them (`certificate_content`: its own words
in the holder's language), with a logo, one to three signatories and holders' names in several
scripts (an Arabic name on an English certificate, a Chinese one on a Russian one...), median
and slowest wall-clock time each (the first render of each language included). Then 1,000
certificates of mixed languages and names: the CPU seconds they take (process time) and their
mean size. Last, the peak resident memory of the process (`ru_maxrss`), imports, fonts and
all. Budgets: one certificate under 300 ms once the fonts are loaded, 1,000 under 300 CPU
seconds, under 200 MB.

    python -m bench.certificates [--count 1000] [--per-language 50] [--seed 21]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO

from PIL import Image, ImageDraw

from bot.certificate_pdf import CertificateContent, CertificateFonts, load_fonts, render_certificate
from bot.config import CertificateSettings
from bot.i18n import Catalogs
from bot.models import Certificate, Course, EventText
from bot.services.certificate_codes import ALPHABET
from bot.services.certificate_texts import certificate_content
from bot.services.certificates import Subject

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
ZONES = {
    "en": "Africa/Nairobi",
    "fr": "Europe/Paris",
    "es": "America/Bogota",
    "ar": "Asia/Dubai",
    "zh": "Asia/Shanghai",
    "ru": "Europe/Moscow",
}
BOT_USERNAME = "webinar_demo_bot"

# The sample course. Its titles are an organizer's data; every other line of the page is the
# bot's own words in the holder's language (`certificate_content`, as the delivery engine
# prints it), so what is measured here is what the bot sends.
COURSE = Course(
    course_id=1,
    code="urban-floods",
    title="Early warning systems for urban floods",
    description="Four weekly sessions.",
    texts={
        "fr": EventText("Systèmes d'alerte précoce aux inondations urbaines"),
        "es": EventText("Sistemas de alerta temprana ante inundaciones urbanas"),
        "ar": EventText("أنظمة الإنذار المبكر بالفيضانات في المدن"),
        "zh": EventText("COVID-19 应急管理与城市洪水预警系统"),
        "ru": EventText("Системы раннего оповещения о городских наводнениях"),
    },
    required_sessions=3,
)
# Holders' names in several scripts on each language's certificate: an Arabic name on an
# English certificate, a Chinese one on a Russian one, Latin with accents, Latin and Arabic mixed.
NAMES = {
    "en": ["Jane Doe", "Amira أميرة Haddad", "王小明", "Oluwaseun Adébáyọ̀-Okafor"],
    "fr": ["Émilie Lefèvre-Dubois", "Nguyễn Thị Minh Khai", "أميرة الحداد"],
    "es": ["José María Núñez", "Анна Петрова", "陈大文"],
    "ar": ["أميرة الحداد", "محمد بن عبد الله العتيبي", "Amira أميرة Haddad", "Анна Петрова"],
    "zh": ["王小明", "欧阳娜娜", "Amira Haddad", "张伟 (Zhang Wei)"],
    "ru": ["Анна Петрова", "Константин Константинопольский", "王小明", "Jean Dupont"],
}
SIGNATORIES = (
    ("Maria Gonzalez", "Programme director"),
    ("Jean Dupont", "Head of training"),
    ("李伟", "Partner city coordinator"),
)
LONG_TITLE = (
    "Integrated urban flood risk management, early warning systems and community-based "
    "planning for climate resilience in cities"
)


def logo() -> bytes:
    """A 600 × 240 PNG with transparency, the size a programme's logo is likely to have."""
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 230, 230), fill=(27, 54, 93, 255))
    draw.rectangle((260, 90, 590, 150), fill=(176, 141, 87, 255))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def certificate(
    catalogs: Catalogs, language: str, rng: random.Random, image: bytes
) -> CertificateContent:
    """A certificate of the sample course as the bot prints it: four sessions, six hours, in
    March 2027, a holder's name from `NAMES`, one to three signatories."""
    raw = "".join(rng.choice(ALPHABET) for _ in range(8))
    paper = Certificate(
        certificate_id=0,
        code=f"{raw[:4]}-{raw[4:]}",
        user_id=None,
        course_id=COURSE.course_id,
        event_id=None,
        holder_name=rng.choice(NAMES[language]),
        first_day=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        last_day=datetime(2027, 3, 22, 10, 30, tzinfo=UTC),
        minutes=360,
        sessions=4,
        issued_at=datetime(2027, 3, 22, 11, 0, tzinfo=UTC),
    )
    settings = CertificateSettings(logo=image, signatories=SIGNATORIES[: rng.randint(1, 3)])
    course = COURSE
    if rng.random() < 0.1:  # now and then a title at the form's limit
        course = replace(COURSE, title=LONG_TITLE, texts={})
    return certificate_content(
        catalogs.get(language),
        paper,
        Subject(course=course),
        ZONES[language],
        settings,
        BOT_USERNAME,
    )


def per_language(
    catalogs: Catalogs, fonts: CertificateFonts, count: int, rng: random.Random, image: bytes
) -> None:
    for language in LANGUAGES:
        seconds = []
        for _ in range(count):
            content = certificate(catalogs, language, rng, image)
            started = time.perf_counter()
            render_certificate(content, fonts)
            seconds.append(time.perf_counter() - started)
        worst = max(seconds) * 1000
        print(
            f"{language}: {count} certificates, median {statistics.median(seconds) * 1000:.1f} ms,"
            f" slowest {worst:.1f} ms{' OK' if worst < 300 else ' OVER BUDGET'}",
            flush=True,
        )


def mixed(
    catalogs: Catalogs, fonts: CertificateFonts, count: int, rng: random.Random, image: bytes
) -> None:
    contents = [
        certificate(catalogs, LANGUAGES[i % len(LANGUAGES)], rng, image) for i in range(count)
    ]
    sizes = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for content in contents:
        sizes += len(render_certificate(content, fonts))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{count:,} certificates of mixed languages: {cpu:.1f} CPU s ({wall:.1f} s wall, "
        f"{cpu / count * 1000:.1f} ms each), {sizes / count / 1024:.1f} KiB each on average"
        f"{' OK' if cpu < 300 * count / 1000 else ' OVER BUDGET'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--per-language", type=int, default=50)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    image = logo()
    catalogs = Catalogs()

    started = time.perf_counter()
    fonts = load_fonts()
    print(f"fonts loaded once: {time.perf_counter() - started:.2f} s", flush=True)
    per_language(catalogs, fonts, args.per_language, rng, image)
    mixed(catalogs, fonts, args.count, rng, image)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak resident memory: {peak:.0f} MB{' OK' if peak < 200 else ' OVER BUDGET'}")


if __name__ == "__main__":
    main()
