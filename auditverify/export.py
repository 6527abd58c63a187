"""Verifying a JSON Lines export (`rabrong audit export`), streamed line by line.

Only the entries' 32-byte leaf hashes are kept (see merkle.LeafStore), because the
checkpoints come after the entries and each needs the root of an earlier prefix.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditverify.canonical import ZERO_HASH, JsonError, parse_json
from auditverify.checkpoints import NoteLine, check_checkpoints, check_trusted
from auditverify.entries import EntryLine, read_entry
from auditverify.findings import Finding, FindingSink, Kind, Report
from auditverify.keychain import KeyChain
from auditverify.merkle import LeafStore, leaf_hash
from auditverify.note import PublicKey

FORMAT = "rabrong-audit-export/1"


def _decoded(raw: bytes | str) -> str | None:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _raw_bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")


class _ExportCheck:
    """The state carried from one line to the next."""

    def __init__(self, key: PublicKey, trusted: str | None) -> None:
        self.keys = KeyChain(key)
        self.trusted = trusted
        self.sink = FindingSink()
        self.leaves = LeafStore()
        self.notes: list[NoteLine] = []
        self.lines_read = 0
        self.origin: str | None = None
        self.header_size: int | None = None
        # The stored entry_hash of the previous entry; None when it could not be read.
        self.expected_prev: str | None = ZERO_HASH
        self.prev_seq: int | None = None

    def add(self, kind: Kind, message: str, seq: int | None, line: int) -> None:
        self.sink.add(Finding(kind, message, seq=seq, line=line))

    def add_entry(
        self, kind: Kind, message: str, line: int, position: int, entry: EntryLine | None
    ) -> None:
        """A finding about the entry at `position`, naming it there."""
        self.add_at(kind, message, line, position, entry, position)

    def add_at(
        self,
        kind: Kind,
        message: str,
        line: int,
        position: int,
        entry: EntryLine | None,
        first_bad: int,
    ) -> None:
        """A finding about the entry at `position` that shows the log going wrong from
        `first_bad` on; it names the entry both by position and by the seq it carries."""
        entry_seq = None if entry is None else entry.seq
        finding = Finding(
            kind, message, seq=first_bad, line=line, position=position, entry_seq=entry_seq
        )
        self.sink.add(finding)

    def feed(self, number: int, raw: bytes | str) -> None:
        """Check one line."""
        text = _decoded(raw)
        if text is not None:
            text = text.removesuffix("\n").removesuffix("\r")
            if not text.strip():
                return
        self.lines_read += 1
        if text is None:
            self.unreadable(number, raw, "not UTF-8")
            return
        try:
            line = parse_json(text)
        except JsonError as error:
            self.unreadable(number, raw, str(error))
            return
        kind = line.get("type") if isinstance(line, dict) else None
        if self.lines_read == 1 and kind != "header":
            message = f"line {number}: the export does not start with a header line"
            self.add(Kind.HEADER, message, None, number)
        if isinstance(line, dict) and kind == "header":
            self.header(number, line)
        elif isinstance(line, dict) and kind == "entry":
            self.entry(number, line, raw)
        elif isinstance(line, dict) and kind == "checkpoint":
            self.checkpoint(number, line)
        elif self.lines_read > 1:
            self.unreadable(number, raw, "not a header, entry or checkpoint line")

    def unreadable(self, number: int, raw: bytes | str, reason: str) -> None:
        """A line that cannot be read: the header if it is first, else an entry (so positions
        after it stay right) until checkpoints begin."""
        if self.lines_read == 1:
            self.add(Kind.HEADER, f"line {number} is not the export header: {reason}", None, number)
        elif self.notes:
            message = f"line {number} is not a checkpoint line: {reason}"
            self.add(Kind.CHECKPOINT_MALFORMED, message, None, number)
        else:
            position = len(self.leaves) + 1
            message = f"line {number} is not an entry line: {reason}"
            self.add_entry(Kind.MALFORMED, message, number, position, None)
            self.leaves.append(leaf_hash(_raw_bytes(raw)))
            self.expected_prev, self.prev_seq = None, None

    def header(self, number: int, line: dict[str, object]) -> None:
        if self.lines_read > 1:
            message = f"line {number}: a header that is not the first line"
            self.add(Kind.LAYOUT, message, None, number)
            return
        origin, size = line.get("origin"), line.get("tree_size")
        if line.get("format") != FORMAT:
            self.add(Kind.HEADER, f"the header's format is not {FORMAT!r}", None, number)
        if isinstance(origin, str) and origin:
            self.origin = origin
        else:
            self.add(Kind.HEADER, "the header has no origin", None, number)
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            self.header_size = size
        else:
            self.add(Kind.HEADER, "the header's tree_size is not an integer >= 0", None, number)

    def entry(self, number: int, line: dict[str, object], raw: bytes | str) -> None:
        position = len(self.leaves) + 1
        if self.notes:
            self.add(Kind.LAYOUT, f"line {number}: an entry after the checkpoints", None, number)
        entry = read_entry(line)
        for reason in entry.malformed:
            self.add_entry(Kind.MALFORMED, reason, number, position, entry)
        if entry.shape:
            message = "body does not follow the format: " + "; ".join(entry.shape)
            self.add_entry(Kind.BODY, message, number, position, entry)
        self.chain(number, position, entry)
        leaf = entry.leaf
        # An unreadable body still takes its place in the tree, with a leaf that cannot match.
        self.leaves.append(leaf if leaf is not None else leaf_hash(_raw_bytes(raw)))
        self.expected_prev, self.prev_seq = entry.entry_hash, entry.seq

    def chain(self, number: int, position: int, entry: EntryLine) -> None:
        prev_ok = None
        if self.expected_prev is not None and entry.prev_hash is not None:
            prev_ok = entry.prev_hash == self.expected_prev
        own_ok = entry.own_hash_ok
        self.seq(number, position, entry, own_ok, prev_ok)
        if prev_ok is False:
            what = "64 zeros" if position == 1 else "the previous entry's entry_hash"
            self.add_entry(Kind.PREV_HASH, f"prev_hash is not {what}", number, position, entry)
        if own_ok is False:
            message = "entry_hash does not match its body"
            self.add_entry(Kind.ENTRY_HASH, message, number, position, entry)

    def seq(
        self,
        number: int,
        position: int,
        entry: EntryLine,
        own_ok: bool | None,
        prev_ok: bool | None,
    ) -> None:
        seq = entry.seq
        if seq is None or seq == position:
            return
        if self.prev_seq is not None and seq == self.prev_seq + 1:
            return  # the same shift as the entry before, already reported there
        # An intact entry (its own hash holds) that does not follow the entry before it, with
        # a seq below its position, was pushed down by something inserted or moved in at or
        # after its seq; otherwise the trouble starts at this position.
        first = min(position, seq) if own_ok and prev_ok is False else position
        message = (
            f"seq is {seq} but the entry is at position {position} "
            "(an entry was deleted, inserted or moved)"
        )
        self.add_at(Kind.SEQ, message, number, position, entry, first)

    def checkpoint(self, number: int, line: dict[str, object]) -> None:
        note = line.get("note")
        if isinstance(note, str):
            self.notes.append(NoteLine(number, note))
        else:
            message = f"line {number}: a checkpoint line without a note"
            self.add(Kind.CHECKPOINT_MALFORMED, message, None, number)

    def finish(self) -> Report:
        count = len(self.leaves)
        if self.lines_read == 0:
            self.add(Kind.HEADER, "the export is empty: no header line", None, 0)
        size = self.header_size
        if size is not None and count < size:
            message = f"the header says {size} entries but the export has {count}"
            self.sink.add(Finding(Kind.MISSING_ENTRIES, message, seq=count + 1), "totals")
        elif size is not None and count > size:
            message = f"the header says {size} entries but the export has {count}"
            self.sink.add(Finding(Kind.EXTRA_ENTRIES, message, seq=size + 1), "totals")
        check_checkpoints(self.notes, self.leaves, self.keys, self.origin, self.sink)
        if self.trusted is not None:
            check_trusted(self.trusted, self.leaves, self.keys, self.sink)
        return Report(
            source="export",
            findings=self.sink.findings,
            entries_checked=count,
            checkpoints_checked=len(self.notes),
            omitted=self.sink.omitted,
            origin=self.origin,
            tree_size=size,
        )


def verify_export(
    lines: Iterable[bytes | str], key: PublicKey, trusted: str | None = None
) -> Report:
    """Verify an export given as its lines (with or without their line ends), and, given the
    note of a checkpoint the auditor trusts, that it extends that checkpoint."""
    check = _ExportCheck(key, trusted)
    for number, raw in enumerate(lines, start=1):
        check.feed(number, raw)
    return check.finish()
