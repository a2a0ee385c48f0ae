"""Certificates as PDF files, for the chat, the delivery engine and the command line alike.

The fonts are parsed once per process, on first use: half a second and some 60 MB that a bot
which never prints a certificate does not spend. Rendering is CPU-bound (60-80 ms a page), so
the event loop hands it to a thread (`paper_off_loop`); renders take turns on the fonts' lock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import CertificateSettings
from bot.i18n import Translator
from bot.models import Certificate, Event
from bot.services.certificate_texts import certificate_content
from bot.services.certificates import Subject

if TYPE_CHECKING:  # the renderer is imported when the first certificate is drawn
    from bot.certificate_pdf import CertificateFonts

# The code a preview prints: Crockford's alphabet never issues it (no "U"), so a sample can
# never pass for a real certificate when someone checks it.
SAMPLE_CODE = "SAMP-LEUU"


def _load_fonts() -> CertificateFonts:
    from bot.certificate_pdf import load_fonts

    return load_fonts()


class SharedFonts:
    """The certificate fonts of this process, parsed when first needed."""

    def __init__(self, load: Callable[[], CertificateFonts] = _load_fonts) -> None:
        self._load = load
        self._fonts: CertificateFonts | None = None
        self._lock = threading.Lock()

    def get(self) -> CertificateFonts:
        with self._lock:
            if self._fonts is None:
                self._fonts = self._load()
            return self._fonts


def file_name(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


class CertificatePrinter:
    def __init__(self, settings: CertificateSettings, fonts: SharedFonts) -> None:
        self._settings = settings
        self._fonts = fonts

    def paper(
        self,
        t: Translator,
        certificate: Certificate,
        subject: Subject,
        zone: str,
        bot_username: str,
    ) -> tuple[str, bytes]:
        """The certificate as a file (name, PDF bytes), in `t`'s language and `zone`'s dates."""
        from bot.certificate_pdf import drawable, render_certificate  # fpdf2: once one is drawn

        fonts = self._fonts.get()
        content = certificate_content(
            t, certificate, subject, zone, self._settings, bot_username.lstrip("@")
        )
        content = replace(
            content, holder=drawable(content.holder, fonts), title=drawable(content.title, fonts)
        )
        return file_name(certificate), render_certificate(content, fonts)

    async def paper_off_loop(
        self,
        t: Translator,
        certificate: Certificate,
        subject: Subject,
        zone: str,
        bot_username: str,
    ) -> tuple[str, bytes]:
        return await asyncio.to_thread(self.paper, t, certificate, subject, zone, bot_username)


def sample_certificate(
    subject: Subject, sessions: list[Event], holder: str, now: datetime
) -> Certificate:
    """What a certificate of `subject` would print for someone who attended all of
    `sessions`: an organizer's preview, under a code that verifies nothing."""
    course_id, event_id = subject.ids
    return Certificate(
        certificate_id=0,
        code=SAMPLE_CODE,
        user_id=None,
        course_id=course_id,
        event_id=event_id,
        holder_name=holder,
        first_day=min((event.starts_at for event in sessions), default=now),
        last_day=max((event.ends_at for event in sessions), default=now),
        minutes=sum(event.duration_minutes for event in sessions),
        sessions=len(sessions),
        issued_at=now,
    )
