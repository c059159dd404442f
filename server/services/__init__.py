"""Domain rules. Services know the database through ``server.storage`` but never the request."""
