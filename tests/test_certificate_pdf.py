"""Certificates read back as a reader would: the text a PDF reader extracts and searches, the
page's pixels, the QR code a phone scans, where the glyphs sit on the page.

Text is read with two extractors, pypdf and pdfminer.six, and compared after NFKC
normalisation on both sides (Arabic presentation forms become the letters they show). Text
without right-to-left letters must be found exactly. For text with Arabic letters the
direction is ignored: the extractors disagree on right-to-left runs (pdfminer gives them in
visual order, characters reversed; pypdf in logical order but words in visual order when the
line's direction differs from the page's), so each word must be found, as written or
reversed, on one line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Protocol

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LTChar, LTComponent, LTContainer
from PIL import Image, ImageDraw
from pypdf.generic import DictionaryObject, PdfObject, StreamObject

import bot
from bot.certificate_pdf import (
    FONT_DIR,
    CertificateContent,
    CertificateFonts,
    load_fonts,
    render_certificate,
    unsupported_characters,
)
from bot.config import CertificateSettings
from bot.i18n import Catalogs
from bot.models import Certificate, Course, EventText
from bot.services.certificate_texts import certificate_content, verify_link
from bot.services.certificates import Subject

MM = 72 / 25.4  # points in a millimetre
PAGE_W, PAGE_H = 297 * MM, 210 * MM
INNER_FRAME = 11 * MM  # the gold frame; nothing is printed outside it

ARABIC_NAME = "أميرة الحداد"
CHINESE_NAME = "王小明"
RUSSIAN_NAME = "Анна Петрова"
MIXED_NAME = "Amira أميرة Haddad"
CODE = "7KQ2-M9XD"
BOT_USERNAME = "webinar_demo_bot"
URL = verify_link(BOT_USERNAME, CODE)

# The course's titles are data (an organizer's); every other line is the bot's own words, in
# the holder's language, as `certificate_content` writes them for the delivery engine.
COURSE = Course(
    course_id=1,
    code="urban-floods",
    title="Early warning systems for urban floods",
    description="",
    texts={
        "ar": EventText("أنظمة الإنذار المبكر بالفيضانات في المدن"),
        "zh": EventText("COVID-19 应急管理与城市韧性"),
        "ru": EventText("Системы раннего оповещения о городских наводнениях"),
    },
)
SIGNATORIES = (
    ("Maria Gonzalez", "Programme director"),
    ("Jean Dupont", "Head of training"),
    ("李伟", "Partner city coordinator"),
)
LONG_TITLE = (
    "Integrated urban flood risk management, early warning systems and community-based "
    "planning for climate resilience in cities"
)
LONG_NAME = "Maximiliana Alexandrina Wolfeschlegelsteinhausen-Bergerdorffson"


class Sample(Protocol):
    def __call__(
        self,
        language: str,
        holder: str,
        *,
        title: str | None = None,
        logo: bytes | None = None,
        signatories: tuple[tuple[str, str], ...] = SIGNATORIES,
    ) -> CertificateContent: ...


@pytest.fixture
def content(catalogs: Catalogs) -> Sample:
    """What the bot prints for a holder of the course's certificate (4 sessions, 6 hours, in
    March 2027), in `language`: another `title` is the course's in every language; `logo` and
    `signatories` are the deployment's settings."""

    def make(
        language: str,
        holder: str,
        *,
        title: str | None = None,
        logo: bytes | None = None,
        signatories: tuple[tuple[str, str], ...] = SIGNATORIES,
    ) -> CertificateContent:
        certificate = Certificate(
            certificate_id=1,
            code=CODE,
            user_id=7001,
            course_id=COURSE.course_id,
            event_id=None,
            holder_name=holder,
            first_day=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
            last_day=datetime(2027, 3, 22, 10, 30, tzinfo=UTC),
            minutes=360,
            sessions=4,
            issued_at=datetime(2027, 3, 22, 11, 0, tzinfo=UTC),
        )
        course = COURSE if title is None else replace(COURSE, title=title, texts={})
        settings = CertificateSettings(logo=logo, signatories=signatories)
        return certificate_content(
            catalogs.get(language),
            certificate,
            Subject(course=course),
            "UTC",
            settings,
            BOT_USERNAME,
        )

    return make


@pytest.fixture(scope="module")
def fonts() -> CertificateFonts:
    return load_fonts()


_rendered: dict[CertificateContent, bytes] = {}


def render(certificate: CertificateContent, fonts: CertificateFonts) -> bytes:
    """Each certificate once per test run (the tests read the same PDFs in several ways)."""
    if certificate not in _rendered:
        _rendered[certificate] = render_certificate(certificate, fonts)
    return _rendered[certificate]


def normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def pypdf_text(pdf: bytes) -> str:
    return pypdf.PdfReader(BytesIO(pdf)).pages[0].extract_text()


def pdfminer_text(pdf: bytes) -> str:
    return extract_text(BytesIO(pdf))


def found(expected: str, extracted: str) -> bool:
    """Whether a reader searching `extracted` finds `expected` (see the module's docstring)."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in expected):
        return normal(expected) in normal(extracted)
    words = normal(expected).split()
    return any(
        all(word in line or word[::-1] in line for word in words)
        for line in (normal(line) for line in extracted.splitlines())
    )


def page_png(pdf: bytes, path: Path, scale: float = 1.0) -> np.ndarray:
    """The page rendered to a PNG file (1 px a point at scale 1), read back as grey levels."""
    page = pdfium.PdfDocument(pdf)[0]
    page.render(scale=scale).to_pil().save(path)
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def chars(pdf: bytes) -> Iterator[LTChar]:
    def walk(item: LTComponent) -> Iterator[LTChar]:
        if isinstance(item, LTChar):
            yield item
        elif isinstance(item, LTContainer):
            for child in item:
                yield from walk(child)

    for page in extract_pages(BytesIO(pdf)):
        yield from walk(page)


def as_dict(value: object) -> DictionaryObject:
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(resolved, DictionaryObject)
    return resolved


def page_fonts(pdf: bytes) -> list[DictionaryObject]:
    resources = as_dict(pypdf.PdfReader(BytesIO(pdf)).pages[0]["/Resources"])
    return [as_dict(font) for font in as_dict(resources["/Font"]).values()]


def font_names(pdf: bytes) -> list[str]:
    return [str(font["/BaseFont"]) for font in page_fonts(pdf)]


def unicode_of_codes(pdf: bytes) -> list[dict[int, str]]:
    """Per embedded font, its ToUnicode map: which text each glyph code stands for."""
    maps = []
    for font in page_fonts(pdf):
        stream = font["/ToUnicode"].get_object()
        assert isinstance(stream, StreamObject)
        cmap = stream.get_data().decode("latin-1")
        maps.append(
            {
                int(code, 16): bytes.fromhex(text).decode("utf-16-be")
                for code, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
            }
        )
    return maps


def image_bytes(fmt: str) -> bytes:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).ellipse((10, 10, 110, 110), fill=(27, 54, 93))
    out = BytesIO()
    image.save(out, fmt)
    return out.getvalue()


# --- the text a reader finds ------------------------------------------------------------------

CASES = [
    ("en", ARABIC_NAME),
    ("en", MIXED_NAME),
    ("en", CHINESE_NAME),
    ("ar", ARABIC_NAME),
    ("ar", MIXED_NAME),
    ("ar", RUSSIAN_NAME),
    ("zh", CHINESE_NAME),
    ("zh", MIXED_NAME),
    ("ru", RUSSIAN_NAME),
    ("ru", CHINESE_NAME),
]


@pytest.mark.parametrize(("language", "holder"), CASES)
def test_the_holder_and_the_title_can_be_found_in_the_text(
    fonts: CertificateFonts, content: Sample, language: str, holder: str
) -> None:
    """Searching the PDF finds the holder's name and the course title, whatever the scripts."""
    certificate = content(language, holder)
    pdf = render(certificate, fonts)
    for extracted in (pypdf_text(pdf), pdfminer_text(pdf)):
        assert found(holder, extracted)
        assert found(certificate.title, extracted)
        assert found(CODE, extracted)


def test_every_line_of_the_certificate_is_text(fonts: CertificateFonts, content: Sample) -> None:
    """Each printed line, signatories and the verification caption included, is real text."""
    certificate = content("zh", CHINESE_NAME)
    logical = normal(pypdf_text(render(certificate, fonts)))
    printed = [
        certificate.heading,
        certificate.intro,
        certificate.achievement,
        *certificate.details,
        certificate.programme,
        certificate.code_line,
        certificate.verify_caption,
        *(s.name for s in certificate.signatories),
        *(s.title for s in certificate.signatories),
    ]
    assert [line for line in printed if normal(line) not in logical] == []


@pytest.mark.parametrize("language", ["ar", "en", "zh"])
def test_arabic_is_shaped(fonts: CertificateFonts, content: Sample, language: str) -> None:
    """The holder's Arabic name is drawn in joined letter forms, on a certificate in any
    language. In "أميرة الحداد" the dal comes twice: joined to the hah before it (final form),
    then alone after the alef, which never joins forward (isolated form). Shaped, these are two
    glyphs, two codes in the PDF standing for one letter; unshaped, one glyph for both."""
    pdf = render(content(language, ARABIC_NAME), fonts)
    doubled = set()
    for mapping in unicode_of_codes(pdf):
        letters = [text for text in mapping.values() if "\u0600" <= text <= "\u06ff"]
        doubled |= {letter for letter in letters if letters.count(letter) > 1}
    assert "د" in doubled


def test_the_arabic_certificate_reads_right_to_left(
    fonts: CertificateFonts, content: Sample
) -> None:
    """In visual order (pdfminer), the first word of the course's Arabic title is at the
    right of its line."""
    pdf = render(content("ar", ARABIC_NAME), fonts)
    first, second, *_ = COURSE.texts["ar"].title.split()
    line = next(
        normal(line) for line in pdfminer_text(pdf).splitlines() if first[::-1] in normal(line)
    )
    assert line.index(first[::-1]) > line.index(second[::-1])


# --- the QR code ------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "side"), [("en", "right"), ("ar", "left")])
def test_the_qr_code_scans_to_the_verification_url(
    fonts: CertificateFonts, content: Sample, tmp_path: Path, language: str, side: str
) -> None:
    """A QR reader (zxing-cpp, another code base than segno) finds the URL on the page's
    picture, in the corner the reading direction puts it."""
    pdf = render(content(language, ARABIC_NAME), fonts)
    pixels = page_png(pdf, tmp_path / "page.png", scale=2)
    found = zxingcpp.read_barcodes(Image.fromarray(pixels))
    assert [code.text for code in found] == [URL]
    x = found[0].position.top_left.x
    assert (x > pixels.shape[1] / 2) == (side == "right")


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "holder", "title", "logo"),
    [
        ("en", MIXED_NAME, None, "PNG"),
        ("ar", ARABIC_NAME, None, "JPEG"),
        ("zh", CHINESE_NAME, None, None),
        ("ru", RUSSIAN_NAME, None, None),
        ("en", LONG_NAME, LONG_TITLE, "PNG"),
    ],
    ids=["en", "ar", "zh", "ru", "long"],
)
def test_the_page_has_ink_and_keeps_its_margins(
    fonts: CertificateFonts,
    content: Sample,
    tmp_path: Path,
    language: str,
    holder: str,
    title: str | None,
    logo: str | None,
) -> None:
    """Rendered to PNG: text in the middle, nothing beyond the frames, a white band between
    the inner frame and the text."""
    certificate = content(language, holder, title=title, logo=image_bytes(logo) if logo else None)
    pixels = page_png(render(certificate, fonts), tmp_path / "page.png")
    height, width = pixels.shape
    middle = pixels[int(height * 0.2) : int(height * 0.7), int(width * 0.2) : int(width * 0.8)]
    assert (middle < 128).mean() > 0.01
    outside = 7 * MM  # the outer frame's line starts at 7.4 mm
    band = (round(12 * MM), round(15 * MM))  # inner frame ends at 11.2 mm; text starts >= 16
    for strip in (
        pixels[: round(outside)],
        pixels[-round(outside) :],
        pixels[:, : round(outside)],
        pixels[:, -round(outside) :],
        pixels[band[0] : band[1], band[0] : -band[0]],
        pixels[-band[1] : -band[0], band[0] : -band[0]],
        pixels[band[0] : -band[0], band[0] : band[1]],
        pixels[band[0] : -band[0], -band[1] : -band[0]],
    ):
        assert strip.min() > 240


@pytest.mark.parametrize("language", ["en", "ar", "zh", "ru"])
def test_a_long_name_and_title_stay_inside_the_frame(
    fonts: CertificateFonts, content: Sample, language: str
) -> None:
    """A 60-character name and a 120-character title shrink and wrap: every glyph stays
    inside the inner frame, and all of both is printed."""
    assert len(LONG_NAME) >= 60
    assert len(LONG_TITLE) >= 120
    pdf = render(content(language, LONG_NAME, title=LONG_TITLE), fonts)
    placed = list(chars(pdf))
    assert placed
    outside = [
        c.get_text()
        for c in placed
        if c.x0 < INNER_FRAME
        or c.x1 > PAGE_W - INNER_FRAME
        or c.y0 < INNER_FRAME
        or c.y1 > PAGE_H - INNER_FRAME
    ]
    assert outside == []
    logical = normal(pypdf_text(pdf))
    assert LONG_NAME in logical
    assert LONG_TITLE in logical


def test_text_that_cannot_fit_is_cut_with_an_ellipsis(
    fonts: CertificateFonts, content: Sample
) -> None:
    """Beyond anything a form would let through, the title still never leaves the page."""
    title = " ".join(["Resilience"] * 120)
    pdf = render(content("en", RUSSIAN_NAME, title=title), fonts)
    assert "…" in pypdf_text(pdf)
    assert all(c.x0 >= INNER_FRAME and c.x1 <= PAGE_W - INNER_FRAME for c in chars(pdf))


def test_a_word_longer_than_the_line_is_broken(fonts: CertificateFonts, content: Sample) -> None:
    name = "Wolfeschlegelsteinhausenbergerdorff" * 3
    pdf = render(content("ru", name), fonts)
    assert all(c.x0 >= INNER_FRAME and c.x1 <= PAGE_W - INNER_FRAME for c in chars(pdf))
    assert name in pypdf_text(pdf).replace("\n", "")


# --- what goes into the file ------------------------------------------------------------------


def test_only_the_fonts_used_are_embedded(fonts: CertificateFonts, content: Sample) -> None:
    """An English certificate with Latin names carries no Arabic or Chinese font, and is small."""
    latin = content("en", "Jane Doe", signatories=SIGNATORIES[:2])
    pdf = render(latin, fonts)
    assert sorted(name.split("+")[-1] for name in font_names(pdf)) == [
        "NotoSerif",
        "NotoSerifBold",
    ]
    assert len(pdf) < 60_000
    chinese = render(content("zh", CHINESE_NAME), fonts)
    assert len(chinese) < 80_000


def test_the_logo_is_drawn_when_given(fonts: CertificateFonts, content: Sample) -> None:
    for logo, count in ((None, 0), (image_bytes("PNG"), 1), (image_bytes("JPEG"), 1)):
        pdf = render(content("ru", RUSSIAN_NAME, logo=logo), fonts)
        assert len(pypdf.PdfReader(BytesIO(pdf)).pages[0].images) == count


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_zero_to_three_signatories(fonts: CertificateFonts, content: Sample, count: int) -> None:
    pdf = render(content("ar", ARABIC_NAME, signatories=SIGNATORIES[:count]), fonts)
    logical = normal(pypdf_text(pdf))
    assert [name in logical for name, _ in SIGNATORIES] == [i < count for i in range(3)]


def test_four_signatories_are_refused(fonts: CertificateFonts, content: Sample) -> None:
    four = (*SIGNATORIES, ("Someone Else", "Observer"))
    with pytest.raises(ValueError, match="three"):
        render_certificate(content("en", "Jane Doe", signatories=four), fonts)


def test_the_page_is_a4_landscape_with_metadata(fonts: CertificateFonts, content: Sample) -> None:
    certificate = content("zh", CHINESE_NAME)
    reader = pypdf.PdfReader(BytesIO(render(certificate, fonts)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (297, 210)
    assert reader.metadata is not None
    assert reader.metadata.title == certificate.heading
    assert str(as_dict(reader.trailer["/Root"])["/Lang"]) == "zh"


def test_renders_do_not_leak_into_each_other(fonts: CertificateFonts, content: Sample) -> None:
    """Fonts are shared: a render after others prints the same text as a first one."""
    first = pypdf_text(render_certificate(content("zh", "张伟"), fonts))
    render_certificate(content("ar", ARABIC_NAME), fonts)
    render_certificate(content("en", MIXED_NAME), fonts)
    again = pypdf_text(render_certificate(content("zh", "张伟"), fonts))
    assert first == again
    assert "张伟" in again


def test_characters_no_font_draws_are_reported(fonts: CertificateFonts, content: Sample) -> None:
    assert unsupported_characters(content("ar", MIXED_NAME), fonts) == ""
    assert unsupported_characters(content("zh", "喆堃祎 陳大文"), fonts) == ""
    assert unsupported_characters(content("en", "김민준"), fonts) == "".join(sorted("김민준"))


def test_the_fonts_ship_inside_the_package_with_their_licence() -> None:
    assert Path(bot.__file__).resolve().parent / "fonts" == FONT_DIR
    assert (FONT_DIR / "OFL.txt").read_text("utf-8").count("SIL OPEN FONT LICENSE") == 1
    assert sorted(p.name for p in FONT_DIR.glob("*.ttf")) == [
        "NotoNaskhArabic-Bold.ttf",
        "NotoNaskhArabic-Regular.ttf",
        "NotoSerif-Bold.ttf",
        "NotoSerif-Regular.ttf",
        "NotoSerifCJKsc-Regular-subset.ttf",
    ]
