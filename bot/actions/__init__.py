"""Domain operations: each runs inside one transaction the caller opens and commits.

Handlers and the CLI call the same operations. They raise ``bot.errors`` on refusals and
return small frozen dataclasses the caller turns into replies.
"""
