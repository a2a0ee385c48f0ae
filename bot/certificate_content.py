"""What a certificate prints, as plain data: what the services fill in and `certificate_pdf`
lays out.

Kept apart from the renderer so that reading or filling it costs nothing: fpdf2 and its
imports (numpy, cryptography, fontTools) take some 57 MB of a process, which a bot pays only
when it draws its first certificate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed, already translated into `language` and formatted."""

    language: str  # "en" "fr" "es" "ar" "zh" "ru"
    heading: str  # e.g. "Certificate of completion"
    intro: str  # e.g. "This certifies that"
    holder: str  # the person's name as they gave it
    achievement: str  # e.g. "completed the training course"
    title: str  # course or session title
    details: tuple[str, ...]  # e.g. ("1–22 March 2027", "4 sessions, 6 hours in all")
    programme: str  # programme name
    signatories: tuple[Signatory, ...]  # 0 to 3
    code_line: str  # e.g. "Certificate 7KQ2-M9XD" (already filled)
    verify_caption: str  # e.g. "Scan to check this certificate"
    verify_url: str  # encoded in the QR code
    logo: bytes | None = None  # PNG or JPEG
