"""The Mini App's pages and API (`/app/...`), served beside /healthz on the bot's web server.

Pages are plain HTML in the reader's language (`lang` in the address: the bot puts the
user's own in the button it sends); they hold no personal data, so they need no sign-in.
Every API call carries Telegram's signed `initData` (`Authorization: tma <initData>`, the
convention of Telegram's Mini App documentation) and is refused with 401 otherwise (the one
exception, a list's download link for Telegram's own download, is signed by the bot itself:
`bot.web.download_links`); what a person typed travels in request bodies, never in
addresses, and nothing here is logged but a refusal's kind.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.clock import Clock
from bot.i18n import SUPPORTED_LANGUAGES, Translator, language_tag
from bot.models import ACTIVE_STATUSES, RegistrationStatus
from bot.problems import InputProblem
from bot.services import profiles
from bot.services.profile_form import FormProblems, ProfileForm
from bot.services.registrations import SignUp
from bot.web.dashboard import dashboard_routes
from bot.web.download_links import DownloadLinks
from bot.web.signed_calls import Body, SignedCalls, answer, unavailable
from handlers.context import Viewer
from handlers.mini_app import MiniAppDesk
from handlers.registration import outcome_text

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
MAX_CITY_SUGGESTIONS = 8
# Pages: cached a little (they hold nothing personal); assets: an hour.
PAGE_HEADERS = {
    "Cache-Control": "private, max-age=60",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors *"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def templates() -> Environment:
    pages = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    pages.filters["isolated"] = isolated
    return pages


_TAG_SHOWN = re.compile(r"&lt;/?[a-z](?:(?!&gt;).)*&gt;")


def isolated(text: str) -> Markup:
    """A translation with left-to-right pieces kept whole inside right-to-left text: the
    catalogs' isolates (a /command: U+2066 ... U+2069) and HTML tags shown as examples
    ("<b>bold</b>"), each as HTML's own <bdi dir="ltr">, laid out by every browser."""
    escaped = str(escape(text))
    escaped = escaped.replace("\u2066", '<bdi dir="ltr">').replace("\u2069", "</bdi>")
    return Markup(_TAG_SHOWN.sub(lambda tag: f'<bdi dir="ltr">{tag.group(0)}</bdi>', escaped))


def mini_app_routes(desk: MiniAppDesk, bot_token: str, clock: Clock) -> list[BaseRoute]:
    """/app/form (registration and profile) with its API; `bot_token` signs initData."""
    signed = SignedCalls(desk, bot_token, clock)
    pages = templates()

    def translator(request: Request) -> Translator:
        asked = language_tag(request.query_params.get("lang"))
        language = asked if asked in SUPPORTED_LANGUAGES else None
        return desk.data.catalogs.get(language)

    async def form_page(request: Request) -> Response:
        if not desk.ready:
            return unavailable()
        t = translator(request)
        services = desk.data.services
        raw_code = request.query_params.get("event", "") or request.query_params.get("course", "")
        code = raw_code.strip()[:64]
        course = "course" in request.query_params and "event" not in request.query_params
        subject = await _subject(desk, code, course, t) if code else None
        code, title, closed = subject if subject is not None else ("", None, None)
        countries = sorted(services.countries.name(c, t.language) for c in services.countries.codes)
        html = pages.get_template("form.html").render(
            _=t._,
            lang=t.language,
            dir="rtl" if t.is_rtl else "ltr",
            code=code,
            course=course,
            title=title,
            missing=bool(raw_code) and not code,  # an old link: said instead of a form
            closed=closed,
            countries=countries,
            limits=profiles.LIMITS,
            optional=profiles.OPTIONAL,
            texts=_script_json(_script_texts(t)),
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    async def me(request: Request, viewer: Viewer, body: Body) -> Response:
        user = viewer.user
        registered = await _standing(desk, viewer, request.query_params)
        profile = asdict(user.profile) if user.profile is not None else None
        if profile is not None:
            profile["country"] = desk.data.services.countries.name(
                profile["country"], viewer.t.language
            )
        return answer(
            {
                "language": viewer.t.language,
                "direction": "rtl" if viewer.t.is_rtl else "ltr",
                "timezone": user.timezone,
                "name": user.display_name,
                "profile": profile,
                "organizer": viewer.is_organizer,
                # the form's event or course (`?event=` or `?course=`): already registered?
                "registered": registered,
            }
        )

    def form_of() -> ProfileForm:
        services = desk.data.services
        return ProfileForm(services.countries, services.timezones)

    async def check(request: Request, viewer: Viewer, body: Body) -> Response:
        """One field as the participant leaves it: its problem, or the value as kept."""
        field, value = body.get("field"), body.get("value")
        if field not in profiles.FIELDS or not isinstance(value, str):
            return answer({"error": "unknown field"}, 400)
        t = viewer.t
        try:
            kept = form_of().field(field, value, t.language, t.or_list)
        except InputProblem as problem:
            return answer({"ok": False, "problem": problem.problem.render(t)})
        if field == "country":
            kept = desk.data.services.countries.name(kept, t.language)
        return answer({"ok": True, "value": kept})

    async def cities(request: Request, viewer: Viewer, body: Body) -> Response:
        """Cities starting with what was typed, in the country named (if it is known)."""
        text, country = body.get("text"), body.get("country")
        if not isinstance(text, str) or not isinstance(country, str):
            return answer({"error": "text and country"}, 400)
        code = _country_code(desk, country, viewer.t.language)
        index = desk.data.services.timezones.cities
        found = index.starting_with(text[:100], code, limit=MAX_CITY_SUGGESTIONS * 3)
        names: list[str] = []
        for city in found:
            if city.name not in names:
                names.append(city.name)
        return answer({"cities": names[:MAX_CITY_SUGGESTIONS]})

    async def zones(request: Request, viewer: Viewer, body: Body) -> Response:
        """The zone the country and city decide, or those to choose from, labelled."""
        country, city = body.get("country"), body.get("city", "")
        if not isinstance(country, str) or not isinstance(city, str):
            return answer({"error": "country and city"}, 400)
        t = viewer.t
        code = _country_code(desk, country, t.language)
        if code is None:
            return answer({"zone": None, "choices": []})
        choice = form_of().zones(code, city[:100])
        now = clock.now()
        listed = (choice.zone,) if choice.zone else choice.offered
        return answer(
            {
                "zone": choice.zone,
                "choices": [{"zone": z, "label": t.timezone_label(z, now)} for z in listed],
            }
        )

    async def register(request: Request, viewer: Viewer, body: Body) -> Response:
        """The form sent: every problem by field (422), or the profile saved and, with an
        event or a course, the registration made and confirmed in the chat."""
        answers = body.get("answers")
        code = body.get("event") or body.get("course") or ""
        if not isinstance(answers, dict) or not isinstance(code, str):
            return answer({"error": "answers"}, 400)
        t = viewer.t
        had_profile = viewer.user.profile is not None
        consent = body.get("consent") is True or had_profile
        try:
            form = form_of().check(answers, t.language, consent, t.or_list)
        except FormProblems as wrong:
            return answer(
                {"errors": {name: p.render(t) for name, p in wrong.problems.items()}}, 422
            )
        viewer = await desk.save_profile(viewer, form)
        t = viewer.t
        if not code:
            await desk.profile_saved(viewer)
            return answer({"outcome": "saved", "message": t._("Your profile is saved.")})
        course = bool(body.get("course")) and not body.get("event")
        outcome = await desk.register(viewer, code.strip()[:64], course=course)
        return answer(
            {
                "outcome": "course" if course else (outcome or SignUp.NO_SUCH_EVENT).value,
                "message": _said(t, outcome, course),
            }
        )

    async def dashboard_page(request: Request) -> Response:
        if not desk.ready:
            return unavailable()
        t = translator(request)
        html = pages.get_template("dashboard.html").render(
            _=t._,
            lang=t.language,
            dir="rtl" if t.is_rtl else "ltr",
            languages=[(code, t.language_label(code)) for code in SUPPORTED_LANGUAGES],
            texts=_script_json(_dashboard_texts(t)),
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    return [
        Route("/app/form", form_page, methods=["GET"]),
        Route("/app/dashboard", dashboard_page, methods=["GET"]),
        *dashboard_routes(desk, signed, DownloadLinks(bot_token)),
        Route("/app/api/me", signed(me), methods=["GET"]),
        Route("/app/api/check", signed(check), methods=["POST"]),
        Route("/app/api/cities", signed(cities), methods=["POST"]),
        Route("/app/api/zones", signed(zones), methods=["POST"]),
        Route("/app/api/register", signed(register), methods=["POST"]),
        Mount("/app/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def _country_code(desk: MiniAppDesk, text: str, language: str) -> str | None:
    if not text.strip():
        return None
    try:
        return ProfileForm(desk.data.services.countries, desk.data.services.timezones).country(
            text[:100], language
        )
    except InputProblem:
        return None


async def _subject(
    desk: MiniAppDesk, code: str, course: bool, t: Translator
) -> tuple[str, str, str | None] | None:
    """The event (or course) a form is for: its code as stored, its title, and why nobody
    can register any more if so (said instead of asking the questions in vain); None when
    there is no such event."""
    services = desk.data.services
    if course:
        found = await services.courses.by_code(code)
        if found is None:
            return None
        joinable = await services.course_registrations.can_join(found.code)
        closed = None if joinable else t._("This training course has no session left to join.")
        return found.code, found.title_in(t.language), closed
    listing = await services.events.find(code)
    if listing is None:
        return None
    event = listing.event
    title = event.title_in(t.language)
    reason = await services.registrations.closed_reason(event.code)
    closed = outcome_text(t, reason, title, None) if reason is not None else None
    return event.code, title, closed


async def _standing(desk: MiniAppDesk, viewer: Viewer, query: Mapping[str, str]) -> str | None:
    """What the form's page says instead of the form when the person is registered already
    (None: they are not, or the page is not about an event or a course)."""
    services = desk.data.services
    t = viewer.t
    if query.get("event"):
        card = await services.registrations.card(query["event"][:64], viewer.user_id)
        if card is None or card.status not in ACTIVE_STATUSES:
            return None
        title = card.event.title_in(t.language)
        outcome = (
            SignUp.ALREADY_CONFIRMED
            if card.status is RegistrationStatus.CONFIRMED
            else SignUp.ALREADY_WAITLISTED
        )
        return outcome_text(t, outcome, title, card.position)
    if query.get("course"):
        view = await services.course_registrations.view(query["course"][:64], viewer.user_id)
        if view is None or not view.whole_course:
            return None  # the form registers for the sessions left, as the card's button
        return t._("You are registered for the whole course.")
    return None


def _said(t: Translator, outcome: SignUp | None, course: bool) -> str:
    """The page's last words: where the answer is (the chat has the details)."""
    if course:
        return t._("Your profile is saved. The chat says which sessions you are registered for.")
    if outcome in (SignUp.CONFIRMED, SignUp.ALREADY_CONFIRMED):
        return t._("You are registered. The confirmation and the calendar file are in the chat.")
    if outcome in (SignUp.WAITLISTED, SignUp.ALREADY_WAITLISTED):
        return t._("The session is full: you are on the waitlist. The chat has the details.")
    return t._("Your profile is saved, but the registration did not go through: the chat says why.")


def _script_json(texts: dict[str, str]) -> Markup:
    """Texts for a page's script, as JSON inside <script>: "<" written \\u003c, so that no
    translation can close the element."""
    return Markup(json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c"))


def _dashboard_texts(t: Translator) -> dict[str, str]:
    """What the dashboard's script says, translated here."""
    return {
        "outside": t._("Open the dashboard from /admin in the bot’s chat in Telegram."),
        "expired": t._("This page has expired. Close it and open it again from /admin."),
        "not_organizer": t._("The dashboard is for the programme’s organizers."),
        "failed": t._("Something went wrong. Please try again in a moment."),
        "loading": t._("Loading…"),
        "no_events": t._("No events yet."),
        "nobody": t._("Nobody matches."),
        "present": t._("Present"),
        "present_of": t._("{name} was present"),
        "sent": t._("The file is in your chat."),
        "downloaded": t._("The file is downloaded."),
        "fix": t._("Please correct the fields marked below."),
        "sending": t._("Sending…"),
    }


def _script_texts(t: Translator) -> dict[str, str]:
    """What the page's script says, translated here."""
    return {
        "outside": t._("Open this form from the bot’s Register button in Telegram."),
        "expired": t._("This form has expired. Close it and press Register again in the chat."),
        "failed": t._("Something went wrong. Please try again in a moment."),
        "fix": t._("Please correct the fields marked below."),
        "sending": t._("Sending…"),
        "choose_zone": t._("Choose your time zone"),
    }
