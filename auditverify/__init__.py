"""Offline verifier for Rabrong audit exports and bundles, written from docs/audit-format.md.

It imports only the standard library and `cryptography`, never the server's packages, so that
it checks the document rather than agreeing with the code that wrote the log.

- `canonical`: canonical JSON, strict JSON parsing, the entry hash chain;
- `merkle`: RFC 9162 tree hashes, inclusion and consistency proofs, a prefix-root leaf store;
- `note`: verifier keys (PEM or vkey), C2SP signed notes and checkpoints;
- `entries`: one entry line and its body's shape;
- `export`, `checkpoints`: verifying a JSON Lines export;
- `bundle`: verifying a ZIP bundle;
- `findings`: findings, their order and the report;
- `cli`: `verify FILE --public-key KEY [--json]`.
"""
