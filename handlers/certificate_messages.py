"""What the bot says with a certificate, or before the first one: the same words whether it
comes by itself (the delivery engine, when it was issued) or when asked for (/certificates)."""

from __future__ import annotations

from bot.i18n import Translator
from bot.models import Certificate, User
from bot.services.certificates import Subject
from handlers.buttons import NameOnCertificate
from handlers.html import bold, user_text
from handlers.ui import Rows


def certificate_caption(
    t: Translator, certificate: Certificate, subject: Subject, news: bool
) -> str:
    """The PDF's caption. `news`: it was just issued (congratulations), else asked for again."""
    title = bold(subject.title_in(t.language))
    if not news:
        first = t._("Your certificate for “{title}”.", title=title)
    elif subject.course is not None:
        first = "🎓 " + t._(
            "Congratulations: you completed the training course “{title}”. Here is your "
            "certificate.",
            title=title,
        )
    else:
        first = "🎓 " + t._(
            "Thank you for attending “{title}”. Here is your certificate of attendance.",
            title=title,
        )
    check = t._(
        "Anyone can check it by scanning its QR code, or with its code {code}.",
        code=certificate.code,
    )
    return f"{first}\n{check}"


def needs_name_check(user: User) -> bool:
    """The name printed on certificates is confirmed once, before the first one."""
    return user.certificate_name is None


def name_question(
    t: Translator, user: User, certificate: Certificate, subject: Subject
) -> tuple[str, Rows]:
    """Before the first certificate: is the name it prints spelled right?"""
    text = "\n\n".join(
        (
            t._(
                "Your certificate for “{title}” is ready.",
                title=bold(subject.title_in(t.language)),
            ),
            t._("Your certificate prints your name like this:"),
            f"<b>{user_text(certificate.holder_name or user.printed_name)}</b>",
            t._(
                "Is it written exactly as it should appear on a certificate? Your "
                "certificates will print your name as you confirm it now."
            ),
        )
    )
    rows: Rows = (
        ((t._("Yes, send my certificate"), NameOnCertificate(certificate.certificate_id, "ok")),),
        ((t._("Correct the spelling"), NameOnCertificate(certificate.certificate_id, "fix")),),
    )
    return text, rows
