"""The HTTP API: authenticate, parse, call the application layer (application/), answer. Thin:
it reads through storage's read side and never writes itself."""
