"""24SO as a source: the E1-E7 extraction into staging (SyncList batches, change reads)."""
