"""Temporal activities: the only code that writes state (database, S3, audit, notifications)."""
