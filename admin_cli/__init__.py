"""``sapat``: the command line over the server's services (no SQL here)."""
