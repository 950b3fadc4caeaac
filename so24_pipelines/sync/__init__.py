"""The one loader every target write goes through: diff, plan, dry-run, write, log, retry."""
