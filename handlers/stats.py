"""/stats: the programme's figures for organizers; /stats CODE adds a chart of one event."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.db.stats import Breakdown, Figures
from bot.i18n import Translator
from bot.services.stats import ProgrammeStats
from bot.topics import TOPICS
from handlers.charts import country_chart
from handlers.context import BotContext
from handlers.html import bold, plain
from handlers.organizers import event_by_code, require_organizer
from handlers.ui import send
from handlers.wizards import GROUP_GENERAL

TOP = 10
MAX_EVENTS_LISTED = 30


def figures_line(t: Translator, figures: Figures) -> str:
    parts = [
        t._("registered: {count}", count=t.number(figures.registered)),
        t._("waitlist: {count}", count=t.number(figures.waitlisted)),
        t._("attended: {count}", count=t.number(figures.attended)),
    ]
    if figures.without_seat:
        parts.append(t._("attended without a seat: {count}", count=t.number(figures.without_seat)))
    if figures.attendance_rate is not None:
        parts.append(t._("attendance rate: {rate}", rate=t.percent(figures.attendance_rate)))
    if figures.rating_average is not None:
        parts.append(
            t._(
                "feedback: {average} of 5 ({count} answers)",
                average=t.decimal(figures.rating_average),
                count=t.number(figures.ratings),
            )
        )
    return " · ".join(parts)


def breakdown_lines(t: Translator, breakdown: Breakdown, names: dict[str, str]) -> list[str]:
    ranked = sorted(breakdown.registered, key=lambda key: -breakdown.registered[key])[:TOP]
    return [
        "• "
        + t._(
            "{name}: {registered} registered, {attended} attended",
            name=plain(names.get(key) or key or t._("unknown or erased")),
            registered=t.number(breakdown.registered[key]),
            attended=t.number(breakdown.attended.get(key, 0)),
        )
        for key in ranked
    ]


def stats_text(context: BotContext, stats: ProgrammeStats, heading: str) -> str:
    t = context.viewer.t
    countries = {
        code: context.services.countries.name(code, t.language)
        for code in stats.breakdowns["country"].registered
        if code
    }
    languages = {
        code: t.language_label(code) for code in stats.breakdowns["language"].registered if code
    }
    topics = {slug: t._(name) for slug, name in TOPICS.items()}
    lines = [bold(heading), figures_line(t, stats.total)]
    for title, breakdown, names in (
        (t._("By topic"), stats.breakdowns["topic"], topics),
        (t._("By country"), stats.breakdowns["country"], countries),
        (t._("By language"), stats.breakdowns["language"], languages),
    ):
        if breakdown.registered:
            lines += ["", bold(title), *breakdown_lines(t, breakdown, names)]
    if len(stats.per_event) > 1:
        lines += ["", bold(t._("Per event"))]
        for event, figures in stats.per_event[-MAX_EVENTS_LISTED:]:
            title = plain(event.title_in(t.language))
            when = t.date(event.starts_at, context.viewer.timezone)
            lines.append(f"• {title} ({when}): {figures_line(t, figures)}")
    return "\n".join(lines)


async def on_stats(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    services = context.services
    code = context.args[0] if context.args else None
    if code is None:
        stats = await services.stats.programme()
        heading = t.ngettext(
            "Programme statistics: {count} event",
            "Programme statistics: {count} events",
            len(stats.per_event),
        )
        await send(context, stats_text(context, stats, heading))
        return
    event = await event_by_code(context, code)
    if event is None:
        return
    title = event.title_in(t.language)
    stats = await services.stats.event(event)
    await send(context, stats_text(context, stats, title))
    breakdown = stats.breakdowns["country"]
    if breakdown.registered:
        names = {
            code: services.countries.name(code, t.language) if code else t._("unknown or erased")
            for code in breakdown.registered
        }
        chart = country_chart(breakdown, names, title, (t._("Registered"), t._("Attended")))
        await context.bot.send_photo(
            chat_id=context.viewer.user_id,
            photo=chart,
            caption=t.directed(t._("Registrations and attendance by country")),
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("stats", on_stats), group=GROUP_GENERAL)
