"""The bot's web server (transport, like `handlers`): Telegram's webhook, `/healthz` and
`/metrics` for the operator's load balancer and Prometheus."""
