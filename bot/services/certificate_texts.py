"""What a certificate prints, in the holder's language: the texts `certificate_pdf` lays out.

The paper says what the record says (name, dates, sessions and hours as issued), so printing
it again later, or in another language, gives the same facts.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_interval

from bot.certificate_content import CertificateContent, Signatory
from bot.config import CertificateSettings
from bot.i18n import Translator
from bot.models import Certificate
from bot.services.certificate_codes import verify_parameter
from bot.services.certificates import Subject


def verify_link(bot_username: str, code: str) -> str:
    """The deep link anyone can open to check a certificate (its QR code)."""
    return f"https://t.me/{bot_username}?start={verify_parameter(code)}"


def dates_text(t: Translator, certificate: Certificate, zone: str) -> str:
    """ "1–22 March 2027", or one date for a single day, in the holder's zone."""
    tz = ZoneInfo(zone)
    first, last = certificate.first_day.astimezone(tz), certificate.last_day.astimezone(tz)
    if first.date() == last.date():
        return t.date(first, zone, "long")
    return str(format_interval(first, last, "yMMMMd", locale=t.locale))


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
