"""Everything that speaks Telegram: the Application, handlers, inbox, webhook, delivery."""
