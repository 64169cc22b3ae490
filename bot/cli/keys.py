"""``samenkracht keys …``: the encryption keys at rest: status, rotate, generate.

Added to the root command group by ``bot.cli.root``. Keys come from SAMENKRACHT_ENCRYPTION_KEY
(``id:base64key,…``, newest last) or, in the playground, the local key file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import click

from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.ops.keys import check_encryption
from bot.settings import Settings
from storage import crypto
from storage.errors import KeyringError
from storage.repositories import encryption

DEFAULT_BATCH = 200


async def key_status(settings: Settings) -> dict[str, Counter[str]]:
    """Count the stored values of every encrypted column per key id."""
    async with open_database(settings) as db, db.read() as session:
        return {
            str(column): await encryption.key_counts(session, column)
            for column in encryption.encrypted_columns()
        }


async def rotate(
    settings: Settings,
    batch_size: int,
    on_batch: Callable[[int], None] = lambda done: None,
) -> int:
    """Re-encrypt every value under the newest key, one committed batch at a time.

    Values already under the newest key are skipped, so an interrupted rotation resumes
    where it stopped. ``on_batch`` hears how many values each batch handled.
    """
    keyring = crypto.active_keyring()
    async with open_database(settings) as db:
        await check_encryption(db)
        total = 0
        for column in encryption.encrypted_columns():
            after = 0
            while True:
                async with db.write() as session:
                    last, rotated = await encryption.rotate_batch(
                        session, column, keyring, after, batch_size
                    )
                if last is None:
                    break
                after = last
                total += rotated
                on_batch(rotated)
        return total


@click.group()
def keys() -> None:
    """Encryption keys at rest (SAMENKRACHT_ENCRYPTION_KEY)."""


@keys.command("status")
@click.pass_context
@clear_errors
def keys_status(context: click.Context) -> None:
    """Count the stored texts per key id, and how many wait for rotation."""
    newest = crypto.active_keyring().newest_id
    totals: Counter[str] = Counter()
    for column, counts in run_async(key_status(settings_of(context))).items():
        totals.update(counts)
        shown = " ".join(f"{key_id}={n}" for key_id, n in sorted(counts.items())) or "empty"
        click.echo(f"{column}: {shown}")
    shown = " ".join(f"{key_id}={n}" for key_id, n in sorted(totals.items())) or "empty"
    click.echo(f"total: {shown}")
    waiting = sum(n for key_id, n in totals.items() if key_id != newest)
    click.echo(f"newest key: {newest}; {waiting} to rotate")


@keys.command("rotate")
@click.option("--batch-size", type=click.IntRange(1), default=DEFAULT_BATCH, show_default=True)
@click.pass_context
@clear_errors
def keys_rotate(context: click.Context, batch_size: int) -> None:
    """Re-encrypt every stored text under the newest key (safe to interrupt and run again)."""
    settings = settings_of(context)
    newest = crypto.active_keyring().newest_id
    counts = run_async(key_status(settings))
    waiting = sum(n for c in counts.values() for key_id, n in c.items() if key_id != newest)
    with click.progressbar(length=waiting, label=f"Re-encrypting under {newest}") as bar:
        done = run_async(rotate(settings, batch_size, on_batch=bar.update))
    click.echo(f"{done} texts re-encrypted; every stored text is under key {newest}.")


@keys.command("generate")
@click.option("--id", "key_id", default="k1", show_default=True, help="The new key's id.")
def keys_generate(key_id: str) -> None:
    """Print a new random key entry, to append (after a comma) to SAMENKRACHT_ENCRYPTION_KEY."""
    try:
        click.echo(crypto.generate_key_entry(key_id))
    except KeyringError as error:
        raise click.BadParameter(str(error), param_hint="--id") from None
