"""What the API and the web pages show: public models, each mapped field by field from the
internal state (the workflow's state and the stored JSON, which may change shape with their
schema version). A field renamed inside changes one mapping here, not the published contract.

One module per feature; routes and pages render these models and nothing internal
(tests/unit/test_public_models.py walks the OpenAPI document to keep it so)."""
