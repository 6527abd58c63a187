"""The HTTP API: authenticate, parse, send the command to its workflow, answer. Thin."""
