"""`python -m bot` as it paced its sending before the fair scheduler: python-telegram-bot's
`AIORateLimiter`, one slot every 1/29 s for every message, first come, first served, no per-chat
pace, no retry after a 429. Everything else is the bot's own start-up (`bot.__main__.main`):
settings from the environment, the database prepared, polling with retries. For
bench/fair_sending.py's comparison only.

    python -m bench.first_come_bot
"""

from __future__ import annotations

import sys
from typing import Any
from unittest.mock import patch

from telegram.ext import AIORateLimiter

import bot.app
from bot.__main__ import main
from bot.services.delivery import OVERALL_RATE

_build_application = bot.app.build_application


def first_come(settings: Any, **options: Any) -> bot.app.BotApplication:
    limiter = AIORateLimiter(
        overall_max_rate=1, overall_time_period=1 / OVERALL_RATE, max_retries=0
    )
    return _build_application(settings, limiter=limiter, **options)


if __name__ == "__main__":
    with patch.object(bot.app, "build_application", first_come):
        sys.exit(main())
