"""The application layer: one function per use case, the way every write goes in.

API routes, the `rabrong` command and the web pages call these functions, with keyword
arguments and the actor (a domain Principal, or for agreement commands the Actor inside the
command); none of them opens a write transaction or appends to the audit log itself.

- Agreement, complaint and cascade commands go to their workflow's Update (agreements.py,
  complaints.py, cascades.py through gateway.py); the recording activity writes the projection
  and the audit entry. commands.py is the one table of each agreement command's route, Update,
  step and audit actions (decision 0029).
- What they answer, and what pages render, are the public models of public/, mapped from the
  workflows' internal state (decision 0029).
- Every other write (identity.py, organisation.py, delegations.py, inbox.py,
  evidence_reads.py) is one unit of work (storage.unit_of_work) that appends its audit entry,
  where one is written, in the same transaction (recording.py).

New use cases, and new audit entries for existing ones, belong here. Decision 0024.
"""
