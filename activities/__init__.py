"""Temporal activities: the only code that writes agreement state (database projection, S3,
audit, notifications). Every other write goes through the application layer (application/,
decision 0024)."""
