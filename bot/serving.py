"""Webhook mode: the bot as a web server Telegram posts updates to (WEBHOOK_URL).

The same lifecycle as python-telegram-bot's `run_polling` (initialize, post_init, start, then
stop, post_stop, shutdown, post_shutdown), run on an event loop of our own so that the web
server is the bot's (`bot.web`: the webhook beside /healthz and /metrics) and
`Application.stop_running()` still stops it (it stops the loop, as in `run_polling`).
SIGINT and SIGTERM stop it the same way; the webhook stays set, so Telegram keeps the updates
that come meanwhile (and, with several processes, posts them to the others).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.app import ALLOWED_UPDATES, BotApplication, health_of
from bot.clock import SystemClock
from bot.config import Settings
from bot.web.mini_app import mini_app_routes
from bot.web.routes import WebhookRoute, build_web_app
from bot.web.server import WebServer
from handlers.durable_updates import WebhookIntake
from handlers.errors import stop_for_good
from handlers.mini_app import MiniAppDesk

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 40  # Telegram's default: updates posted at once, to all processes together
RETRY_SET_WEBHOOK = (1, 2, 5, 10, 30)  # seconds, then every 30 s


def run_webhook(app: BotApplication, settings: Settings) -> None:
    if settings.metrics_listen is not None and settings.webhook is not None:
        logger.warning(
            "METRICS_LISTEN is not used in webhook mode: /healthz and /metrics are served on "
            "%s with the webhook",
            settings.webhook.listen,
        )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    starting = loop.create_task(_start(app, settings), name="start-up")

    stopping: list[bool] = []

    def on_signal() -> None:
        """Stop: during start-up by abandoning it (Telegram may be unreachable for long). A
        second signal while stopping changes nothing (stopping the loop then would leave the
        updates and the messages in hand half done); SIGKILL ends the process at once."""
        if stopping:
            logger.warning("Already stopping: finishing what is in hand (SIGKILL ends at once)")
            return
        stopping.append(True)
        if starting.done():
            loop.stop()
        else:
            starting.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(starting)
        if not starting.cancelled() and not app.bot_data.stopped_for_good:
            loop.run_forever()
    finally:
        try:
            loop.run_until_complete(_stop(app))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            asyncio.set_event_loop(None)


async def _start(app: BotApplication, settings: Settings) -> None:
    webhook = settings.webhook
    assert webhook is not None
    await _initialize(app)
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    intake = WebhookIntake(
        app.bot,
        app.durable,
        app.update_queue,
        app.bot_data.services.inbox_claims,
        on_lost=lambda error: stop_for_good(app, error),
    )
    app.intake = intake
    route = WebhookRoute(webhook.path, webhook.secret, intake.receive)
    clock = SystemClock()
    mini_app = (
        mini_app_routes(MiniAppDesk(app, app.shared_sessions), settings.bot_token or "", clock)
        if settings.web_app is not None
        else []
    )
    server = WebServer(
        build_web_app(lambda: health_of(app, clock), app.metrics, route, mini_app),
        webhook.listen,
    )
    await server.start()  # listening before Telegram is told where to post
    app.web_servers.append(server)
    await _set_webhook(app, settings)
    intake.start()  # what was stored and not handled before (or by a process gone) comes
    logger.info("Webhook set; receiving updates on %s", webhook.listen)


async def _until_reached(doing: str, call: Callable[[], Awaitable[object]]) -> None:
    """`call` made, tried again while the Bot API cannot be reached (a bot started at boot
    before the network, or while Telegram is away, waits as long polling does); a refusal
    (a revoked token...) goes to the caller."""
    for attempt in itertools.count():
        try:
            await call()
            return
        except (InvalidToken, BadRequest):  # BadRequest is a NetworkError in telegram.error
            raise
        except NetworkError as exc:
            wait = RETRY_SET_WEBHOOK[min(attempt, len(RETRY_SET_WEBHOOK) - 1)]
            logger.warning(
                "Could not reach the Bot API %s (%s); again in %d s",
                doing,
                type(exc).__name__,
                wait,
            )
            await asyncio.sleep(wait)


async def _initialize(app: BotApplication) -> None:
    """The Bot API reached once (getMe)."""
    await _until_reached("at start", app.initialize)


async def _set_webhook(app: BotApplication, settings: Settings) -> None:
    """Tell Telegram where to post; a refusal (a bad URL) is final."""
    webhook = settings.webhook
    assert webhook is not None
    try:
        await _until_reached(
            "to set the webhook",
            lambda: app.bot.set_webhook(
                url=webhook.url,
                secret_token=webhook.secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_CONNECTIONS,
            ),
        )
    except InvalidToken:
        raise
    except TelegramError as exc:
        logger.critical("Telegram refused the webhook %s: %s", webhook.url, exc.message)
        app.bot_data.stopped_for_good = True


async def _stop(app: BotApplication) -> None:
    while app.web_servers:
        await app.web_servers.pop().stop()
    if app.running:
        await app.stop()  # the updates in hand are handled first
    if app.intake is not None:
        await app.intake.stop()  # then what is claimed and not handled goes to the others
        app.intake = None
    # As run_polling does: the delivery worker finishes its message in flight (post_stop)
    # before the Bot is shut down, which cancels the sends still waiting for their slot.
    if app.post_stop is not None and app.bot_data.ready:
        await app.post_stop(app)
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
