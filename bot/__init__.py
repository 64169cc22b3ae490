"""Samenkracht-bot: the Telegram side, the application, and the command line."""
