"""Stripping identifiers from datasets before they leave for the Department.

Pure functions from (rows, policy) to rows plus a risk report: no Flask, no database.
"""
