"""`verify FILE --public-key KEY [--json]`: the command line of the offline verifier.

Exit status: 0 when the file verifies, 1 with findings, 2 when it cannot be verified at all
(unreadable file, unusable key, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from auditverify.bundle import verify_bundle
from auditverify.export import verify_export
from auditverify.findings import Report, UnusableInput
from auditverify.note import KeyFormatError, PublicKey, parse_public_key

OK, FINDINGS, UNUSABLE = 0, 1, 2
ZIP_MAGIC = b"PK\x03\x04"
MAX_LISTED = 50


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse would exit with status 2 itself; raising lets main() report it like any
    # other unusable input (and as JSON under --json).
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rabrong audit verify",
        usage="%(prog)s [verify] FILE --public-key KEY [--trusted-checkpoint NOTE] [--json]",
        description="Verify a Rabrong audit export (JSON Lines) or bundle (ZIP) offline.",
    )
    # One word or two: callers may or may not pass the command word `verify` along.
    parser.add_argument("words", nargs="+", metavar="FILE", help="the export or bundle")
    parser.add_argument(
        "--public-key",
        required=True,
        help="a file holding the PEM key or the verifier key string, or that string itself",
    )
    parser.add_argument(
        "--trusted-checkpoint",
        metavar="NOTE",
        help="a checkpoint note you already trust (kept from before, or read from the locked "
        "bucket): the log must extend it",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def load_key(argument: str) -> PublicKey:
    """The key from a file, or from the argument itself when it names no file."""
    path = Path(argument)
    try:
        is_file = path.is_file()
    except OSError:  # e.g. a key string too long to be a file name
        is_file = False
    try:
        text = path.read_text(encoding="utf-8") if is_file else argument
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFormatError(f"cannot read the key file {argument}: {error}") from error
    return parse_public_key(text)


def load_trusted(argument: str | None) -> str | None:
    """The trusted checkpoint's note text, as written in the bucket or an export."""
    if argument is None:
        return None
    try:
        return Path(argument).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnusableInput(f"cannot read the trusted checkpoint {argument}: {error}") from error


def verify_file(path: Path, key: PublicKey, trusted: str | None = None) -> Report:
    """Verify an export or a bundle, told apart by the ZIP magic bytes."""
    try:
        with path.open("rb") as stream:
            if stream.read(4) == ZIP_MAGIC:
                return verify_bundle(path, key, trusted)
            stream.seek(0)
            # Binary lines: split on b"\n" only, as the format says (bodies hold U+2028).
            return verify_export(stream, key, trusted)
    except OSError as error:
        raise UnusableInput(f"cannot read {path}: {error}") from error


def render(report: Report) -> str:
    """The human summary: the verdict, then the findings."""
    lines = [report.summary()]
    for finding in report.findings[:MAX_LISTED]:
        lines.append(f"  - [{finding.kind.value}] {finding.describe()}")
    hidden = max(0, len(report.findings) - MAX_LISTED) + report.omitted
    if hidden > 0:
        lines.append(f"  ... and {hidden} more findings")
    if not report.ok:
        lines.append(
            f"checked {report.entries_checked} entries and {report.checkpoints_checked} checkpoints"
        )
    return "\n".join(lines) + "\n"


def _fail(message: str, as_json: bool) -> int:
    if as_json:
        sys.stdout.write(json.dumps({"ok": False, "error": message}, ensure_ascii=False) + "\n")
    sys.stderr.write(message + "\n")
    return UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier and return its exit status; `argv` may start with the word `verify`."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args_list
    parser = _parser()
    try:
        args = parser.parse_args(args_list)
        words: list[str] = args.words
        if len(words) == 2 and words[0] == "verify":
            words = words[1:]
        if len(words) != 1:
            parser.error(f"expected one FILE, got {' '.join(words)}")
    except _UsageError as error:
        return _fail(str(error), as_json)
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else OK
    try:
        key = load_key(args.public_key)
        report = verify_file(Path(words[0]), key, load_trusted(args.trusted_checkpoint))
    except (KeyFormatError, UnusableInput) as error:
        return _fail(str(error), as_json)
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(report))
    return OK if report.ok else FINDINGS
