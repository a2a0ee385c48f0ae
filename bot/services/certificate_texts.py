"""What a certificate prints, in the holder's language: the texts `certificate_pdf` lays out.

The paper says what the record says (name, dates, sessions and hours as issued), so printing
it again later, or in another language, gives the same facts.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_interval

from bot.certificate_content import CertificateContent, Signatory
from bot.config import CertificateSettings
from bot.i18n import Translator
from bot.models import Certificate
from bot.services.certificate_codes import verify_parameter
from bot.services.certificates import Subject

_MONTH_ABBREVIATED = re.compile(r"(?<![ML])([ML])\1\1(?![ML])")  # MMM or LLL, not MMMM


def verify_link(bot_username: str, code: str) -> str:
    """The deep link anyone can open to check a certificate (its QR code)."""
    return f"https://t.me/{bot_username}?start={verify_parameter(code)}"


def dates_text(t: Translator, certificate: Certificate, zone: str) -> str:
    """ "1–22 March 2027", or one date for a single day, in the holder's zone."""
    tz = ZoneInfo(zone)
    first, last = certificate.first_day.astimezone(tz), certificate.last_day.astimezone(tz)
    if first.date() == last.date():
        return t.date(first, zone, "long")
    return long_interval(first, last, t.locale)


def long_interval(first: datetime, last: datetime, locale: Locale) -> str:
    """Two dates as the language writes a span, months written out as in its long dates
    ("March 1–22, 2027", "1—22 марта 2027 г."): CLDR has long spans for few languages, and
    babel then falls back to abbreviated months ("Mar 1 – 22, 2027"), too terse for a
    certificate."""
    spans = locale.interval_formats
    if "yMMMMd" in spans:
        return str(format_interval(first, last, "yMMMMd", locale=locale))
    field = "y" if first.year != last.year else "M" if first.month != last.month else "d"
    halves = spans.get("yMMMd", {}).get(field)
    if not halves:
        return str(format_interval(first, last, "yMMMd", locale=locale))
    if "MMMM" in str(locale.date_formats["long"].pattern):  # not Chinese: 2027年3月1日
        halves = [_MONTH_ABBREVIATED.sub("MMMM", half) for half in halves]
    return format_datetime(first, halves[0], locale=locale) + format_datetime(
        last, halves[1], locale=locale
    )


def certificate_content(
    t: Translator,
    certificate: Certificate,
    subject: Subject,
    zone: str,
    settings: CertificateSettings,
    bot_username: str,
) -> CertificateContent:
    is_course = subject.course is not None
    if is_course:
        amount = t.ngettext(
            "{count} session attended, {duration} in all",
            "{count} sessions attended, {duration} in all",
            certificate.sessions,
            duration=t.duration(certificate.minutes),
        )
    else:
        amount = t._("Duration: {duration}", duration=t.duration(certificate.minutes))
    return CertificateContent(
        language=t.language,
        heading=t._("Certificate of completion") if is_course else t._("Certificate of attendance"),
        intro=t._("This certifies that"),
        holder=certificate.holder_name,
        achievement=(
            t._("completed the training course") if is_course else t._("attended the session")
        ),
        title=subject.title_in(t.language),
        details=(dates_text(t, certificate, zone), amount),
        programme=settings.programme or t._("City-to-city cooperation programme"),
        signatories=tuple(Signatory(name, title) for name, title in settings.signatories),
        code_line=t._("Certificate {code}", code=certificate.code),
        verify_caption=t._("Scan to check this certificate"),
        verify_url=verify_link(bot_username, certificate.code),
        logo=settings.logo,
    )
