"""Emulator of the Rackbeat REST API (https://app.rackbeat.com/api), mounted by the sandbox at /rackbeat.

See `system.py` for the token, the paths and the control API. Behaviour follows
reference/rackbeat/API.md; where the vendor documents nothing the choice is marked as an
assumption in the module that makes it.
"""
