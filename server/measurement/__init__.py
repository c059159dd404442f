"""Measurement mathematics of the standardized tests (§20.1.2–20.1.3, §20.1.6).

Pure functions over plain Python and numpy values, no Flask, no database: scoring a
response against its key, classical item analysis (difficulty, discrimination,
distractors, reliability, omissions), rater agreement, item response models and
proficiency levels. The services (``server.services.scoring``) read answers and keys,
call these and store or report what they return.
"""
