"""Customs messages on the wire (issue 16): formats, schemas, signatures and transports.

Imports nothing from the portal or Flask; may import `rules` (plain data).
"""
