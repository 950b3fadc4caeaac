"""Docs as tests: the README's and docs/flows pages' demo steps, run as written against a sandbox."""
