"""``samenkracht outbox drain``: plan and send what is due now, from any process.

Several may drain at once (claims are exclusive); SIGTERM finishes the chunk in hand.
"""

from __future__ import annotations

import click

from bot.chat.worker import drain
from bot.cli.common import clear_errors, run_async, settings_of


@click.group("outbox")
def outbox_group() -> None:
    """Scheduled messages."""


@outbox_group.command("drain")
@click.option("--until-empty", is_flag=True, help="Keep going until nothing waits.")
@click.option("--max-rate", type=float, default=25.0, show_default=True, help="Messages/s.")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds.")
@click.option(
    "--backoff", type=float, default=10.0, show_default=True, help="First retry wait, seconds."
)
@click.option(
    "--lease",
    type=float,
    default=120.0,
    show_default=True,
    help="Seconds a claim lasts before another process may take it over.",
)
@click.pass_context
@clear_errors
def outbox_drain(
    context: click.Context,
    until_empty: bool,
    max_rate: float,
    timeout: float,
    backoff: float,
    lease: float,
) -> None:
    """Plan and send what is due now (several processes may drain at once).

    SIGTERM stops it cleanly: the messages in hand are sent, the rest is handed back.
    """
    report, counts = run_async(
        drain(
            settings_of(context),
            until_empty=until_empty,
            max_rate=max_rate,
            timeout=timeout,
            backoff=backoff,
            lease=lease,
        )
    )
    click.echo(
        f"sent={report.sent} retried={report.retried} ambiguous={report.ambiguous} "
        f"failed={report.failed} unreachable={report.unreachable} pauses={len(report.paused)}"
    )
    click.echo(" ".join(f"{status}={n}" for status, n in sorted(counts.items())))
