"""Customs messages on the portal side (issue 16): building, sending, and applying receipts."""
