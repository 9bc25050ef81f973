"""Customs messages (报文) and receipts (回执) on the portal side (issue 16).

The outbox writes a record's message in the transaction that declares it, the dispatcher publishes it, the
inbox applies customs' receipts; `queries` says who may read which message, `display` shows the XML,
`resend` is staff's 重新发送.
"""
