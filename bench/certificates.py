"""The certificate renderer's figures (`bot/certificate_pdf.py`): loading the fonts once, then
the time of one certificate per language and of a thousand, and the memory it all takes.

In one process: the fonts' load time; then, per language (en, fr, es, ar, zh, ru), 50
certificates with a logo, three signatories and holders' names in several scripts (an Arabic
name on an English certificate, a Chinese one on a Russian one...), median and slowest
wall-clock time each (the first render of each language included). Then 1,000 certificates of
mixed languages and names: the CPU seconds they take (process time) and their mean size. Last,
the peak resident memory of the process (`ru_maxrss`), imports, fonts and all. Budgets: one
certificate under 300 ms once the fonts are loaded, 1,000 under 300 CPU seconds, under 200 MB.

    python -m bench.certificates [--count 1000] [--per-language 50] [--seed 21]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from dataclasses import replace
from io import BytesIO

from PIL import Image, ImageDraw

from bot.certificate_pdf import (
    CertificateContent,
    CertificateFonts,
    Signatory,
    load_fonts,
    render_certificate,
)

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")

# heading, intro, achievement, title, details, programme, code line, caption
TEXTS: dict[str, tuple[str, str, str, str, tuple[str, str], str, str, str]] = {
    "en": (
        "Certificate of completion",
        "This certifies that",
        "completed the training course",
        "Early warning systems for urban floods",
        ("1–22 March 2027", "4 sessions, 6 hours in all"),
        "City-to-City Resilience Programme",
        "Certificate 7KQ2-M9XD",
        "Scan to check this certificate",
    ),
    "fr": (
        "Attestation de formation",
        "Nous certifions que",
        "a suivi le cours de formation",
        "Systèmes d'alerte précoce aux inondations urbaines",
        ("du 1er au 22 mars 2027", "4 séances, 6 heures au total"),
        "Programme de coopération de ville à ville pour la résilience",
        "Attestation 7KQ2-M9XD",
        "Scannez pour vérifier cette attestation",
    ),
    "es": (
        "Certificado de finalización",
        "Se certifica que",
        "completó el curso de formación",
        "Sistemas de alerta temprana ante inundaciones urbanas",
        ("del 1 al 22 de marzo de 2027", "4 sesiones, 6 horas en total"),
        "Programa de cooperación entre ciudades para la resiliencia",
        "Certificado 7KQ2-M9XD",
        "Escanee para verificar este certificado",
    ),
    "ar": (
        "شهادة إتمام",
        "تشهد هذه الوثيقة بأن",
        "قد أتمّ الدورة التدريبية",
        "أنظمة الإنذار المبكر بالفيضانات في المدن",
        ("1–22 مارس 2027", "4 جلسات، 6 ساعات في المجموع"),
        "برنامج التعاون بين المدن من أجل الصمود",
        "الشهادة 7KQ2-M9XD",
        "امسح الرمز للتحقق من هذه الشهادة",
    ),
    "zh": (
        "结业证书",
        "兹证明",
        "已完成培训课程",
        "COVID-19 应急管理与城市洪水预警系统",
        ("2027年3月1日至22日", "共4次课程，合计6小时"),
        "城市间合作韧性项目",
        "证书编号 7KQ2-M9XD",
        "扫描二维码验证本证书",
    ),
    "ru": (
        "Сертификат об окончании",
        "Настоящим удостоверяется, что",
        "прошёл(а) учебный курс",
        "Системы раннего оповещения о городских наводнениях",
        ("1–22 марта 2027 г.", "4 занятия, всего 6 часов"),
        "Программа сотрудничества городов за устойчивость",
        "Сертификат 7KQ2-M9XD",
        "Отсканируйте, чтобы проверить сертификат",
    ),
}
NAMES = {
    "en": ["Jane Doe", "Amira أميرة Haddad", "王小明", "Oluwaseun Adébáyọ̀-Okafor"],
    "fr": ["Émilie Lefèvre-Dubois", "Nguyễn Thị Minh Khai", "أميرة الحداد"],
    "es": ["José María Núñez", "Анна Петрова", "陈大文"],
    "ar": ["أميرة الحداد", "محمد بن عبد الله العتيبي", "Amira أميرة Haddad", "Анна Петрова"],
    "zh": ["王小明", "欧阳娜娜", "Amira Haddad", "张伟 (Zhang Wei)"],
    "ru": ["Анна Петрова", "Константин Константинопольский", "王小明", "Jean Dupont"],
}
SIGNATORIES = (
    Signatory("Maria Gonzalez", "Programme director"),
    Signatory("Jean Dupont", "Head of training"),
    Signatory("李伟", "Partner city coordinator"),
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


def certificate(language: str, rng: random.Random, image: bytes) -> CertificateContent:
    heading, intro, achievement, title, details, programme, code, caption = TEXTS[language]
    made = CertificateContent(
        language=language,
        heading=heading,
        intro=intro,
        holder=rng.choice(NAMES[language]),
        achievement=achievement,
        title=title,
        details=details,
        programme=programme,
        signatories=SIGNATORIES[: rng.randint(1, 3)],
        code_line=code,
        verify_caption=caption,
        verify_url=f"https://example.org/verify/{rng.randrange(36**8):08X}",
        logo=image,
    )
    if rng.random() < 0.1:  # now and then a title at the form's limit
        made = replace(made, title=LONG_TITLE)
    return made


def per_language(fonts: CertificateFonts, count: int, rng: random.Random, image: bytes) -> None:
    for language in LANGUAGES:
        seconds = []
        for _ in range(count):
            content = certificate(language, rng, image)
            started = time.perf_counter()
            render_certificate(content, fonts)
            seconds.append(time.perf_counter() - started)
        worst = max(seconds) * 1000
        print(
            f"{language}: {count} certificates, median {statistics.median(seconds) * 1000:.1f} ms,"
            f" slowest {worst:.1f} ms{' OK' if worst < 300 else ' OVER BUDGET'}",
            flush=True,
        )


def mixed(fonts: CertificateFonts, count: int, rng: random.Random, image: bytes) -> None:
    contents = [certificate(LANGUAGES[i % len(LANGUAGES)], rng, image) for i in range(count)]
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

    started = time.perf_counter()
    fonts = load_fonts()
    print(f"fonts loaded once: {time.perf_counter() - started:.2f} s", flush=True)
    per_language(fonts, args.per_language, rng, image)
    mixed(fonts, args.count, rng, image)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak resident memory: {peak:.0f} MB{' OK' if peak < 200 else ' OVER BUDGET'}")


if __name__ == "__main__":
    main()
