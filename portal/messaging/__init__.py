"""The portal's side of the customs messages (issue 16): build, sign and enqueue messages, apply receipts."""
