"""The organizers' dashboard API (`/app/api/admin/...`): the events with their counts, each
event's registrants as a table, attendance marked by hand, the list downloaded (CSV or
Excel) or sent to the chat.

Only organizers get an answer, and an event organizer only about their events (403 and 404
otherwise, with nothing changed); each action goes through the service the chat command
uses, so the audit log records it the same way.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.db.registrants import RegistrantCounts, RegistrantRow
from bot.db.stats import Breakdown
from bot.i18n import Translator
from bot.models import Event, EventStatus
from bot.services.container import Services
from bot.services.dashboard import TableQuery
from bot.services.exports import HELD, csv_to_xlsx
from bot.services.stats import rank, status_of
from bot.topics import TOPICS
from bot.web.composer import composer_routes
from bot.web.download_links import DownloadLinks, ListOrder
from bot.web.signed_calls import Body, SignedCalls, answer, organizers_only
from handlers.context import Viewer
from handlers.mini_app import MiniAppDesk
from handlers.registrants import counts_line
from handlers.stats import figures_line

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_routes(
    desk: MiniAppDesk, signed: SignedCalls, links: DownloadLinks
) -> list[BaseRoute]:
    async def event_of(viewer: Viewer, body: Body) -> Event | None:
        code = body.get("event")
        if not isinstance(code, str) or not code:
            return None
        return await desk.data.services.dashboard.event(viewer.role, code)

    async def events(request: Request, viewer: Viewer, body: Body) -> Response:
        services = desk.data.services
        t, zone = viewer.t, viewer.timezone
        now = services.clock.now()
        listed = await services.dashboard.events(viewer.role)
        return answer(
            {
                "events": [
                    {
                        "code": item.event.code,
                        "title": item.event.title_in(t.language),
                        "starts": t.when(item.event.starts_at, zone, "medium"),
                        "state": status_of(item.event, now),
                        "state_label": _state_label(viewer, item.event, now),
                        "counts": counts_line(
                            t,
                            item.event,
                            RegistrantCounts(item.confirmed, item.waitlisted, item.attended),
                        ),
                    }
                    for item in listed
                ],
                "zone": t.timezone_label(zone, now),
            }
        )

    async def registrants(request: Request, viewer: Viewer, body: Body) -> Response:
        event = await event_of(viewer, body)
        if event is None:
            return answer({"error": "no such event"}, 404)
        services = desk.data.services
        t = viewer.t
        found = await services.dashboard.registrants(event, _query(body))
        countries = services.countries
        return answer(
            {
                "title": event.title_in(t.language),
                "counts": counts_line(t, event, found.counts),
                "summary": t.ngettext(
                    "{found} of {count} registrant",
                    "{found} of {count} registrants",
                    found.counts.confirmed + found.counts.waitlisted,
                    found=t.number(found.found),
                ),
                "page_label": t._(
                    "Page {page} of {pages}",
                    page=t.number(found.page + 1),
                    pages=t.number(found.pages),
                ),
                "rows": [_row(viewer, row, countries.name) for row in found.rows],
                "found": found.found,
                "page": found.page,
                "pages": found.pages,
                "countries": sorted(
                    ({"code": c, "name": countries.name(c, t.language)} for c in found.countries),
                    key=lambda choice: choice["name"],
                ),
                "languages": [
                    {"code": code, "name": t.language_label(code)} for code in found.languages
                ],
            }
        )

    async def attendance(request: Request, viewer: Viewer, body: Body) -> Response:
        event = await event_of(viewer, body)
        user, present = body.get("user"), body.get("present")
        if event is None or not isinstance(user, int) or not isinstance(present, bool):
            return answer({"error": "no such event or person"}, 404)
        changed = await desk.data.services.attendance.mark(event, user, present, viewer.user_id)
        if changed is None:  # not on this event's list
            return answer({"error": "no such event or person"}, 404)
        return answer({"present": present, "changed": changed})

    async def order_of(viewer: Viewer, body: Body) -> ListOrder | Response:
        """The list asked for: one event's (if this organizer may see it) or every one."""
        wanted = body.get("format")
        if wanted not in ("csv", "xlsx"):
            return answer({"error": "format"}, 400)
        code: str | None = None
        if body.get("event"):
            event = await event_of(viewer, body)
            if event is None:
                return answer({"error": "no such event"}, 404)
            code = event.code
        role = viewer.role
        scope = None if role.whole_programme else role.event_ids
        return ListOrder(code, wanted, scope, viewer.timezone)

    async def export(request: Request, viewer: Viewer, body: Body) -> Response:
        """The registrations of one event (or of all the organizer may see) as CSV or
        Excel, downloaded or sent to the chat; recorded in the audit log either way."""
        order = await order_of(viewer, body)
        if isinstance(order, Response):
            return order
        services = desk.data.services
        now = services.clock.now()
        name, content, rows = await list_file(services, order, now)
        await services.exports.record(viewer.user_id, order.code, rows, now)
        if body.get("to_chat") is True:
            caption = viewer.t.ngettext("{count} registration", "{count} registrations", rows)
            sent = await desk.send_file(viewer, name, content, caption)
            return answer({"sent": sent, "rows": rows}, 200 if sent else 502)
        return _attachment(name, order.fmt, content)

    async def export_link(request: Request, viewer: Viewer, body: Body) -> Response:
        """A two-minute link to the list, for Telegram's own download (the Telegram app
        fetches it without the page's signature): the organizer is recorded now."""
        order = await order_of(viewer, body)
        if isinstance(order, Response):
            return order
        services = desk.data.services
        now = services.clock.now()
        await services.exports.record_link(viewer.user_id, order.code, now)
        token = links.issue(order, now)
        return answer(
            {
                "path": f"download/{token}",
                "file_name": file_name(order, now),
            }
        )

    async def download(request: Request) -> Response:
        services = desk.data.services
        now = services.clock.now()
        order = links.read(request.path_params["token"], now)
        if order is None:
            return answer({"error": "expired or not a link of this bot"}, 404)
        name, content, _ = await list_file(services, order, now)
        return _attachment(name, order.fmt, content)

    async def stats(request: Request, viewer: Viewer, body: Body) -> Response:
        """The programme's figures (the organizer's events' for an event organizer), and
        their breakdowns by topic, country and language, largest first, adding up."""
        services = desk.data.services
        role = viewer.role
        figures = await services.stats.programme(None if role.whole_programme else role.event_ids)
        t = viewer.t
        names = {
            "topic": {slug: t._(name) for slug, name in TOPICS.items()},
            "country": {
                code: services.countries.name(code, t.language)
                for code in figures.breakdowns["country"].registered
                if code
            },
            "language": {
                code: t.language_label(code)
                for code in figures.breakdowns["language"].registered
                if code
            },
        }
        titles = {
            "topic": t._("By topic"),
            "country": t._("By country"),
            "language": t._("By language"),
        }
        return answer(
            {
                "total": figures_line(t, figures.total),
                "breakdowns": [
                    {
                        "title": titles[name],
                        "lines": _ranked(t, figures.breakdowns[name], names[name]),
                    }
                    for name in ("topic", "country", "language")
                ],
                "legend": {"registered": t._("Registered"), "attended": t._("Attended")},
            }
        )

    return [
        Route("/app/api/admin/events", signed(organizers_only(events)), methods=["GET"]),
        Route("/app/api/admin/registrants", signed(organizers_only(registrants)), methods=["POST"]),
        Route("/app/api/admin/attendance", signed(organizers_only(attendance)), methods=["POST"]),
        Route("/app/api/admin/export", signed(organizers_only(export)), methods=["POST"]),
        Route("/app/api/admin/export/link", signed(organizers_only(export_link)), methods=["POST"]),
        Route("/app/download/{token}", download, methods=["GET"]),
        Route("/app/api/admin/stats", signed(organizers_only(stats)), methods=["GET"]),
        *composer_routes(desk, signed),
    ]


async def list_file(services: Services, order: ListOrder, now: datetime) -> tuple[str, bytes, int]:
    """The list as a file: its name, its content, its rows. Written to a temporary file
    first: a list of 100,000 rows is not built as one string."""
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        rows = await services.exports.write_registrations(
            text, order.code, timezone=order.timezone, now=now, event_ids=order.event_ids
        )
        text.flush()
        raw.seek(0)
        if order.fmt == "xlsx":
            converted = io.BytesIO()
            csv_to_xlsx(text, converted)
            content = converted.getvalue()
        else:
            content = raw.read()
        text.detach()
    return file_name(order, now), content, rows


def file_name(order: ListOrder, now: datetime) -> str:
    return f"registrations-{order.code or 'all'}-{now:%Y-%m-%d}.{order.fmt}"


def _attachment(name: str, fmt: str, content: bytes) -> Response:
    return Response(
        content,
        media_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _ranked(t: Translator, breakdown: Breakdown, names: dict[str, str]) -> list[dict[str, Any]]:
    """A breakdown's lines as the chat ranks them: the largest, the rest summed up, the
    unknown apart."""
    ranking = rank(breakdown)
    lines = [
        {
            "label": names.get(line.key) or line.key,
            "registered": line.registered,
            "attended": line.attended,
        }
        for line in ranking.top
    ]
    if ranking.others:
        lines.append(
            {
                "label": t.ngettext("{count} other", "{count} others", ranking.others),
                "registered": ranking.rest.registered,
                "attended": ranking.rest.attended,
            }
        )
    if ranking.unknown is not None:
        lines.append(
            {
                "label": t._("unknown or erased"),
                "registered": ranking.unknown.registered,
                "attended": ranking.unknown.attended,
            }
        )
    return lines


def _query(body: Body) -> TableQuery:
    def text(name: str, default: str = "") -> str:
        value = body.get(name, default)
        return value[:200] if isinstance(value, str) else default

    page = body.get("page", 0)
    return TableQuery(
        search=text("search"),
        status=text("status"),
        country=text("country"),
        language=text("language"),
        attended=text("attended"),
        sort=text("sort", "status"),
        descending=body.get("descending") is True,
        page=page if isinstance(page, int) and 0 <= page < 1_000_000 else 0,
        choices=body.get("choices", True) is not False,
    )


def _state_label(viewer: Viewer, event: Event, now: datetime) -> str:
    t = viewer.t
    state = status_of(event, now)
    if state == EventStatus.CANCELLED:
        return t._("Cancelled")
    return t._("Held") if state == HELD else t._("Upcoming")


def _row(
    viewer: Viewer, row: RegistrantRow, country_name: Callable[[str, str], str]
) -> dict[str, Any]:
    t = viewer.t
    status = (
        t._("Confirmed")
        if row.status == "confirmed"
        else t._("Waitlist, number {position}", position=t.number(row.position or 0))
    )
    return {
        "id": row.user_id,
        "name": row.name,
        "country": country_name(row.country, t.language) if row.country else "",
        "city": row.city,
        "organization": row.organization,
        "role": row.role,
        "email": row.email,
        "language": t.language_label(row.language) if row.language else "",
        "status": row.status,
        "status_label": status,
        "attended": row.attended,
        "registered": t.date(row.registered_at, viewer.timezone, "medium"),
    }
