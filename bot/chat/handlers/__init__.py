"""Telegram handlers, one module per feature; each exposes ``handlers()`` for the app factory,
whose ``register()`` decides the order of all of them (``bot.chat.app``).

A handler parses the update, opens one transaction (which also records the update as handled),
calls one action, and replies. A button's handler is a ``@button`` (``handlers.buttons``): it
gets the decoded, typed button; answering the press and refusing a stale or foreign button
happen there, once for all.
"""
