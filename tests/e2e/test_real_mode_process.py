"""``samenkracht run`` with a token runs unchanged against any server speaking the Bot API."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from pathlib import Path

from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from support import SAMENKRACHT, Member

TOKEN = "7770001:real-mode-token-under-test"


async def cli(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a CLI command in a thread, so this loop's server can answer it meanwhile."""
    result = await asyncio.to_thread(
        subprocess.run,
        [SAMENKRACHT, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_token_and_base_url_point_the_bot_at_another_server(tmp_path: Path):
    server = BotApiServer()
    server.add_bot(TOKEN, username="regio_test_bot", first_name="Regio")
    url = await server.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": url}
    try:
        created = await cli(["group", "create", "Regio test", "--contact", "a@b.nl"], tmp_path, env)
        group_id = re.search(r"Group (\d+)", created)
        assert group_id is not None
        # No --bot-username: the CLI asks the Bot API (getMe) for it.
        link = await cli(
            ["invite", "create", "--group", group_id.group(1), "--role", "professional"],
            tmp_path,
            env,
        )
        found = re.search(r"https://t\.me/regio_test_bot\?start=(\S+)", link)
        assert found is not None, link

        process = await asyncio.create_subprocess_exec(
            SAMENKRACHT,
            "run",
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            async with DriverClient(url) as driver:
                member = Member(driver, user_id=840001)
                await member.say(f"/start {found.group(1)}")
                consent = await member.reply("Voordat je begint", timeout=30)
                await member.press(consent, "Ja, ik doe mee")
                await member.reply("Jouw rol: professional")
                await member.reply("Er staan nu geen vragen voor je klaar")
        finally:
            process.send_signal(signal.SIGTERM)
            _, raw_stderr = await asyncio.wait_for(process.communicate(), timeout=15)
        stderr = raw_stderr.decode()
        assert process.returncode == 0, stderr
        assert TOKEN not in stderr, "the token never reaches the logs"
        assert TOKEN.split(":")[1] not in stderr
    finally:
        await server.stop()
