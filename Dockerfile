# The bot in a container: small (Python's slim image, no compiler), run as a user of its own,
# with the fonts certificates print with inside the package (no system fonts needed).
#   docker build -t webinar-bot .
#   docker run --env-file .env -v bot-data:/data webinar-bot
# With PostgreSQL and webhook mode: compose.yaml.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY locales ./locales
COPY babel.cfg ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/bot.sqlite3
RUN useradd --create-home --uid 10001 bot && mkdir /data && chown bot /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER bot
WORKDIR /home/bot
VOLUME ["/data"]
# Webhook mode listens here (WEBHOOK_LISTEN=0.0.0.0:8080 in a container), with /healthz.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import os, sys, urllib.request; listen = os.environ.get('WEBHOOK_LISTEN') or os.environ.get('METRICS_LISTEN'); sys.exit(0 if not listen else urllib.request.urlopen('http://127.0.0.1:' + listen.rsplit(':', 1)[1] + '/healthz', timeout=4).status != 200)"
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
