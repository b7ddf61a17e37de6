"""What the notification outbox and the enforcement queue share to get a message out.

Both deliver signed JSON to a platform endpoint with exactly-once effect; they used to
carry two copies of the signing, the HTTP outcome rules, the retry policy and the
claim-under-lease statement (issue 12), so a fix to one could miss the other.

- :mod:`mercwatch.delivery.webhook`: HMAC signature, headers, canonical JSON body and
  the signed POST with its outcome (done, retry later, refused for good).
- :mod:`mercwatch.delivery.queue`: one delivery's result, the backoff and lease
  policy, the claim of due rows under a lease, and the sent / retry / failed decision.

The wire contracts stay in their adapters (``docs/enforcement-webhook.md``,
docs/SCHEMA.md "Notification webhook"): this package only says how a body is signed
and sent, never what it holds.
"""
