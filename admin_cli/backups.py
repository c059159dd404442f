"""Commands for encrypted backups and restores (being written)."""
