"""On-demand benchmarks: ``python -m benchmarks`` (see README "Benchmarks").

Each benchmark runs the project's local Bot API server on 127.0.0.1 and real processes over
real HTTP, and measures its own baseline in the same run: a bare python-telegram-bot echo
bot, a bare send loop, ``import telegram.ext``, loading the same rows from the database.
"""
