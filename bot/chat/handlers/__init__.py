"""Telegram handlers, one module per feature; each exposes ``handlers()`` for the app factory.

A handler parses the update, opens one transaction (which also records the update as handled),
calls one action, and replies.
"""
