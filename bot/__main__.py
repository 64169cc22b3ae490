"""``python -m bot``: the same as the ``samenkracht`` command (used for worker processes)."""

from bot.cli.root import main

main()
