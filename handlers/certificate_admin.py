"""/certificates for organizers: a course's or event's certificates, one certificate, and
what they do with them.

- `/certificates CODE`: where they stand (issued, revoked, earned and not issued yet), with
  buttons to issue the pending ones (a count before Confirm), a sample PDF and the holders'
  list as CSV; `/certificates CODE preview` and `/certificates CODE holders` do the same.
- `/certificates CODE issue @username|user id REASON`: issue one by hand, the reason kept in
  the audit log.
- `/certificates XXXX-XXXX`: one certificate, with Revoke (asks first) and Send again.

A course's certificates are for organizers of the whole programme; an event's, for its
organizers too.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import Application

from bot.models import Certificate
from bot.services.certificate_codes import read_code
from bot.services.certificate_printing import sample_certificate
from bot.services.certificates import Overview, Subject
from bot.services.event_fields import CODE_PATTERN
from handlers.buttons import (
    CertificateHolders,
    CertificateSample,
    ConfirmIssuePending,
    ConfirmRevokeCertificate,
    IssuePending,
    KeepPendingCertificates,
    RevokeCertificate,
    SendCertificateAgain,
    ShowCertificate,
    SubjectKind,
)
from handlers.context import BotContext
from handlers.course_views import rule_text
from handlers.html import bold, plain, user_text
from handlers.presses import on_press
from handlers.ui import Button, answer, edit, no_longer_active, send, send_with_file
from handlers.wizards import GROUP_GENERAL

LATEST = 10  # certificates listed in the overview; the CSV has them all
MAX_REASON = 500


def _kind(subject: Subject) -> tuple[SubjectKind, int]:
    course_id, event_id = subject.ids
    if course_id is not None:
        return "c", course_id
    assert event_id is not None
    return "e", event_id


def _may_manage(context: BotContext, subject: Subject | None) -> bool:
    role = context.viewer.role
    if subject is None or not role.is_organizer:
        return False
    if subject.course is not None:
        return role.whole_programme
    return subject.event is not None and role.can_manage(subject.event.event_id)


async def _subject(context: BotContext, kind: SubjectKind, subject_id: int) -> Subject | None:
    found = await context.services.certificates.subject_by_id(
        subject_id if kind == "c" else None, subject_id if kind == "e" else None
    )
    return found if _may_manage(context, found) else None


async def handle(update: Update, context: BotContext, args: list[str]) -> bool:
    """An organizer's `/certificates …`; False when the first word names nothing of theirs
    (it may be a certificate code anyone can check)."""
    services = context.services
    first = args[0]
    subject = await services.certificates.subject(first) if CODE_PATTERN.match(first) else None
    if subject is not None and subject.event is not None and subject.event.course_id is not None:
        # A course's session gives the course's certificate, not one of its own.
        subject = await services.certificates.subject_by_id(subject.event.course_id, None)
    if subject is not None:
        if not _may_manage(context, subject):
            await send(
                context, context.viewer.t._("Sorry, you do not organize this course or event.")
            )
            return True
        action = args[1].lower() if len(args) > 1 else ""
        if action == "preview":
            await _send_sample(context, subject)
        elif action == "holders":
            await _send_holders(context, subject)
        elif action == "issue":
            await _issue_by_hand(context, subject, args[2:])
        else:
            await _show_overview(context, subject)
        return True
    code = read_code(" ".join(args))
    found = await services.certificates.found(code) if code else None
    if found is not None and _may_manage(context, found[1]):
        await _show_one(context, *found)
        return True
    return False


async def unknown(context: BotContext, code: str) -> None:
    t = context.viewer.t
    await send(
        context,
        t._(
            "There is no course, event or certificate with the code {code}. Send "
            "/certificates CODE with the code of a course or an event.",
            code=user_text(code[:64]),
        ),
    )


def _what(context: BotContext, subject: Subject) -> str:
    t = context.viewer.t
    title = bold(subject.title_in(t.language))
    if subject.course is not None:
        return t._("Training course {code}: {title}", code=plain(subject.code), title=title)
    return t._("Event {code}: {title}", code=plain(subject.code), title=title)


def _overview_text(context: BotContext, overview: Overview) -> str:
    t = context.viewer.t
    subject = overview.subject
    lines = [bold(t._("Certificates")), _what(context, subject)]
    if subject.course is not None:
        lines.append(rule_text(t, subject.course, len(overview.sessions), certificate=False))
    else:
        lines.append(t._("Given to those marked present."))
    if overview.by_rule:
        lines.append(
            t._("Issued automatically: when a session ends, those who earned one get it in chat.")
        )
    else:
        lines.append(
            t._(
                "Not issued automatically: turn certificates on (in the programme file, or "
                "with /editcourse for a course), or issue them here."
            )
        )
    lines += [
        "",
        t._(
            "Valid: {valid} · revoked: {revoked} · earned, not issued yet: {pending}",
            valid=len(overview.standing),
            revoked=overview.revoked,
            pending=overview.pending,
        ),
    ]
    latest = overview.standing[-LATEST:]
    if latest:
        lines.append("")
        zone = context.viewer.timezone
        for paper in reversed(latest):
            date = t.date(paper.issued_at, zone, "medium")
            lines.append(f"{paper.code} · {user_text(paper.holder_name)} · {date}")
    lines += [
        "",
        t._("One certificate (to revoke it or send it again): /certificates XXXX-XXXX"),
        t._(
            "Issue one by hand: /certificates {code} issue @username or user id, and the reason",
            code=plain(subject.code),
        ),
    ]
    return "\n".join(lines)


def _overview_buttons(context: BotContext, overview: Overview) -> list[list[Button]]:
    t = context.viewer.t
    kind, subject_id = _kind(overview.subject)
    rows: list[list[Button]] = []
    if overview.pending:
        label = t.ngettext(
            "Issue {count} certificate", "Issue {count} certificates", overview.pending
        )
        rows.append([(label, IssuePending(kind, subject_id))])
    rows.append(
        [
            (t._("Sample PDF"), CertificateSample(kind, subject_id)),
            (t._("Holders (CSV)"), CertificateHolders(kind, subject_id)),
        ]
    )
    return rows


async def _show_overview(context: BotContext, subject: Subject) -> None:
    overview = await context.services.certificates.overview(subject)
    await send(context, _overview_text(context, overview), _overview_buttons(context, overview))


async def _send_sample(context: BotContext, subject: Subject) -> None:
    viewer = context.viewer
    t = viewer.t
    overview = await context.services.certificates.overview(subject)
    paper = sample_certificate(subject, overview.sessions, viewer.user.printed_name, context.now())
    _, data = await context.services.printer.paper_off_loop(
        t, paper, subject, viewer.timezone, context.bot.username
    )
    caption = t._(
        "A sample of the certificate of “{title}”, with your name and every session. Its "
        "code is not a real one: checking it finds nothing.",
        title=plain(subject.title_in(t.language)),
    )
    await send_with_file(
        context.bot, viewer.user_id, t.directed(caption), (f"sample-{subject.code}.pdf", data)
    )


async def _send_holders(context: BotContext, subject: Subject) -> None:
    t = context.viewer.t
    out = io.StringIO()
    rows = await context.services.certificates.write_holders(subject, out)
    caption = t.ngettext("{count} certificate", "{count} certificates", rows)
    await context.bot.send_document(
        chat_id=context.viewer.user_id,
        document=out.getvalue().encode("utf-8"),
        filename=f"certificates-{subject.code}.csv",
        caption=t.directed(caption),
    )


async def _issue_by_hand(context: BotContext, subject: Subject, words: list[str]) -> None:
    t = context.viewer.t
    usage = t._(
        "Name the person and say why: /certificates {code} issue @username or user id, and "
        "the reason (for example: attended by phone).",
        code=plain(subject.code),
    )
    if len(words) < 2:
        await send(context, usage)
        return
    person = await context.services.organizers.person(words[0])
    reason = " ".join(" ".join(words[1:]).split())[:MAX_REASON]
    if person is None or person.name is None:
        await send(
            context,
            t._(
                "I do not know {who}: they must have written to me first.",
                who=user_text(words[0][:64]),
            ),
        )
        return
    issued = await context.services.certificates.issue(
        subject, [person.user_id], context.viewer.user_id, reason, send=True
    )
    if not issued:
        await send(
            context,
            t._(
                "{name} already holds a valid certificate of “{title}”; revoke it first to "
                "issue a new one.",
                name=user_text(person.name),
                title=plain(subject.title_in(t.language)),
            ),
        )
        return
    await send(
        context,
        t._(
            "Certificate {code} issued to {name}; it is on its way to them.",
            code=issued[0].code,
            name=user_text(issued[0].holder_name),
        ),
    )


def _one_text(context: BotContext, certificate: Certificate, subject: Subject | None) -> str:
    t = context.viewer.t
    zone = context.viewer.timezone
    lines = [bold(t._("Certificate {code}", code=certificate.code))]
    if subject is not None:
        lines.append(_what(context, subject))
    if certificate.withdrawn_at is None:  # a withdrawn one keeps no name
        lines.append(t._("Holder: {name}", name=user_text(certificate.holder_name)))
    lines.append(t._("Issued on {date}", date=t.date(certificate.issued_at, zone, "long")))
    if certificate.reason:
        lines.append(t._("Issued by hand: {reason}", reason=user_text(certificate.reason)))
    if certificate.withdrawn_at is not None:
        lines.append(t._("Withdrawn at the holder’s request."))
    elif certificate.revoked_at is not None:
        lines.append(t._("Revoked on {date}.", date=t.date(certificate.revoked_at, zone, "long")))
    else:
        lines.append(t._("Valid."))
    return "\n".join(lines)


def _one_buttons(context: BotContext, certificate: Certificate) -> list[list[Button]]:
    t = context.viewer.t
    if not certificate.valid:
        return []
    return [
        [
            (t._("Revoke"), RevokeCertificate(certificate.certificate_id)),
            (t._("Send again"), SendCertificateAgain(certificate.certificate_id)),
        ]
    ]


async def _show_one(context: BotContext, certificate: Certificate, subject: Subject | None) -> None:
    await send(
        context, _one_text(context, certificate, subject), _one_buttons(context, certificate)
    )


async def _certificate(
    context: BotContext, certificate_id: int
) -> tuple[Certificate, Subject | None] | None:
    found = await context.services.certificates.by_id(certificate_id)
    return found if found is not None and _may_manage(context, found[1]) else None


SubjectStep = Callable[[CallbackQuery, BotContext, Subject], Awaitable[None]]
CertificateStep = Callable[
    [CallbackQuery, BotContext, Certificate, Subject | None], Awaitable[None]
]
SubjectButton = IssuePending | ConfirmIssuePending | CertificateSample | CertificateHolders
CertificateButton = (
    RevokeCertificate | ConfirmRevokeCertificate | ShowCertificate | SendCertificateAgain
)


def about_subject(
    step: SubjectStep,
) -> Callable[[Update, BotContext, Any], Coroutine[Any, Any, None]]:
    """A press on a course's or event's button, for one who may manage it; anyone else (a
    forged button, organizer rights gone) is told the button is no longer active."""

    async def pressed(update: Update, context: BotContext, data: SubjectButton) -> None:
        query = update.callback_query
        assert query is not None
        subject = await _subject(context, data.subject_kind, data.subject_id)
        if subject is None:
            await no_longer_active(query, context)
            return
        await step(query, context, subject)

    return pressed


def about_certificate(
    step: CertificateStep, *, valid_only: bool = False
) -> Callable[[Update, BotContext, Any], Coroutine[Any, Any, None]]:
    """A press on one certificate's button, likewise."""

    async def pressed(update: Update, context: BotContext, data: CertificateButton) -> None:
        query = update.callback_query
        assert query is not None
        found = await _certificate(context, data.certificate_id)
        if found is None or (valid_only and not found[0].valid):
            await no_longer_active(query, context)
            return
        await step(query, context, *found)

    return pressed


async def on_issue_pending(query: CallbackQuery, context: BotContext, subject: Subject) -> None:
    t = context.viewer.t
    pending = await context.services.certificates.pending(subject)
    await answer(query)
    if not pending:
        await send(
            context,
            t._(
                "No certificate of “{title}” is waiting to be issued.",
                title=plain(subject.title_in(t.language)),
            ),
        )
        return
    text = t.ngettext(
        "Issue {count} certificate of “{title}” and send it to its holder in chat?",
        "Issue {count} certificates of “{title}” and send each to its holder in chat?",
        len(pending),
        title=plain(subject.title_in(t.language)),
    )
    kind, subject_id = _kind(subject)
    rows = [
        [
            (t._("Confirm"), ConfirmIssuePending(kind, subject_id)),
            (t._("Cancel"), KeepPendingCertificates()),
        ]
    ]
    await send(context, text, rows)


async def on_keep_pending(
    update: Update, context: BotContext, data: KeepPendingCertificates
) -> None:
    query = update.callback_query
    assert query is not None
    await answer(query)
    await edit(query, context, context.viewer.t._("Nothing was issued."))


async def on_confirm_issue(query: CallbackQuery, context: BotContext, subject: Subject) -> None:
    t = context.viewer.t
    services = context.services
    await answer(query)
    issued = await services.certificates.issue(
        subject,
        await services.certificates.pending(subject),
        context.viewer.user_id,
        send=True,
    )
    if not issued:  # pressed twice, or issued meanwhile by the rule or another organizer
        await edit(query, context, t._("Nothing was issued."))
        return
    await edit(
        query,
        context,
        t.ngettext(
            "{count} certificate issued; it goes out at Telegram’s pace.",
            "{count} certificates issued; they go out at Telegram’s pace.",
            len(issued),
        ),
    )


async def on_sample(query: CallbackQuery, context: BotContext, subject: Subject) -> None:
    await answer(query)
    await _send_sample(context, subject)


async def on_holders(query: CallbackQuery, context: BotContext, subject: Subject) -> None:
    await answer(query)
    await _send_holders(context, subject)


async def on_revoke(
    query: CallbackQuery, context: BotContext, certificate: Certificate, subject: Subject | None
) -> None:
    t = context.viewer.t
    await answer(query)
    question = t._(
        "Revoke it? Whoever checks it will read that it is no longer valid. This cannot be "
        "undone (a new certificate can be issued)."
    )
    text = _one_text(context, certificate, subject) + "\n\n" + bold(question)
    rows = [
        [
            (t._("Revoke"), ConfirmRevokeCertificate(certificate.certificate_id)),
            (t._("Do not revoke"), ShowCertificate(certificate.certificate_id)),
        ]
    ]
    await edit(query, context, text, rows)


async def on_confirm_revoke(
    query: CallbackQuery, context: BotContext, certificate: Certificate, subject: Subject | None
) -> None:
    t = context.viewer.t
    revoked = await context.services.certificates.revoke(certificate, context.viewer.user_id)
    await answer(query, None if revoked else t._("It was revoked already."))
    fresh = await context.services.certificates.by_id(certificate.certificate_id)
    if fresh is not None:
        await edit(query, context, _one_text(context, *fresh))


async def on_show(
    query: CallbackQuery, context: BotContext, certificate: Certificate, subject: Subject | None
) -> None:
    await answer(query)
    await edit(
        query, context, _one_text(context, certificate, subject), _one_buttons(context, certificate)
    )


async def on_send_again(
    query: CallbackQuery, context: BotContext, certificate: Certificate, subject: Subject | None
) -> None:
    t = context.viewer.t
    queued = await context.services.certificates.send_again(certificate)
    await answer(
        query,
        t._("It is on its way to its holder.")
        if queued
        else t._("It is no longer valid: nothing was sent."),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    for handler in (
        on_press(IssuePending, about_subject(on_issue_pending)),
        on_press(ConfirmIssuePending, about_subject(on_confirm_issue)),
        on_press(CertificateSample, about_subject(on_sample)),
        on_press(CertificateHolders, about_subject(on_holders)),
        on_press(RevokeCertificate, about_certificate(on_revoke, valid_only=True)),
        on_press(ConfirmRevokeCertificate, about_certificate(on_confirm_revoke)),
        on_press(SendCertificateAgain, about_certificate(on_send_again)),
        on_press(ShowCertificate, about_certificate(on_show)),
        on_press(KeepPendingCertificates, on_keep_pending),
    ):
        app.add_handler(handler, group=GROUP_GENERAL)
