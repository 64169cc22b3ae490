"""The local playground: a Bot API server of our own, its driver API and the web chat page."""

from bot.playground.botapi import BotApiServer, BotInfo

__all__ = ["BotApiServer", "BotInfo"]
