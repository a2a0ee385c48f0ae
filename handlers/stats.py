"""/stats: the programme's figures for organizers; /stats CODE adds a chart of one event.

/stats sends the totals with their breakdowns (with a button for the figures per event as a
CSV document, also `/stats csv`), then the sessions, a page at a time: those held first, the
most recent first, then those to come, the soonest first.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.db.stats import Breakdown, Figures
from bot.i18n import Translator
from bot.services.stats import ProgrammeStats, SessionsPage, page_of, rank
from bot.topics import TOPICS
from handlers.buttons import StatsPage, StatsTable
from handlers.charts import country_figure, legend_key, png
from handlers.context import BotContext
from handlers.html import bold, plain
from handlers.organizers import event_by_code, require_organizer, scope_of
from handlers.presses import on_press
from handlers.ui import Button, answer, edit, no_longer_active, page_buttons, send
from handlers.wizards import GROUP_GENERAL

MAX_TITLE = 60  # characters of a title in the list of sessions: ten sessions fit a message
TABLE_WORD = "csv"  # /stats csv: the figures per event as a CSV document


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
    """The largest entries, the others summed up on one line, and the unknown or erased:
    the lines add up to the figures above them."""
    ranking = rank(breakdown)
    lines = [
        t._(
            "{name}: {registered} registered, {attended} attended",
            name=plain(names.get(line.key) or line.key),
            registered=t.number(line.registered),
            attended=t.number(line.attended),
        )
        for line in ranking.top
    ]
    if ranking.others:
        lines.append(
            t.ngettext(
                "{count} other: {registered} registered, {attended} attended",
                "{count} others: {registered} registered, {attended} attended",
                ranking.others,
                registered=t.number(ranking.rest.registered),
                attended=t.number(ranking.rest.attended),
            )
        )
    if ranking.unknown is not None:
        lines.append(
            t._(
                "{name}: {registered} registered, {attended} attended",
                name=t._("unknown or erased"),
                registered=t.number(ranking.unknown.registered),
                attended=t.number(ranking.unknown.attended),
            )
        )
    return ["• " + line for line in lines]


def stats_text(context: BotContext, stats: ProgrammeStats, heading: str) -> str:
    """The totals and their breakdowns by topic, country and language."""
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
        shown = breakdown_lines(t, breakdown, names)
        if shown:
            lines += ["", bold(title), *shown]
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sessions_screen(context: BotContext, page: SessionsPage) -> tuple[str, list[list[Button]]]:
    """A page of sessions with their figures, and the buttons to the pages beside it."""
    t = context.viewer.t
    position = t._(
        "Page {page} of {pages}", page=t.number(page.page + 1), pages=t.number(page.pages)
    )
    lines = [bold(t._("Per event")), position]
    section: bool | None = None
    for session in page.sessions:
        if session.held is not section:
            section = session.held
            lines += ["", bold(t._("Sessions held") if section else t._("Upcoming sessions"))]
        event = session.event
        title = plain(_shorten(event.title_in(t.language), MAX_TITLE))
        when = t.date(event.starts_at, context.viewer.timezone)
        lines.append(f"• {title} ({when}, <code>{plain(event.code)}</code>)")
        lines.append(f"   {figures_line(t, session.figures)}")
    return "\n".join(lines), [page_buttons(t, page.page, page.pages, StatsPage)]


async def send_table(context: BotContext) -> None:
    """The figures of every event as a CSV document."""
    t = context.viewer.t
    content, rows = await context.services.stats.table(scope_of(context.viewer.role))
    stamp = context.now().strftime("%Y-%m-%d")
    caption = t.ngettext(
        "Per-event figures: {count} event", "Per-event figures: {count} events", rows
    )
    await context.bot.send_document(
        chat_id=context.viewer.user_id,
        document=content,
        filename=f"statistics-{stamp}.csv",
        caption=t.directed(caption),
    )


async def on_stats(update: Update, context: BotContext) -> None:
    if not await require_organizer(update, context):
        return
    t = context.viewer.t
    services = context.services
    code = context.args[0] if context.args else None
    if code is None:
        stats = await services.stats.programme(scope_of(context.viewer.role))
        heading = t.ngettext(
            "Programme statistics: {count} event",
            "Programme statistics: {count} events",
            len(stats.sessions),
        )
        table: list[Button] = [(t._("Download as CSV"), StatsTable())]
        await send(context, stats_text(context, stats, heading), [table])
        first = page_of(stats.sessions, 0)
        if first is not None and first.total > 1:  # one session: the totals are its figures
            await send(context, *sessions_screen(context, first))
        return
    if code.lower() == TABLE_WORD and await services.events.find(code) is None:
        await send_table(context)  # unless an event has that code
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
        legend = (t._("Registered"), t._("Attended"))
        figure = country_figure(breakdown, names, title, legend, fallback_title=event.code)
        caption = t._("Registrations and attendance by country")
        key = legend_key(legend)
        await context.bot.send_photo(
            chat_id=context.viewer.user_id,
            photo=png(figure),
            caption=t.directed(f"{caption}\n{key}" if key else caption),
        )


async def on_stats_page(update: Update, context: BotContext, data: StatsPage) -> None:
    """Another page of sessions, in place; a page that does not exist changes nothing."""
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    page = await context.services.stats.sessions_page(data.page, scope_of(context.viewer.role))
    if page is None:
        await no_longer_active(query, context)
        return
    await answer(query)
    await edit(query, context, *sessions_screen(context, page))


async def on_stats_table(update: Update, context: BotContext, data: StatsTable) -> None:
    query = update.callback_query
    assert query is not None
    if not await require_organizer(update, context):
        return
    await answer(query)
    await send_table(context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("stats", on_stats), group=GROUP_GENERAL)
    app.add_handler(on_press(StatsPage, on_stats_page), group=GROUP_GENERAL)
    app.add_handler(on_press(StatsTable, on_stats_table), group=GROUP_GENERAL)
