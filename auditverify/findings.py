"""What the verifier found: findings, their order, and the report that carries them.

A finding names the first bad index where the format lets us name one: an exact `seq`
(leaf index `seq - 1`), or, for a checkpoint whose root does not match, the range of entries
between the previous good checkpoint and this one. Findings are sorted so that the earliest
bad index comes first; `Report.first_bad` is that index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """Kinds of finding, in the order they are listed when they name the same entry."""

    SEQ = "seq"
    PREV_HASH = "prev_hash"
    ENTRY_HASH = "entry_hash"
    BODY = "body"
    MALFORMED = "malformed"
    INCLUSION = "inclusion"
    DUPLICATE_SEQ = "duplicate_seq"
    MISSING_ENTRIES = "missing_entries"
    EXTRA_ENTRIES = "extra_entries"
    CHECKPOINT_SIZE = "checkpoint_size"
    CHECKPOINT_ROOT = "checkpoint_root"
    CHECKPOINT_MALFORMED = "checkpoint_malformed"
    CHECKPOINT_KEY_NAME = "checkpoint_key_name"
    CHECKPOINT_KEY_ID = "checkpoint_key_id"
    CHECKPOINT_SIGNATURE = "checkpoint_signature"
    CHECKPOINT_ORIGIN = "checkpoint_origin"
    KEY_HANDOVER = "key_handover"
    TRUSTED_CHECKPOINT = "trusted_checkpoint"
    UNSIGNED_TAIL = "unsigned_tail"
    HEADER = "header"
    LAYOUT = "layout"
    MANIFEST = "manifest"
    EVIDENCE_HASH = "evidence_hash"
    EVIDENCE_MISSING = "evidence_missing"
    EVIDENCE_UNLISTED = "evidence_unlisted"


_RANK = {kind: rank for rank, kind in enumerate(Kind)}


@dataclass(frozen=True)
class Finding:
    """One thing that did not verify.

    `seq` is set only when the finding names one entry: the index where the log first goes
    wrong (leaf index `seq - 1`); `seq_range` (first, last) when it names a stretch of
    entries, as a checkpoint root mismatch does; `tree_size` when it is about a checkpoint;
    `line` is the 1-based line of the export or entries file.

    A finding about one entry line also says which line that is, both ways, since they differ
    exactly when entries were moved: `position`, where the entry sits (1-based, exports), and
    `entry_seq`, the seq the entry itself carries (None when unreadable).
    """

    kind: Kind
    message: str
    seq: int | None = None
    tree_size: int | None = None
    seq_range: tuple[int, int] | None = None
    line: int | None = None
    position: int | None = None
    entry_seq: int | None = None

    @property
    def leaf_index(self) -> int | None:
        """The Merkle leaf index of the named entry (`seq - 1`)."""
        return None if self.seq is None else self.seq - 1

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {
            "kind": self.kind.value,
            "message": self.message,
            "seq": self.seq,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "seq_range": None if self.seq_range is None else list(self.seq_range),
            "line": self.line,
            "position": self.position,
            "entry_seq": self.entry_seq,
        }

    def describe(self) -> str:
        """One line naming where the finding is and what it is."""
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def where(self) -> str:
        """The entry's position and the seq it carries, and where the log first goes wrong
        when that is elsewhere; empty for a finding about no entry."""
        if self.position is None and self.entry_seq is None:
            return "" if self.seq is None else f"seq {self.seq} (leaf index {self.seq - 1})"
        carried = "seq unreadable" if self.entry_seq is None else f"seq {self.entry_seq}"
        if self.position is None:  # a bundle's entries are a subset, named by their seq
            return carried if self.line is None else f"{carried} (entries.jsonl line {self.line})"
        text = f"position {self.position}, {carried}"
        if self.seq is not None and self.seq != self.position:
            first = f"position {self.seq}, leaf index {self.seq - 1}"
            return f"{text} (the log goes wrong from {first})"
        return f"{text} (leaf index {self.position - 1})"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Earliest bad index first.

    A root mismatch over seq a..b is placed at `a`, unless an exact finding lies inside a..b:
    that finding already explains the mismatch, so it goes first. Findings that name no
    entries at all (a forged checkpoint, a malformed header) go last.
    """
    items = list(findings)
    exact = sorted(f.seq for f in items if f.seq is not None)

    def position(finding: Finding) -> tuple[int, float, int]:
        if finding.seq is not None:
            return (0, finding.seq, 0)
        if finding.seq_range is not None and finding.kind is Kind.CHECKPOINT_ROOT:
            first, last = finding.seq_range
            inside = [s for s in exact if first <= s <= last]
            return (0, inside[0], 1) if inside else (0, first, 0)
        return (1, finding.tree_size if finding.tree_size is not None else float("inf"), 0)

    order = {id(f): n for n, f in enumerate(items)}
    return sorted(items, key=lambda f: (position(f), _RANK[f.kind], order[id(f)]))


@dataclass
class Report:
    """The outcome of verifying one export or bundle."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    entries_checked: int = 0
    checkpoints_checked: int = 0
    omitted: int = 0
    origin: str | None = None
    tree_size: int | None = None

    def __post_init__(self) -> None:
        self.findings = sort_findings(self.findings)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings and self.omitted == 0

    @property
    def first_bad(self) -> int | None:
        """The seq the first finding names: its entry, or the start of its range (None when
        it names no entry, as for a forged checkpoint)."""
        if not self.findings:
            return None
        first = self.findings[0]
        if first.seq is not None:
            return first.seq
        return None if first.seq_range is None else first.seq_range[0]

    def summary(self) -> str:
        """The one-line verdict."""
        if self.ok:
            return (
                f"OK: {self.source} verifies: {self.entries_checked} entries, "
                f"{self.checkpoints_checked} checkpoints"
            )
        first = self.findings[0]
        prefix = "first bad entry " if first.seq is not None else ""
        return f"FAILED: {prefix}{first.describe()}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        first_bad = self.first_bad
        return {
            "ok": self.ok,
            "source": self.source,
            "summary": self.summary(),
            "first_bad": first_bad,
            "first_bad_leaf_index": None if first_bad is None else first_bad - 1,
            "entries_checked": self.entries_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "omitted": self.omitted,
            "findings": [f.to_dict() for f in self.findings],
        }


class FindingSink:
    """Collects findings, keeping at most `limit` per group so that a log whose every entry
    is bad does not fill memory; the earliest are kept because entries arrive in order."""

    def __init__(self, limit: int = 1000) -> None:
        self._limit = limit
        self._kept: list[Finding] = []
        self._per_group: dict[str, int] = {}
        self.omitted = 0

    def add(self, finding: Finding, group: str = "entries") -> None:
        """Keep `finding`, or count it as omitted when its group is full."""
        count = self._per_group.get(group, 0)
        if count >= self._limit:
            self.omitted += 1
            return
        self._per_group[group] = count + 1
        self._kept.append(finding)

    @property
    def findings(self) -> list[Finding]:
        """The findings kept so far, in arrival order."""
        return list(self._kept)


class UnusableInput(Exception):
    """The input cannot be verified at all (unreadable file, not a ZIP archive, ...)."""
