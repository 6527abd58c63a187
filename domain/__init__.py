"""Pure rules of Rabrong: agreements, scoring, lifecycle. Standard library and pydantic only."""
