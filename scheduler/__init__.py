"""Scheduler: what is due when (meeting reminders, round prompts and nudges, retention).

Filled in by the "Meetings and reminders" work; the outbox table it drains already lives in
``storage.models.OutboxMessage``.
"""
