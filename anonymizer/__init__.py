"""Stripping identifiers from datasets before they leave for the Department.

Pure functions and objects from (rows, policy) to rows plus a risk report: no Flask,
no database, no network. ``policy`` says what happens to each column, ``tables``
runs the two passes over one table, ``kanonymity`` holds the published quasi-
identifiers to k, ``scrub`` cleans free text, ``ordering`` hides the arrival order.
"""
from anonymizer.ordering import KeyOrder, RowSpool
from anonymizer.policy import Column, Policy, PolicyError, Rule, load_policy
from anonymizer.scrub import Scrubber
from anonymizer.tables import OutputColumn, TableAnonymizer, pseudonym

CODE_VERSION = "sapat-anonymizer/1"

__all__ = ["CODE_VERSION", "Column", "OutputColumn", "Policy", "PolicyError", "Rule", "Scrubber",
           "KeyOrder", "RowSpool", "TableAnonymizer", "load_policy", "pseudonym"]
