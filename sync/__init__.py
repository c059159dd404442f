"""Moving forms and submissions between Central-compatible servers, built on pyodk.

Never imports ``server``: it talks to any ODK Central or Sapat over HTTP.
"""
