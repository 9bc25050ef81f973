"""Customs messages as they cross the wire (issue 16): the XML formats and their XSDs, the transport
envelope, signatures and transports. Imports nothing from the portal or Flask (it may read `rules`),
so the simulated customs and the portal share one definition of every message and receipt.
"""
