"""What belongs to an installation: backups, metrics, log formats, security.txt."""
