"""Checking a certificate: the deep link of its QR code (`/start verify-<code>`), opened by
anyone (an employer, a partner) in their own language. It shows what the certificate says and
whether it stands; one withdrawn at its holder's request says only that."""

from __future__ import annotations

import unicodedata

from bot.i18n import Translator
from bot.services.certificate_codes import code_of_parameter, verification_request
from bot.services.certificate_printing import SAMPLE_CODE
from bot.services.certificate_texts import dates_text
from bot.services.certificates import Verification
from handlers.context import BotContext
from handlers.html import bold, plain, user_text
from handlers.ui import send


def is_verification(parameter: str) -> bool:
    return verification_request(parameter) is not None


def is_sample(typed: str) -> bool:
    """The code a sample certificate prints (its QR code's, or as typed)."""
    requested = verification_request(typed)
    return _plain(requested if requested is not None else typed) == _plain(SAMPLE_CODE)


def _plain(code: str) -> str:
    return "".join(unicodedata.normalize("NFKC", code).split()).replace("-", "").upper()


async def show_verification(context: BotContext, parameter: str) -> None:
    viewer = context.viewer
    t = viewer.t
    if is_sample(parameter):
        await send(
            context,
            t._(
                "This is the code printed on sample certificates: it belongs to no "
                "certificate, so there is nothing to check."
            ),
        )
        return
    code = code_of_parameter(parameter)
    found = await context.services.certificates.verify(code) if code else None
    if found is None:
        # As printed when that is what was typed (any case, with or without the dash), else
        # as typed: a word read with look-alikes folded ("nonexist" → N0NE-X1ST) would show
        # a code nobody wrote.
        typed = verification_request(parameter) or ""
        as_printed = code is not None and code.replace("-", "") == _plain(typed)
        shown = code if code is not None and as_printed else user_text(typed[:20])
        await send(
            context,
            "❌ "
            + t._(
                "No certificate has the code {code}. Check the code printed on the "
                "certificate, or scan its QR code again.",
                code=shown,
            ),
        )
        return
    await send(context, verification_text(t, found, viewer.timezone))


def verification_text(t: Translator, found: Verification, zone: str) -> str:
    certificate = found.certificate
    if certificate.withdrawn_at is not None:
        return t._("This certificate was withdrawn.")
    if certificate.revoked_at is not None:
        status = "❌ " + t._(
            "This certificate was revoked on {date}: it is no longer valid.",
            date=t.date(certificate.revoked_at, zone, "long"),
        )
    else:
        status = "✅ " + t._("This certificate is valid.")
    lines = [bold(status), "", t._("Holder: {name}", name=user_text(certificate.holder_name))]
    subject = found.subject
    if subject is not None:
        title = plain(subject.title_in(t.language))
        if subject.course is not None:
            lines.append(t._("Training course: {title}", title=title))
        else:
            lines.append(t._("Session: {title}", title=title))
    lines += [
        t._("Dates: {dates}", dates=dates_text(t, certificate, zone)),
        t._("Issued on {date}", date=t.date(certificate.issued_at, zone, "long")),
        t._("Code: {code}", code=certificate.code),
    ]
    return "\n".join(lines)
