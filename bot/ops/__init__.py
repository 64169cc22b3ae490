"""What belongs to an installation: keys, health, metrics, backups, supervisor, logs."""
