"""The web app: server-rendered pages over the application layer (decision 0031)."""
