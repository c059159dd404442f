"""The data-key rotation command (being written)."""
