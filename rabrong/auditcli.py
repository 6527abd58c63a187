"""`rabrong audit export|bundle|checkpoint|public-key`: the audit log from the command line.

`rabrong audit verify` is the offline verifier (package auditverify/): it needs no settings, no
database and no server, only the file and the public key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from application.checkpoints import sign_checkpoint
from domain.thai import be_year_as_written, thai_digits_to_ascii
from rabrong.keys import audit_signer
from rabrong.resources import checkpointer, database, evidence_store
from rabrong.settings import Settings
from storage.audit_bundle import agreements_of_unit, write_bundle
from storage.audit_export import write_export
from storage.checkpoints import Checkpointer, latest_checkpoint
from storage.evidence_store import StorageUnavailable


def export(settings: Settings, out: Path, *, sign_first: bool) -> tuple[int, str]:
    db = database(settings)
    try:
        if sign_first:
            sign_checkpoint(
                checkpointer=checkpointer(settings, db, evidence_store(settings)),
                at=datetime.now(UTC),
            )
        with db.reader() as session, out.open("wb") as target:
            signed = latest_checkpoint(session) if sign_first else None
            up_to = signed.tree_size if signed is not None else None
            written = write_export(session, target, origin=settings.audit_origin, up_to=up_to)
    finally:
        db.dispose()
    return 0, f"{written} entries written to {out}"


def bundle(
    settings: Settings,
    out: Path,
    *,
    agreement_id: str | None = None,
    unit: str | None = None,
    year: str | None = None,
    consistency_from: list[int] | None = None,
) -> tuple[int, str]:
    """One agreement, or a unit's agreements (its own and those below it) in a fiscal year."""
    if agreement_id is None and (unit is None or year is None):
        return 2, "rabrong audit bundle: --unit needs --year"
    db, store = database(settings), evidence_store(settings)
    try:
        sign_checkpoint(checkpointer=checkpointer(settings, db, store), at=datetime.now(UTC))
        with db.reader() as session:
            scope: dict[str, object]
            if agreement_id is not None:
                ids, scope = [agreement_id], {"agreement_id": agreement_id}
            else:
                assert unit is not None and year is not None  # checked above
                fiscal_year = fiscal_year_be_of(year)
                ids = agreements_of_unit(session, unit, fiscal_year)
                scope = {"unit": unit, "fiscal_year_be": fiscal_year, "agreement_ids": ids}
            manifest = write_bundle(
                session,
                store,
                out,
                agreement_ids=ids,
                scope=scope,
                origin=settings.audit_origin,
                consistency_from=consistency_from or [],
            )
    except StorageUnavailable as exc:
        return 2, f"object store unavailable: {exc}"
    except (LookupError, ValueError) as exc:
        return 2, str(exc)
    finally:
        db.dispose()
    files, size = len(manifest["evidence"]), manifest["tree_size"]
    return (
        0,
        f"bundle of {', '.join(ids) or 'no agreements'} at tree size {size}, {files} files: {out}",
    )


def fiscal_year_be_of(raw: str) -> int:
    """A fiscal year as users write it: Buddhist era (2568, ๒๕๖๘), or Common era (2025)."""
    text = thai_digits_to_ascii(raw.strip())
    if not text.isdigit():
        raise ValueError(f"--year: not a year: {raw!r}")
    year = int(text)
    return be_year_as_written(year)


def sign_now(settings: Settings) -> tuple[int, str]:
    signer = audit_signer(settings)  # refuses before touching the database when it is missing
    db = database(settings)
    try:
        row = sign_checkpoint(
            checkpointer=Checkpointer(
                db, signer, evidence_store(settings), every=settings.audit_checkpoint_every
            ),
            at=datetime.now(UTC),
        )
    finally:
        db.dispose()
    if row is None:
        return 0, "the latest checkpoint already covers the log"
    return 0, row.note


def public_key(settings: Settings, out: Path | None = None) -> tuple[int, str]:
    """The verifier key and the PEM form; with `out`, the verifier key alone written there,
    which is what `audit verify --public-key FILE` reads."""
    signer = audit_signer(settings)
    if out is None:
        return 0, f"{signer.verifier_key}\n{signer.public_pem}"
    out.write_text(signer.verifier_key + "\n", encoding="utf-8")
    return 0, f"verifier key {signer.verifier_key} written to {out}"
