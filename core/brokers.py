"""Celery's connection options for the broker a URL names: Redis (the default) or RabbitMQ."""

AMQP_SCHEMES = ("amqp://", "amqps://", "pyamqp://")


def broker_transport_options(url: str, *, visibility_timeout: int) -> dict:
    if url.startswith(AMQP_SCHEMES):
        # RabbitMQ delivers a killed worker's unacknowledged task again as soon as its connection drops
        # (no visibility timeout); a publication waits for the broker's confirmation, and a hung broker
        # fails it within seconds.
        return {"confirm_publish": True, "read_timeout": 2, "write_timeout": 2}
    # Short socket timeouts: a hung Redis must not hang a web request that dispatches.
    return {
        "visibility_timeout": visibility_timeout,
        # Look for unacknowledged tasks of killed workers at least every 10 s (one cheap Redis query).
        "unacked_restore_interval": min(10, max(1, visibility_timeout // 2)),
        "unacked_restore_throttle": 1,
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
