"""Scheduler: what is due when, and sending it exactly once.

``planner`` (pure) derives the wanted messages — meeting reminders, Uitkomsten reminders, round
prompts and nudges — from rows and an injected clock; ``sync`` reconciles them with the outbox;
``outbox`` claims due rows, sends them through an injected sender and marks them; ``retention``
finds the rounds whose answers are past their retention and deletes those answers.
"""
