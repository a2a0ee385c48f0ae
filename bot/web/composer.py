"""The dashboard's broadcast composer (`/app/api/admin/broadcast/...`): the audiences this
organizer may write to, a preview of every version with its number of recipients, and Send.

The rules are the chat's /broadcast's: an event organizer writes only to their events'
people, attendees and no-shows only of a session held, each version checked as Telegram
would check it; Send queues the broadcast through the same service (its audit entry, its
progress message in the organizer's chat), once even if pressed twice.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import SUPPORTED_LANGUAGES, Translator
from bot.models import Audience, AudienceKind
from bot.services.broadcasts import DEFAULT, session_audience_problem
from bot.topics import TOPICS
from bot.web.signed_calls import Body, Call, SignedCalls, answer, organizers_only
from handlers.broadcast import EVENT_AUDIENCES
from handlers.broadcast_list import AUDIENCES
from handlers.context import Viewer
from handlers.mini_app import MiniAppDesk

VERSIONS = (DEFAULT, *SUPPORTED_LANGUAGES)
MAX_TYPED = 8_000  # characters of one version as typed (tags included): a message is 4,096


class AudienceRefused(ValueError):
    """The audience asked for is not one this organizer may write to now: `problem` says
    why, translated."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def composer_routes(desk: MiniAppDesk, signed: SignedCalls) -> list[BaseRoute]:
    async def audiences(request: Request, viewer: Viewer, body: Body) -> Response:
        t = viewer.t
        role = viewer.role
        kinds = [k for k in AUDIENCES if role.whole_programme or k in EVENT_AUDIENCES]
        return answer(
            {
                "kinds": [
                    {"kind": str(kind), "label": t._(AUDIENCES[kind]), "needs": _needs(kind)}
                    for kind in kinds
                ],
                "languages": [
                    {"code": code, "name": t.language_label(code)} for code in SUPPORTED_LANGUAGES
                ],
                "topics": [{"code": slug, "name": t._(name)} for slug, name in TOPICS.items()],
                "versions": [{"code": code, "name": _version_name(t, code)} for code in VERSIONS],
            }
        )

    async def preview(request: Request, viewer: Viewer, body: Body) -> Response:
        try:
            audience = await _audience(desk, viewer, body.get("audience"))
        except AudienceRefused as refused:
            return answer({"errors": {"audience": refused.problem}}, 422)
        typed = _typed(body.get("texts"))
        plan = await desk.plan_broadcast(viewer, audience, typed)
        if plan.problems:
            return answer({"errors": plan.problems}, 422)
        rtl = viewer.t.is_rtl
        return answer(
            {
                "recipients": plan.recipients,
                "versions": [
                    {**asdict(v), "rtl": v.version == "ar" or (v.version == DEFAULT and rtl)}
                    for v in plan.versions
                ],
                "others": plan.others,
                "draft": secrets.token_urlsafe(12),
            }
        )

    async def send(request: Request, viewer: Viewer, body: Body) -> Response:
        draft = body.get("draft")
        if not isinstance(draft, str) or not 8 <= len(draft) <= 40:
            return answer({"error": "preview first"}, 400)
        try:
            audience = await _audience(desk, viewer, body.get("audience"))
        except AudienceRefused as refused:
            return answer({"errors": {"audience": refused.problem}}, 422)
        typed = _typed(body.get("texts"))
        plan = await desk.plan_broadcast(viewer, audience, typed)  # checked again: a forged send
        if plan.problems:
            return answer({"errors": plan.problems}, 422)
        await desk.start_broadcast(viewer, audience, typed, draft)
        t = viewer.t
        return answer({"message": t._("The broadcast is on its way. Its progress is in the chat.")})

    def route(path: str, call: Call, method: str) -> Route:
        return Route(path, signed(organizers_only(call)), methods=[method])

    return [
        route("/app/api/admin/audiences", audiences, "GET"),
        route("/app/api/admin/broadcast/preview", preview, "POST"),
        route("/app/api/admin/broadcast/send", send, "POST"),
    ]


def _needs(kind: str) -> str | None:
    if kind in EVENT_AUDIENCES:
        return "event"
    if kind == AudienceKind.LANGUAGE:
        return "language"
    if kind == AudienceKind.TOPIC:
        return "topic"
    return None


def _version_name(t: Translator, code: str) -> str:
    if code == DEFAULT:
        return t._("Default version (for everyone else)")
    return t.language_label(code)


def _typed(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {
        version: text[:MAX_TYPED]
        for version, text in raw.items()
        if version in VERSIONS and isinstance(text, str)
    }


async def _audience(desk: MiniAppDesk, viewer: Viewer, raw: object) -> Audience:
    """The audience the page asks for, if this organizer may write to it now."""
    t = viewer.t
    role = viewer.role
    if not isinstance(raw, dict) or raw.get("kind") not in AUDIENCES:
        raise AudienceRefused(t._("Choose who should receive the message."))
    kind = AudienceKind(raw["kind"])
    if not role.whole_programme and kind not in EVENT_AUDIENCES:
        raise AudienceRefused(
            t._(
                "Sorry, this is only for organizers of the whole programme. You organize "
                "chosen events: /admin lists what you can do for them."
            )
        )
    if kind == AudienceKind.EVERYONE:
        return Audience(kind)
    value = raw.get(_needs(kind) or "")
    if not isinstance(value, str) or not value:
        raise AudienceRefused(t._("Choose who should receive the message."))
    if kind == AudienceKind.LANGUAGE:
        if value not in SUPPORTED_LANGUAGES:
            raise AudienceRefused(t._("Choose who should receive the message."))
        return Audience(kind, value)
    if kind == AudienceKind.TOPIC:
        if value not in TOPICS:
            raise AudienceRefused(t._("Choose who should receive the message."))
        return Audience(kind, value)
    services = desk.data.services
    event = await services.dashboard.event(role, value)
    if event is None:
        raise AudienceRefused(t._("Sorry, this event is not one of the events you organize."))
    problem = session_audience_problem(kind, event, services.clock.now())
    if problem is not None:
        raise AudienceRefused(
            t._(
                problem,
                title=event.title_in(t.language),
                when=t.when_zoned(event.starts_at, viewer.timezone),
            )
        )
    return Audience(kind, event.event_id)
