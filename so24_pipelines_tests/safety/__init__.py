"""Safety: whole-system diffs before and after; the hub never damages a record it touches."""
