"""Test helpers: generated forms, submissions and a live server on loopback."""
