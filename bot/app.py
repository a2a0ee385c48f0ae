"""The composition root: builds the Telegram `Application` and wires everything into it.

Resources follow the application's lifecycle: the database opens in `post_init` and closes in
`post_shutdown`, so nothing is opened at import time and tests run the very same start-up.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from dataclasses import replace
from typing import Any, cast

from starlette.applications import Starlette
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, BaseRateLimiter, ContextTypes, Defaults, ExtBot
from telegram.request import BaseRequest

import handlers
from bot.clock import Clock, SystemClock
from bot.config import Listen, Settings
from bot.db import Database, DatabaseGone, DatabaseUnusable, open_database
from bot.i18n import Catalogs
from bot.metrics import Metrics
from bot.services.certificate_printing import CertificatePrinter
from bot.services.container import Directories, Outlets, Services
from bot.services.delivery import OVERALL_RATE
from bot.services.organizers import OrganizerRole
from bot.update_processor import PerUserUpdateProcessor
from bot.web.health import Health
from bot.web.mini_app import mini_app_routes
from bot.web.routes import build_web_app
from bot.web.server import WebServer
from handlers.broadcast_progress import ProgressMessages
from handlers.campaign_messages import CampaignMessages
from handlers.context import BotContext, BotData, sent_at
from handlers.durable_updates import (
    DurableState,
    DurableUpdates,
    WebhookIntake,
    requeue_pending,
)
from handlers.errors import stop_for_good
from handlers.jobs import JobQueueScheduler, plan_all
from handlers.menus import publish_commands
from handlers.mini_app import MiniAppDesk
from handlers.send_scheduler import FairSendScheduler
from handlers.sender import TelegramSender
from handlers.shared_sessions import SharedSessions

# What the bot asks Telegram for: new messages and button presses (edits, channel posts and
# the rest would only be dropped by `load_viewer`).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

logger = logging.getLogger(__name__)

_Application = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


class BotApplication(_Application):
    """python-telegram-bot's Application, forgetting the in-memory scratch space of users who
    have nothing in it (it would otherwise keep an entry for every user it ever met), and
    telling the inbox which updates were handled (see `handlers.durable_updates`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.durable = DurableState()
        self.metrics = Metrics(ALLOWED_UPDATES)
        # /healthz and /metrics, the Mini App and the webhook: the servers running.
        self.web_servers: list[WebServer] = []
        self.intake: WebhookIntake | None = None  # webhook mode: the updates claimed here
        # Several processes (PostgreSQL): conversation state in the database, not here.
        self.shared_sessions: SharedSessions | None = None

    async def process_update(self, update: object) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is not None and self.durable.should_skip(update_id):
            return  # a redelivery of an update stored (and handled) before
        started = time.monotonic()
        user = update.effective_user if isinstance(update, Update) else None
        sessions = self.shared_sessions
        try:
            if sessions is not None and user is not None:
                await sessions.load(user.id)
            try:
                await super().process_update(update)
            finally:
                if sessions is not None and user is not None:
                    await sessions.save(user.id)
        finally:
            if update_id is not None:
                arrived = self.durable.arrived.pop(update_id, started)
                self.durable.done(update_id)
                self.metrics.update_handled(update_kind(update), time.monotonic() - arrived)
            if user is not None and user.id in self.user_data and not self.user_data[user.id]:
                self.drop_user_data(user.id)


CONNECT_TIMEOUT = 10.0  # seconds: reaching the Bot API (a failure here is safe to retry)
ANSWER_TIMEOUT = 60.0  # seconds: its answer to a request already sent


def freeze_start_up_objects() -> None:
    """Leave what start-up built out of Python's cycle collector from now on.

    The bot keeps a large, unchanging heap (babel's locale data and the catalogs of six
    languages, time zones, country and city names, python-telegram-bot itself), and every
    full collection walked all of it again: a third of the CPU an update cost under load
    (bench/throughput.py with the collector off: 1.74 -> 1.19 ms). `gc.freeze()` is
    CPython's documented way out for long-running servers: objects alive now are never
    examined again (reference counting still frees them). Only for the bot's own process:
    a test process builds hundreds of applications, whose leftovers must stay collectable.
    """
    gc.collect()
    gc.freeze()


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    deliver: bool = True,
    pace: bool = True,
    catalogs: Catalogs | None = None,
    directories: Directories | None = None,
    freeze_heap: bool = False,
    limiter: BaseRateLimiter[Any] | None = None,
) -> BotApplication:
    """The bot, ready for `run_polling`; `request` swaps the network for an emulator.

    `deliver=False` leaves the delivery worker stopped, so tests can drive it step by step;
    `pace=False` drops the rate limiter, for tests that send hundreds of messages at once.
    `catalogs` and `directories` are read-only reference data, built here unless given: a
    process that builds many applications (the tests) builds them once and shares them.
    `freeze_heap`: for the bot's own process (see `freeze_start_up_objects`).
    `limiter` replaces the send scheduler (benchmarks compare it with python-telegram-bot's
    first-come limiter).
    """
    if catalogs is None:
        catalogs = Catalogs(default_language=settings.default_language)
    elif catalogs.default_language != settings.default_language:
        raise ValueError(
            f"the catalogs' default language is {catalogs.default_language!r}, "
            f"the settings' {settings.default_language!r}"
        )
    directories = directories or Directories.build()
    clock = clock or SystemClock()

    opened: list[Database] = []  # the database, between post_init and post_shutdown

    async def post_init(app: _Application) -> None:
        db = await open_database(settings.database_path, settings.database_url)
        opened.append(db)
        assert isinstance(app, BotApplication)
        sender = TelegramSender(app.bot)
        outlets = Outlets(
            sender=sender,
            renderer=CampaignMessages(
                catalogs,
                app.bot.username,
                settings.reminder_offsets,
                CertificatePrinter(settings.certificate, directories.fonts),
            ),
            progress=ProgressMessages(sender, catalogs),
            observer=app.metrics,
        )
        if db.shares_send_budget and isinstance(own_limiter, FairSendScheduler):
            own_limiter.shared = db  # several processes: one budget for the token
            outlets = replace(outlets, senders_counted=own_limiter.share_bulk_among)
        assert app.job_queue is not None
        scheduler = JobQueueScheduler(app.job_queue)
        services = Services.build(settings, clock, db, directories, outlets, scheduler)
        app.bot_data.start(services, catalogs)
        # The command line prints certificates with this bot's verification links.
        await db.write(lambda uow: uow.certificates.record_bot_username(app.bot.username))
        await publish_commands(app.bot, catalogs, await organizer_menus(services))
        planned = await plan_all(scheduler, services)
        scheduler.start_replanning()
        logger.info("Planned %d reminder jobs", planned)
        if deliver:
            app.bot_data.worker = asyncio.create_task(services.delivery.run(), name="delivery")
        app.durable.inbox = services.inbox
        if app.shared_sessions is not None:
            app.shared_sessions.service = services.sessions
        if app.updater is not None:  # webhook mode: the inbox's claims take them up
            requeued = await requeue_pending(services.inbox, app.bot, app.update_queue)
            if requeued:
                logger.info("Handling %d updates stored before the last stop", requeued)
        if settings.webhook is None:
            await start_web_servers(app, settings, clock, token or settings.bot_token or "")
        if freeze_heap:
            freeze_start_up_objects()

    async def post_stop(app: _Application) -> None:
        """SIGTERM: the worker finishes the message in flight, then the process may end."""
        assert isinstance(app, BotApplication)
        try:
            await app.durable.flush()
        except DatabaseUnusable as exc:  # gone: those updates are redone from Telegram's side
            logger.warning("Could not record the last handled updates: %s", exc)
        worker = app.bot_data.worker
        if worker is not None:
            app.bot_data.services.delivery.stop()
            await worker
            app.bot_data.worker = None

    async def post_shutdown(app: _Application) -> None:
        assert isinstance(app, BotApplication)
        while app.web_servers:
            await app.web_servers.pop().stop()
        await post_stop(app)
        app.bot_data.stop()
        while opened:
            await opened.pop().close()

    builder = (
        Application.builder()
        .application_class(BotApplication)
        .token(token or settings.bot_token or "")
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .concurrent_updates(PerUserUpdateProcessor())
    )
    own_limiter: FairSendScheduler | None = None  # not one given by a test or a benchmark
    if limiter is None and pace:
        limiter = own_limiter = FairSendScheduler(rate=OVERALL_RATE)
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    if settings.webhook is not None:
        builder = builder.updater(None)  # Telegram posts updates: nothing to fetch
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # A slow Bot API (20 s for a send on a bad day) must not make a send time out and be
        # sent again while the first is still on its way: wait long for answers.
        builder = (
            builder.connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(ANSWER_TIMEOUT)
            .write_timeout(ANSWER_TIMEOUT)
            .pool_timeout(CONNECT_TIMEOUT)
        )
    app = builder.build()
    assert isinstance(app, BotApplication)
    if own_limiter is not None:
        own_limiter.on_refused = app.metrics.rate_limited.inc
    if settings.database_url:
        app.shared_sessions = SharedSessions(app)
    processor = app.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)

    def dropped(update: Update) -> None:
        """A flooder's update dropped at arrival: handled as far as the inbox goes, and
        counted by the flood guard (which then slows them down and tells them once)."""
        app.durable.done(update.update_id)
        if update.effective_user is not None:
            app.bot_data.flood.note(update.effective_user.id, sent_at(update, clock))

    processor.on_dropped = dropped
    app.bot_data.record_handled = app.durable.done
    if isinstance(limiter, FairSendScheduler):
        flood = app.bot_data.flood

        def slowed(chat_id: int) -> bool:
            """Replies to someone asking faster than they are answered wait for everyone
            else's (private chats: the chat is the user)."""
            return flood.is_flooding(chat_id) or processor.is_backlogged(chat_id)

        limiter.slowed = slowed
    if app.updater is not None:
        updater_bot = DurableUpdates(
            app.bot,
            app.durable,
            on_lost=lambda error: stop_for_good(app, error),
            stopping=lambda: app.bot_data.stopped_for_good,
        )
        app.updater.bot = cast(ExtBot[None], updater_bot)
    handlers.register_all(app)
    return app


async def start_web_servers(
    app: BotApplication, settings: Settings, clock: Clock, token: str
) -> None:
    """Polling mode: the Mini App on WEB_LISTEN, /healthz and /metrics on METRICS_LISTEN;
    one server when both are the same address (and /healthz beside the Mini App anyway)."""
    health = lambda: health_of(app, clock)  # noqa: E731
    web_app = settings.web_app
    wanted: list[tuple[Listen, Starlette]] = []
    if web_app is not None:
        routes = mini_app_routes(MiniAppDesk(app, app.shared_sessions), token, clock)
        wanted.append((web_app.listen, build_web_app(health, app.metrics, mini_app=routes)))
    metrics = settings.metrics_listen
    if metrics is not None and (web_app is None or metrics != web_app.listen):
        wanted.append((metrics, build_web_app(health, app.metrics)))
    for listen, served in wanted:
        server = WebServer(served, listen)
        await server.start()
        app.web_servers.append(server)


def update_kind(update: object) -> str:
    """The label an update is counted under: what Telegram sent (a message, a press...)."""
    if isinstance(update, Update):
        for kind in ALLOWED_UPDATES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


async def health_of(app: BotApplication, clock: Clock) -> Health:
    """The process's health as /healthz reports it (see `bot.web.health`)."""
    data = app.bot_data
    now = clock.now()
    if not data.ready:
        return Health(now, "not open yet", data.stopped_for_good)
    services = data.services
    try:
        await services.check_database()
        backlog = await services.delivery.backlog()
        unhandled, oldest_unhandled = await services.inbox.waiting()
    except DatabaseGone as gone:
        stop_for_good(app, gone)  # the log says which database and what to do
        return Health(now, "dropped or emptied under the bot", True, database_gone=True)
    except Exception as exc:  # the check must answer, whatever the database does
        logger.warning("Health check: the database did not answer: %s", type(exc).__name__)
        return Health(now, type(exc).__name__, data.stopped_for_good)
    return Health(
        now,
        None,
        data.stopped_for_good,
        due=backlog.due,
        oldest_waited=backlog.oldest_waited,
        last_finished=backlog.last_finished,
        progress_at=backlog.progress_at,
        worker_running=data.worker is not None and not data.worker.done(),
        unhandled=unhandled,
        oldest_unhandled=oldest_unhandled,
    )


async def organizer_menus(services: Services) -> dict[int, tuple[str, OrganizerRole]]:
    """Each organizer's language and role, for their menu."""
    users = services.users
    return {
        user_id: (users.language_of(user) if user else users.default_language, role)
        for user_id, (user, role) in (await services.organizers.menus()).items()
    }


def file_url(api_url: str) -> str:
    """Where files are downloaded from: "<server>/file/bot" beside "<server>/bot", as on
    api.telegram.org and self-hosted Bot API servers."""
    if api_url.endswith("/bot"):
        return api_url[: -len("/bot")] + "/file/bot"
    return api_url.rstrip("/") + "/file/bot"
