"""Tables, repositories, the evidence store (S3) and the audit log."""
