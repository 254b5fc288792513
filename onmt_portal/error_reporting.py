"""Errors sent to a Sentry-compatible service (SENTRY_DSN): the exception and where it happened, never a
person's data (law 09-08): no user, cookies, headers, request bodies, query strings or local variables."""

import sentry_sdk

OFF = {"mode": "off"}


def error_reporting_start(*, dsn: str, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        data_collection={
            "user_info": False,
            "cookies": OFF,
            "http_headers": {"request": OFF},
            "http_bodies": [],
            "url_query_params": OFF,
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        # Errors only: no performance tracing.
        traces_sample_rate=0,
    )
