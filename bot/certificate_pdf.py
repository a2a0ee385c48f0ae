"""Certificates of completion as PDF: a pure function from already-translated texts to bytes.

One A4 landscape page in any of the bot's six languages; Arabic is shaped and laid out right
to left, and a name or title in another script than the certificate's renders too (an Arabic
name on an English certificate, a Chinese one on a Russian certificate), through fallback
fonts picked per run of text. The text stays real text: a PDF reader can search and extract
the holder's name.

Rendering uses fpdf2 with HarfBuzz shaping (uharfbuzz) and fonts vendored in `bot/fonts/`
(Noto, SIL OFL 1.1; see its README). Fonts are parsed once into a `CertificateFonts`; each
render lends a fresh copy of their per-document state to its own `FPDF`, and hands fpdf2, to
embed, a small font cut from the raw tables of just the glyphs the page uses: fpdf2 would
otherwise parse every font anew and subset it with fontTools, 20 to 100 ms a font.

This module knows nothing of Telegram, the database or the services: the caller translates
and formats every line.
"""

from __future__ import annotations

import copy
import math
import re
import struct
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import Literal

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import PDFResourceType, TextMode, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from PIL import Image

from bot.certificate_content import CertificateContent, Signatory

__all__ = [
    "CertificateContent",
    "CertificateFonts",
    "Signatory",
    "drawable",
    "load_fonts",
    "render_certificate",
    "unsupported_characters",
]

FONT_DIR = Path(__file__).resolve().parent / "fonts"

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})

# family -> ((style, file), ...). The Chinese font has one weight (a second would add 9.7 MB
# to the package); bold Chinese is drawn with a thin outline instead.
_FONT_FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "serif": (("", "NotoSerif-Regular.ttf"), ("B", "NotoSerif-Bold.ttf")),
    "naskh": (("", "NotoNaskhArabic-Regular.ttf"), ("B", "NotoNaskhArabic-Bold.ttf")),
    "cjk": (("", "NotoSerifCJKsc-Regular-subset.ttf"),),
}
PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 24.0  # text never comes closer to the page's edge
PT = 25.4 / 72  # one point in mm

NAVY = (27, 54, 93)
INK = (45, 45, 48)
MUTED = (95, 95, 100)
GOLD = (176, 141, 87)


@dataclass(frozen=True)
class _LoadedFont:
    template: TTFFont  # parsed once: metrics, cmap, HarfBuzz face; never embedded itself
    source: _GlyphSource  # its raw tables, to cut each certificate's font from


@dataclass
class CertificateFonts:
    """The certificate's fonts, parsed once (about half a second) and shared by every render.

    Renders may come from several threads: they take turns on a lock, since fpdf2 keeps
    process-wide caches of glyph look-ups that one render's output clears.
    """

    fonts: dict[str, _LoadedFont]
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def has_char(self, char: str) -> bool:
        """Whether some font draws `char`."""
        cp = ord(char)
        return any(cp in f.template.cmap for f in self.fonts.values())


def load_fonts(font_dir: Path = FONT_DIR) -> CertificateFonts:
    """Parse the vendored fonts once; share the result between renders."""
    parser = FPDF()
    for family, styles in _FONT_FILES.items():
        for style, name in styles:
            path = font_dir / name
            if not path.is_file():
                raise FileNotFoundError(f"certificate font missing: {path}")
            parser.add_font(family, style, str(path))
    loaded = {}
    for key, font in parser.fonts.items():
        assert isinstance(font, TTFFont)
        _ = font.hbfont  # the HarfBuzz face, built now rather than in the first render
        data = Path(font.ttffile).read_bytes()
        glyph_order = font.ttfont.getGlyphOrder()
        font.ttfont.close()
        # Read from memory (no file stays open) and table by table as a render needs one:
        # decompiling every table at once kept all of the CJK font's 21,000 outlines as
        # Python objects, some 40 MB that no render reads (they are cut from `source`).
        font.ttfont = TTFont(BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
        font.ttfont.setGlyphOrder(glyph_order)
        source = _GlyphSource(data, glyph_order)
        loaded[key] = _LoadedFont(template=font, source=source)
    return CertificateFonts(fonts=loaded)


def unsupported_characters(content: CertificateContent, fonts: CertificateFonts) -> str:
    """The characters of `content` that no font draws (they would print as empty boxes)."""
    texts = [
        content.heading,
        content.intro,
        content.holder,
        content.achievement,
        content.title,
        *content.details,
        content.programme,
        content.code_line,
        content.verify_caption,
        *(s.name for s in content.signatories),
        *(s.title for s in content.signatories),
    ]
    missing = {
        c
        for text in texts
        for c in text
        if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf") and not fonts.has_char(c)
    }
    return "".join(sorted(missing))


def drawable(text: str, fonts: CertificateFonts) -> str:
    """`text` as the page can print it: compatibility forms folded (full-width "Ｆｕｌｌ" is
    "Full"), what no font draws (emoji) left out rather than left as a gap, spaces single."""
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if ch.isspace() or fonts.has_char(ch) or _invisible(ch))
    return " ".join(kept.split())


def _invisible(char: str) -> bool:
    """Marks and format characters (joiners, direction marks) that shaping uses."""
    return unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf")


def render_certificate(content: CertificateContent, fonts: CertificateFonts) -> bytes:
    """One certificate as PDF bytes: one A4 landscape page, about 20-30 KB.

    Raises ValueError for more than three signatories or a logo that is no image.
    """
    if len(content.signatories) > 3:
        raise ValueError("a certificate has at most three signatories")
    with fonts.lock:
        pdf = _new_document(content, fonts)
        _Layout(pdf, content).draw()
        _prepare_fonts_for_output(pdf, fonts)
        return bytes(pdf.output())


# --- the document and its fonts ---------------------------------------------------------------


def _new_document(content: CertificateContent, fonts: CertificateFonts) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for key, loaded in fonts.fonts.items():
        pdf.fonts[key] = _fresh_copy(loaded.template)
    pdf.set_title(_one_line(content.heading))
    pdf.set_subject(_one_line(f"{content.holder} — {content.title}"))
    pdf.set_author(_one_line(content.programme))
    pdf.set_creator("webinar-bot")
    pdf.set_lang(content.language)
    pdf.add_page()
    return pdf


def _fresh_copy(template: TTFFont) -> TTFFont:
    """A font for one document: shares the parsed tables, has its own set of used glyphs."""
    font = copy.copy(template)
    font.desc = copy.copy(template.desc)  # fpdf2 numbers it and hangs the font file on it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


def _prepare_fonts_for_output(pdf: FPDF, fonts: CertificateFonts) -> None:
    """Keep only the fonts the page uses, each with a small TTFont of its own to subset.

    fpdf2 embeds every font it was given and subsets the font's TTFont in place, so the
    shared, parsed one must not reach it; and subsetting a whole font costs far more than
    cutting out the few glyphs used.
    """
    used: set[object] = set()  # fpdf2's record of the fonts each page's content selects
    for page in range(1, pdf.pages_count + 1):
        used |= pdf._resource_catalog.get_resources_per_page(page, PDFResourceType.FONT)
    for key in list(pdf.fonts):
        font = pdf.fonts[key]
        assert isinstance(font, TTFFont)
        if font.i not in used:
            del pdf.fonts[key]
            continue
        small = fonts.fonts[key].source.cut(font.subset.get_all_glyph_names())
        font.ttfont = TTFont(BytesIO(small), lazy=True, recalcBBoxes=False, recalcTimestamp=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- text measuring and wrapping --------------------------------------------------------------

Align = Literal["L", "C", "R"]
Direction = Literal["ltr", "rtl"]

_CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
# No line starts with these (closing punctuation, CJK and Latin).
_NO_LINE_START = set("，。、；：？！）》」』】〉〕…·,.;:?!)]}%")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Space after each block of the middle, in mm at full size.
_GAP_AFTER = {
    "heading": 7.0,
    "intro": 2.5,
    "holder": 2.5,
    "achievement": 2.0,
    "title": 4.0,
    "detail": 1.0,
    "programme": 0.0,
}


@dataclass(frozen=True)
class _Style:
    """How one block of text is set: its largest and smallest size, lines, weight."""

    max_pt: float
    min_pt: float
    max_lines: int
    bold: bool = False
    color: tuple[int, int, int] = INK
    leading: float = 1.3  # line height in font sizes
    one_line_pt: float = math.inf  # shrink to this size before breaking the text into lines
    wrap_pt: float = math.inf  # the largest size of a text broken into lines


@dataclass(frozen=True)
class _Block:
    lines: tuple[str, ...]
    size_pt: float
    style: _Style
    direction: Direction
    family: str  # the font; fpdf2 takes characters it lacks from the others
    text: str  # all of it, on one line
    width: float  # the width it was fitted to

    @property
    def line_h(self) -> float:
        return self.size_pt * PT * self.style.leading

    @property
    def height(self) -> float:
        return self.line_h * len(self.lines)


def _first_strong(text: str) -> Direction | None:
    """The direction of the first letter with one (Unicode's rule for an isolated run)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _smaller(size_pt: float) -> float:
    return size_pt - max(0.5, size_pt * 0.06)


def _break_points(text: str) -> list[int]:
    """Indexes where a line may end: after a space, or between two Chinese characters."""
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after in _NO_LINE_START:
            continue
        if before == " " or (after != " " and (_CJK.match(before) or _CJK.match(after))):
            points.append(i)
    return points


class _Layout:
    """Places every block of one certificate on its page."""

    def __init__(self, pdf: FPDF, content: CertificateContent) -> None:
        self.pdf = pdf
        self.content = content
        self.rtl = content.language in RTL_LANGUAGES
        self.primary = "naskh" if self.rtl else "cjk" if content.language == "zh" else "serif"
        # Characters the block's font lacks come from the others (fpdf2 picks per character).
        pdf.set_fallback_fonts(
            [self.primary, *(f for f in ("serif", "naskh", "cjk") if f != self.primary)],
            exact_match=False,
        )
        self.direction: Direction = "rtl" if self.rtl else "ltr"
        self._direction: Direction = self.direction
        self._widths: dict[tuple[str, float, Direction, str], float] = {}

    # -- fonts

    def _family_for(self, text: str) -> str:
        """The certificate's font for a text in the certificate's script; otherwise the font
        of the text's first letter (an English title on an Arabic certificate is set as on an
        English one; a Chinese name on a Russian one gets the Chinese font's weight)."""
        if self.primary == "naskh" and _ARABIC.search(text):
            return "naskh"
        if self.primary == "cjk" and _CJK.search(text):
            return "cjk"
        first = next((char for char in text if char.isalpha()), "")
        if _ARABIC.match(first):
            return "naskh"
        if _CJK.match(first):
            return "cjk"
        return "serif"

    def _set_font(self, style: _Style, size_pt: float, direction: Direction, family: str) -> None:
        has_bold = f"{family}B" in self.pdf.fonts
        self.pdf.set_font(family, "B" if style.bold and has_bold else "", size_pt)
        self.pdf.set_text_shaping(use_shaping_engine=True, direction=direction)
        self._direction = direction

    def _width(self, text: str) -> float:
        """The shaped width of `text` in the current font (remembered: fitting asks again)."""
        font = self.pdf.current_font
        key = (font.fontkey if font else "", self.pdf.font_size_pt, self._direction, text)
        if key not in self._widths:
            self._widths[key] = float(self.pdf.get_string_width(text))
        return self._widths[key]

    # -- fitting

    def fit(self, text: str, style: _Style, width: float, own_direction: bool = False) -> _Block:
        """The largest size at which `text` fits `width` in `style.max_lines` lines.

        A text that fits one line at `style.one_line_pt` or more stays on one line. Below the
        smallest size, the last line is cut with an ellipsis: nothing ever leaves its box.
        Lines are filled greedily here; `put` balances them (the height is the same).

        Every line is set in the certificate's direction, or with `own_direction` (a name, a
        title: data, maybe in another script) in the direction of the text's first letter.
        """
        text = _one_line(text)
        direction = (_first_strong(text) or self.direction) if own_direction else self.direction
        family = self._family_for(text)
        size = style.max_pt
        if style.one_line_pt < style.max_pt:
            while size >= style.one_line_pt:
                self._set_font(style, size, direction, family)
                if self._width(text) <= width:
                    return _Block((text,), size, style, direction, family, text, width)
                size = _smaller(size)
            size = min(style.wrap_pt, style.max_pt)
        while True:
            self._set_font(style, size, direction, family)
            spans = self._wrap(text, width)
            if len(spans) <= style.max_lines or size <= style.min_pt:
                break
            size = max(style.min_pt, _smaller(size))
        lines = [text[start:end].strip() for start, end in spans]
        if len(lines) > style.max_lines:
            rest = text[spans[style.max_lines - 1][0] :].strip()
            lines = [*lines[: style.max_lines - 1], self._cut(rest, width)]
        return _Block(tuple(lines), size, style, direction, family, text, width)

    def balanced(self, block: _Block) -> _Block:
        """`block` with its lines balanced, if it has several and none was cut."""
        if len(block.lines) < 2 or len(block.lines) > block.style.max_lines:
            return block
        if block.lines[-1].endswith("…") and not block.text.endswith("…"):
            return block
        self._set_font(block.style, block.size_pt, block.direction, block.family)
        spans = self._balance(block.text, self._wrap(block.text, block.width), block.width)
        lines = tuple(block.text[start:end].strip() for start, end in spans)
        return replace(block, lines=lines)

    def _wrap(self, text: str, width: float) -> list[tuple[int, int]]:
        """Greedy line breaking in logical order (each line is then reordered on its own):
        the spans of `text` that make its lines."""
        spans: list[tuple[int, int]] = []
        start = 0
        while start < len(text):
            rest = text[start:]
            if self._width(rest) <= width:
                spans.append((start, len(text)))
                break
            points = _break_points(rest)
            fitting, beyond = 0, len(points)  # prefixes get wider as they get longer
            while fitting < beyond:
                middle = (fitting + beyond) // 2
                if self._width(rest[: points[middle]].rstrip()) <= width:
                    fitting = middle + 1
                else:
                    beyond = middle
            end = points[fitting - 1] if fitting else 0
            if not end:  # one word longer than the line: break inside it
                end = self._longest_prefix(rest, width)
            spans.append((start, start + end))
            start += end
            while start < len(text) and text[start] == " ":
                start += 1
        return spans or [(0, 0)]

    def _balance(
        self, text: str, spans: list[tuple[int, int]], width: float
    ) -> list[tuple[int, int]]:
        """The same number of lines, of even lengths: about the narrowest width that keeps
        them (a title of two lines reads as two halves, not a line and a word)."""
        count = len(spans)
        points = set(_break_points(text)) | {len(text)}
        low, high = self._width(text) / count, width
        for _ in range(4):
            middle = (low + high) / 2
            balanced = self._wrap(text, middle)
            if len(balanced) == count and all(end in points for _, end in balanced):
                high, spans = middle, balanced
            else:
                low = middle
        return spans

    def _longest_prefix(self, text: str, width: float) -> int:
        low, high = 1, len(text)
        while low < high:
            mid = (low + high + 1) // 2
            if self._width(text[:mid]) <= width:
                low = mid
            else:
                high = mid - 1
        return low

    def _cut(self, text: str, width: float) -> str:
        if self._width(text) <= width:
            return text
        end = self._longest_prefix(text + "…", width)
        return text[: max(1, end - 1)].rstrip() + "…"

    # -- drawing

    def put(
        self, block: _Block, y: float, x: float = MARGIN, w: float = 0.0, align: Align = "C"
    ) -> None:
        """Draw `block`, lines balanced, its first line's top at `y` in the box from `x`,
        `w` wide."""
        w = w or PAGE_W - 2 * MARGIN
        block = self.balanced(block)
        self._set_font(block.style, block.size_pt, block.direction, block.family)
        self.pdf.set_text_color(*block.style.color)
        fake_bold = block.style.bold and f"{block.family}B" not in self.pdf.fonts
        if fake_bold:  # Chinese has no bold file: stroke the outline
            self.pdf.text_mode = TextMode.FILL_STROKE
            self.pdf.set_draw_color(*block.style.color)
            self.pdf.set_line_width(block.size_pt * 0.012)
        for i, line in enumerate(block.lines):
            self.pdf.set_xy(x, y + i * block.line_h)
            self.pdf.cell(w, block.line_h, line, align=align, new_x=XPos.LEFT, new_y=YPos.TOP)
        if fake_bold:
            self.pdf.text_mode = TextMode.FILL

    def draw(self) -> None:
        c = self.content
        pdf = self.pdf
        self._frame()
        full = PAGE_W - 2 * MARGIN

        # Bottom band: signatories above, code and QR code below.
        qr_size = 26.0
        qr_y = PAGE_H - 18.0 - qr_size - 6.0
        sig_top = qr_y - 14.0 if c.signatories else qr_y + 2.0
        self._bottom(qr_size, qr_y)
        if c.signatories:
            self._signatories(sig_top)

        # The middle: logo, heading ... programme, centred between the top and the signatures.
        top = MARGIN - 6.0
        logo_h = 20.0 if c.logo else 0.0
        space = sig_top - 8.0 - top - (logo_h + 4.0 if c.logo else 0.0)
        scale = 1.0
        while True:  # shrink everything together until the middle fits its space
            blocks = self._middle_blocks(full, scale)
            gaps = [_GAP_AFTER[kind] * scale for _, kind in blocks[:-1]] + [0.0]
            content_h = sum(b.height for b, _ in blocks) + sum(gaps)
            if content_h <= space or scale < 0.4:
                break
            scale *= 0.92
        y = top
        if c.logo:
            self._logo(c.logo, y, logo_h)
            y += logo_h + 4.0
        y += max(0.0, (space - content_h) / 2)
        for (block, kind), gap in zip(blocks, gaps, strict=True):
            self.put(block, y)
            y += block.height
            if kind == "heading":  # a short gold rule under the heading
                pdf.set_draw_color(*GOLD)
                pdf.set_line_width(0.5)
                pdf.line(PAGE_W / 2 - 20, y + gap / 2, PAGE_W / 2 + 20, y + gap / 2)
            y += gap

    def _middle_blocks(self, width: float, scale: float) -> list[tuple[_Block, str]]:
        c = self.content

        def s(
            max_pt: float,
            min_pt: float,
            lines: int,
            color: tuple[int, int, int],
            bold: bool = False,
        ) -> _Style:
            return _Style(max_pt * scale, min(min_pt, max_pt * scale), lines, bold, color)

        holder_style = replace(
            s(34, 16, 2, NAVY, bold=True), one_line_pt=24 * scale, wrap_pt=27 * scale
        )
        blocks = [
            (self.fit(c.heading, s(30, 16, 2, NAVY, bold=True), width), "heading"),
            (self.fit(c.intro, s(14, 9, 2, MUTED), width), "intro"),
            (self.fit(c.holder, holder_style, width - 20, True), "holder"),
            (self.fit(c.achievement, s(14, 9, 2, MUTED), width), "achievement"),
            (self.fit(c.title, s(21, 11, 3, INK, bold=True), width - 20, True), "title"),
        ]
        for detail in c.details:  # a line each: no separator reads the same in every script
            if detail.strip():
                blocks.append((self.fit(detail, s(12, 8, 2, MUTED), width), "detail"))
        if c.programme.strip():
            blocks.append((self.fit(c.programme, s(13, 8, 2, NAVY), width, True), "programme"))
        return blocks

    def _frame(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(1.2)
        pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
        pdf.set_draw_color(*GOLD)
        pdf.set_line_width(0.4)
        pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)

    def _logo(self, data: bytes, y: float, max_h: float) -> None:
        try:
            with Image.open(BytesIO(data)) as image:
                px_w, px_h = image.size
        except OSError as error:
            raise ValueError("the logo is not an image (PNG or JPEG)") from error
        max_w = 70.0
        h = max_h
        w = h * px_w / px_h
        if w > max_w:
            w, h = max_w, max_w * px_h / px_w
        self.pdf.image(BytesIO(data), x=(PAGE_W - w) / 2, y=y + (max_h - h) / 2, w=w, h=h)

    def _signatories(self, top: float) -> None:
        sigs = list(self.content.signatories)
        if self.rtl:
            sigs.reverse()  # the first signatory reads first, on the right
        band_w = PAGE_W - 2 * MARGIN - 2 * 36.0
        col_w = band_w / 3
        x0 = PAGE_W / 2 - col_w * len(sigs) / 2
        for i, sig in enumerate(sigs):
            x = x0 + i * col_w
            self.pdf.set_draw_color(*INK)
            self.pdf.set_line_width(0.3)
            self.pdf.line(x + 6, top, x + col_w - 6, top)
            name = self.fit(sig.name, _Style(11, 7, 2, bold=True, color=INK), col_w - 6, True)
            self.put(name, top + 1.5, x, col_w)
            title = self.fit(sig.title, _Style(9, 6, 2, color=MUTED), col_w - 6, True)
            self.put(title, top + 1.5 + name.height, x, col_w)

    def _bottom(self, qr_size: float, qr_y: float) -> None:
        c = self.content
        qr_x = MARGIN if self.rtl else PAGE_W - MARGIN - qr_size
        _draw_qr(self.pdf, c.verify_url, qr_x, qr_y, qr_size)
        cap_w = qr_size + 16.0
        caption = self.fit(c.verify_caption, _Style(7.5, 5.5, 2, color=MUTED), cap_w)
        cap_x = qr_x + qr_size / 2 - cap_w / 2
        cap_x = min(max(cap_x, MARGIN - 8.0), PAGE_W - MARGIN + 8.0 - cap_w)
        self.put(caption, qr_y + qr_size + 1.0, cap_x, cap_w)
        code_w = 110.0
        code = self.fit(c.code_line, _Style(10, 7, 2, color=INK), code_w)
        code_x = PAGE_W - MARGIN - code_w if self.rtl else MARGIN
        self.put(code, qr_y + qr_size - code.height, code_x, code_w, "R" if self.rtl else "L")


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (a run of dark modules is one rectangle)."""
    qr = segno.make_qr(url, error="m")
    rows = [list(row) for row in qr.matrix]
    n = len(rows)
    quiet = 4  # modules of white around it, as the standard asks
    module = size / (n + 2 * quiet)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        for start, end in _dark_runs(row):
            pdf.rect(
                x + (quiet + start) * module,
                y + (quiet + r) * module,
                (end - start) * module,
                module,
                style="F",
            )


def _dark_runs(row: Sequence[int]) -> Iterator[tuple[int, int]]:
    start = None
    for i, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i
            start = None


# --- cutting small TrueType fonts -------------------------------------------------------------

_COMPOSITE_ARGS_ARE_WORDS = 0x0001
_COMPOSITE_SCALE = 0x0008
_COMPOSITE_MORE = 0x0020
_COMPOSITE_XY_SCALE = 0x0040
_COMPOSITE_2X2 = 0x0080
# A cmap with one format 4 subtable mapping nothing: a PDF finds glyphs through its own maps.
_EMPTY_CMAP = (
    struct.pack(">HHHHI", 0, 1, 3, 1, 12)
    + struct.pack(">HHHHHHHHHHH", 4, 24, 0, 2, 2, 0, 0, 0xFFFF, 0, 0xFFFF, 1)
    + struct.pack(">H", 0)
)


class _GlyphSource:
    """The raw tables of one TrueType font, to cut fonts of a few glyphs from.

    The cut font keeps the glyphs' outlines, advances and names (post format 2), renumbered
    from 0; fpdf2 then subsets it with fontTools as it would the whole font, in a few
    milliseconds instead of tens.
    """

    def __init__(self, data: bytes, glyph_order: Sequence[str]) -> None:
        tables = _table_directory(data)
        self.head = bytes(tables["head"])
        self.hhea = bytes(tables["hhea"])
        self.maxp = bytes(tables["maxp"])
        self.os2 = bytes(tables["OS/2"])
        self.name = bytes(tables["name"])
        self.post_header = bytes(tables["post"][4:32])
        self.glyf = tables["glyf"]  # a view of `data`: the outlines are not copied
        count = struct.unpack_from(">H", self.maxp, 4)[0]
        if len(glyph_order) != count:
            raise ValueError("glyph order and maxp disagree")
        loca = tables["loca"]
        if struct.unpack_from(">h", self.head, 50)[0]:
            self.offsets: Sequence[int] = struct.unpack_from(f">{count + 1}I", loca)
        else:
            self.offsets = [2 * o for o in struct.unpack_from(f">{count + 1}H", loca)]
        hmtx = tables["hmtx"]
        metrics = struct.unpack_from(">H", self.hhea, 34)[0]
        pairs = struct.unpack_from(f">{2 * metrics}h", hmtx)
        self.advances = [a & 0xFFFF for a in pairs[0::2]] + [pairs[-2] & 0xFFFF] * (count - metrics)
        self.lsbs = list(pairs[1::2]) + list(
            struct.unpack_from(f">{count - metrics}h", hmtx, 4 * metrics)
        )
        self.names = list(glyph_order)
        self.index = {name: gid for gid, name in enumerate(self.names)}

    def glyph(self, gid: int) -> memoryview:
        return self.glyf[self.offsets[gid] : self.offsets[gid + 1]]

    def cut(self, glyph_names: Sequence[str]) -> bytes:
        """A TrueType font of .notdef, the glyphs named and the parts of composite ones."""
        keep: set[int] = set()
        todo = [0, *(self.index[name] for name in glyph_names)]
        while todo:
            gid = todo.pop()
            if gid not in keep:
                keep.add(gid)
                todo.extend(part for _, part in _components(self.glyph(gid)))
        order = sorted(keep)
        renumber = {old: new for new, old in enumerate(order)}
        glyf = bytearray()
        loca = [0]
        for gid in order:
            data = bytearray(self.glyph(gid))
            for at, part in _components(data):
                struct.pack_into(">H", data, at, renumber[part])
            glyf += data + b"\0" * (-len(data) % 4)
            loca.append(len(glyf))
        n = len(order)
        head = bytearray(self.head)
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment: fontTools sets it on saving
        struct.pack_into(">h", head, 50, 1)  # long loca offsets
        hhea = bytearray(self.hhea)
        struct.pack_into(">H", hhea, 34, n)
        maxp = bytearray(self.maxp)
        struct.pack_into(">H", maxp, 4, n)
        hmtx = struct.pack(
            f">{2 * n}h",
            *(v for gid in order for v in (_signed(self.advances[gid]), self.lsbs[gid])),
        )
        names = [self.names[gid].encode("ascii") for gid in order]
        post = (
            struct.pack(">I", 0x00020000)
            + self.post_header
            + struct.pack(f">H{n}H", n, *(258 + i for i in range(n)))
            + b"".join(bytes([len(name)]) + name for name in names)
        )
        return _sfnt(
            {
                "OS/2": self.os2,
                "cmap": _EMPTY_CMAP,
                "glyf": bytes(glyf),
                "head": bytes(head),
                "hhea": bytes(hhea),
                "hmtx": hmtx,
                "loca": struct.pack(f">{n + 1}I", *loca),
                "maxp": bytes(maxp),
                "name": self.name,
                "post": post,
            }
        )


def _signed(value: int) -> int:
    return value - 0x10000 if value >= 0x8000 else value


def _components(glyph: bytes | bytearray | memoryview) -> list[tuple[int, int]]:
    """The parts of a composite glyph: (offset of the part's glyph id, glyph id)."""
    if len(glyph) < 10 or struct.unpack_from(">h", glyph, 0)[0] >= 0:
        return []
    parts = []
    pos = 10
    while True:
        flags, gid = struct.unpack_from(">HH", glyph, pos)
        parts.append((pos + 2, gid))
        pos += 4 + (4 if flags & _COMPOSITE_ARGS_ARE_WORDS else 2)
        if flags & _COMPOSITE_SCALE:
            pos += 2
        elif flags & _COMPOSITE_XY_SCALE:
            pos += 4
        elif flags & _COMPOSITE_2X2:
            pos += 8
        if not flags & _COMPOSITE_MORE:
            return parts


def _table_directory(data: bytes) -> dict[str, memoryview]:
    """The font's tables, as views of `data` (a CJK font's outlines are 10 MB)."""
    if data[:4] != b"\0\1\0\0":
        raise ValueError("not a TrueType-flavoured font")
    count = struct.unpack_from(">H", data, 4)[0]
    whole = memoryview(data)
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag.decode("latin-1")] = whole[offset : offset + length]
    return tables


def _sfnt(tables: dict[str, bytes]) -> bytes:
    """Assemble an OpenType file from its tables."""
    tags = sorted(tables)
    count = len(tags)
    selector = count.bit_length() - 1
    search = 16 << selector
    out = [struct.pack(">IHHHH", 0x00010000, count, search, selector, 16 * count - search)]
    body = []
    offset = 12 + 16 * count
    for tag in tags:
        data = tables[tag] + b"\0" * (-len(tables[tag]) % 4)
        checksum = sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF
        out.append(struct.pack(">4sIII", tag.encode("latin-1"), checksum, offset, len(tables[tag])))
        body.append(data)
        offset += len(data)
    return b"".join(out + body)
