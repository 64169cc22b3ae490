"""Prometheus metrics: counters the process keeps, gauges read from the database per scrape.

Labels never carry personal data or ids: only fixed words (``reason="429"``). Counters are
per process (with several workers each keeps its own; Prometheus adds them up when it scrapes
every process, e.g. one container per process). The database gauges come from the same check
as ``/healthz``; while the database is down a scrape still answers, with
``samenkracht_database_up 0`` and without the gauges it could not read.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.ops.health import Health
from storage.outage import OutageLog

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES_HANDLED = Counter(
    "samenkracht_updates_handled",
    "Telegram updates this process has run its handlers for.",
    registry=REGISTRY,
)
ANSWERS_STORED = Counter(
    "samenkracht_answers_stored",
    "Answers (or answer parts) members gave that this process committed.",
    registry=REGISTRY,
)
OUTBOX_SENT = Counter(
    "samenkracht_outbox_sent",
    "Scheduled messages this process sent.",
    registry=REGISTRY,
)
OUTBOX_AMBIGUOUS = Counter(
    "samenkracht_outbox_ambiguous",
    "Scheduled messages whose send went out but whose answer was lost (not resent).",
    registry=REGISTRY,
)
OUTBOX_RETRIED = Counter(
    "samenkracht_outbox_retried",
    "Scheduled messages put back for a later try.",
    registry=REGISTRY,
)
SEND_RETRIES = Counter(
    "samenkracht_bot_api_retries",
    "Bot API calls tried again, by reason: 429 (Telegram's flood limit) or network.",
    ["reason"],
    registry=REGISTRY,
)
CONSOLE_SIGN_INS = Counter(
    "samenkracht_console_sign_ins",
    "Staff console sign-ins, by result (ok, refused).",
    ["result"],
    registry=REGISTRY,
)
for _reason in ("429", "network"):
    SEND_RETRIES.labels(reason=_reason)
for _result in ("ok", "refused"):
    CONSOLE_SIGN_INS.labels(result=_result)

_GAUGES = {
    "members": ("samenkracht_members", "People with a membership in any group."),
    "open_rounds": ("samenkracht_open_rounds", "Input rounds open now."),
    "unhandled_updates": (
        "samenkracht_unhandled_updates",
        "Updates received but not yet handled.",
    ),
    "outbox_due": ("samenkracht_outbox_due", "Scheduled messages due now and not yet sent."),
    "outbox_stuck": ("samenkracht_outbox_stuck", "Scheduled messages whose claim ran out."),
    "outbox_ambiguous": (
        "samenkracht_outbox_ambiguous_now",
        "Scheduled messages marked ambiguous (check by hand).",
    ),
    "outbox_lag_seconds": (
        "samenkracht_outbox_lag_seconds",
        "Seconds the oldest due scheduled message has waited.",
    ),
}


class DatabaseErrors(Collector):
    """``samenkracht_database_errors_total``: failed calls every ``OutageLog`` of this process
    noted (storage keeps the count; it imports nothing of ours)."""

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        found = CounterMetricFamily(
            "samenkracht_database_errors",
            "Database calls that failed because the database could not be reached.",
        )
        found.add_metric([], float(OutageLog.failures))
        yield found


REGISTRY.register(DatabaseErrors())


class HealthCollector(Collector):
    """Yields the last health check as gauges (set just before each scrape)."""

    def __init__(self) -> None:
        self.health: Health | None = None

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        health = self.health
        if health is None:
            return
        up = GaugeMetricFamily(
            "samenkracht_database_up", "1 when the database answered this scrape, else 0."
        )
        up.add_metric([], 1.0 if health.database == "ok" else 0.0)
        yield up
        current = GaugeMetricFamily(
            "samenkracht_schema_current", "1 when the database schema is the one this code wants."
        )
        current.add_metric([], 1.0 if health.schema == "current" else 0.0)
        yield current
        for field, (name, documentation) in _GAUGES.items():
            value = getattr(health, field)
            if value is not None:
                gauge = GaugeMetricFamily(name, documentation)
                gauge.add_metric([], float(value))
                yield gauge


_HEALTH = HealthCollector()
REGISTRY.register(_HEALTH)


def render(health: Health) -> bytes:
    """The scrape's text: the process's counters and ``health`` as gauges."""
    _HEALTH.health = health
    try:
        return generate_latest(REGISTRY)
    finally:
        _HEALTH.health = None
