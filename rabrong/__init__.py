"""Composition root: settings, logging, clients, the worker and the `rabrong` command."""
