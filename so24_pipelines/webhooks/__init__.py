"""Webhook receiver and inbox (ARCHITECTURE decision 7).

Senders (Rackbeat, Ongoing) POST to a small Starlette app that checks a shared token, caps the
body, stores the event in a SQLite inbox and answers 202 at once. Nothing downstream runs inside
the request: a Dagster sensor reads the inbox by sequence number, uses the event id as run_key and
debounces where a flow asks for it (R8). Keeping the two apart means a slow 24SO never makes a
sender time out, retry and eventually disable the webhook.

Modules: `inbox` (storage), `sources` (per-sender header and payload conventions), `envelope`
(event id, name, key and time of one delivery), `tokens` (shared secrets), `app` (HTTP).
"""
