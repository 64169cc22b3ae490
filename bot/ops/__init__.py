"""What belongs to an installation: keys, health, the worker supervisor, log redaction."""
