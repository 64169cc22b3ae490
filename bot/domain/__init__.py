"""Pure domain logic: no Telegram, no SQL; plain values in, decisions out, the clock passed in."""
