"""The `rabrong` command: up, api, worker, migrate, demo, score, schema, evidence, audit,
keys, calendar."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from rabrong.logging import configure_logging
from rabrong.settings import Settings


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rabrong", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the whole product on the embedded stack")
    up.add_argument("--demo", action="store_true", help="also load the demo organisation")
    commands.add_parser("api", help="serve the HTTP API")
    commands.add_parser("worker", help="run the Temporal worker")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("demo", help="load the demo organisation and definition")
    score = commands.add_parser("score", help="score a RESULTS document against a definition")
    score.add_argument("definition", type=Path)
    score.add_argument("results", type=Path)
    score.add_argument("--round", type=int, choices=(1, 2), dest="round_number")
    score.add_argument("--json", action="store_true", help="the report as JSON (see docs)")
    score.add_argument("--lang", choices=("th", "en"), default="th")
    commands.add_parser("schema", help="print the JSON Schema of agreement definitions")
    evidence = commands.add_parser("evidence", help="check the evidence vault")
    checks = evidence.add_subparsers(dest="check", required=True)
    verify = checks.add_parser("verify", help="re-read and re-hash every stored evidence object")
    reconcile = checks.add_parser(
        "reconcile", help="report unreferenced objects; abort abandoned multipart uploads"
    )
    for sub in (verify, reconcile):
        sub.add_argument("--json", action="store_true", help="the report as JSON")
    _audit_commands(commands)
    keys = commands.add_parser("keys", help="make or rotate the audit signing and session keys")
    key_actions = keys.add_subparsers(dest="keys", required=True)
    key_actions.add_parser("init", help="create the keys that are missing (never replaces one)")
    key_actions.add_parser(
        "rotate",
        help="a new audit signing key, introduced by a checkpoint signed by the old and the new "
        "key (stop the API and the worker first)",
    )
    calendar = commands.add_parser("calendar", help="the holiday calendar of running agreements")
    calendar_actions = calendar.add_subparsers(dest="calendar", required=True)
    apply = calendar_actions.add_parser(
        "apply", help="count agreements' deadlines on this release's holiday calendar (audited)"
    )
    apply.add_argument("agreement_ids", nargs="*", metavar="AGREEMENT_ID")
    apply.add_argument("--all", action="store_true", help="every agreement not archived")
    from rabrong.documentcli import add_commands as document_commands

    document_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "calendar" and bool(args.agreement_ids) == args.all:
        parser.error("calendar apply: name agreements or give --all, not both")
    if args.command in ("score", "schema"):
        return offline(args)
    if args.command == "audit" and args.audit == "verify":
        from auditverify.cli import main as verify_main

        return verify_main(args.verify_argv)

    settings = Settings()
    configure_logging(settings.log_level)
    from storage.checkpoints import RetiredKey
    from storage.key_files import MissingKey

    try:
        return run(settings, args)
    except (MissingKey, RetiredKey) as unusable:
        sys.stderr.write(f"rabrong: {unusable}\n")
        return 2


def run(settings: Settings, args: argparse.Namespace) -> int:
    """The commands that need settings (and may need keys)."""
    if args.command == "up":
        from rabrong.supervisor import Stack

        return Stack(settings, demo=args.demo, say=say).run()
    if args.command == "api":
        return serve_api(settings)
    if args.command == "worker":
        return run_worker(settings)
    if args.command == "evidence":
        from rabrong.vaultcli import run_check

        code, text = run_check(settings, args.check, as_json=args.json)
        say(text)
        return code
    if args.command == "audit":
        return run_audit(settings, args)
    if args.command == "document":
        from rabrong.documentcli import run_document

        code, text = run_document(settings, args)
        say(text)
        return code
    if args.command == "keys":
        return run_keys(settings, args.keys)
    if args.command == "calendar":
        from rabrong.calendarcli import run_apply

        code, text = run_apply(settings, args.agreement_ids, every=args.all)
        say(text)
        return code
    if args.command == "migrate":
        from storage.migrate import upgrade

        upgrade(settings.db_url)
        return 0
    from rabrong.demo import load_demo
    from rabrong.resources import database

    loaded = load_demo(database(settings), settings.var_dir)
    say(f"demo loaded: {', '.join(loaded.usernames)}; password in {settings.var_dir}/demo-password")
    return 0


def _audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="export, bundle and verify the audit log")
    actions = audit.add_subparsers(dest="audit", required=True)
    export = actions.add_parser("export", help="write the whole log as JSON Lines")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument(
        "--no-checkpoint", action="store_true", help="do not sign a checkpoint first"
    )
    bundle = actions.add_parser(
        "bundle", help="the entries, proofs and evidence of an agreement, or of a unit's year"
    )
    scope = bundle.add_mutually_exclusive_group(required=True)
    scope.add_argument("--agreement")
    scope.add_argument("--unit", help="a unit's agreements and those of the units below it")
    bundle.add_argument("--year", help="with --unit: the fiscal year, BE (2568) or CE (2025)")
    bundle.add_argument("--out", type=Path, required=True)
    bundle.add_argument(
        "--consistency-from",
        type=int,
        action="append",
        default=[],
        metavar="TREE_SIZE",
        help="add a consistency proof from this checkpoint size (the auditor's trusted one)",
    )
    verify = actions.add_parser(
        "verify", help="check an export or bundle offline", add_help=False, prefix_chars="\0"
    )
    verify.add_argument("verify_argv", nargs=argparse.REMAINDER)
    actions.add_parser("checkpoint", help="sign a checkpoint of the log now")
    public_key = actions.add_parser("public-key", help="print the checkpoint verifier key")
    public_key.add_argument(
        "--out", type=Path, help="write the verifier key, the form --public-key reads, to FILE"
    )


def run_audit(settings: Settings, args: argparse.Namespace) -> int:
    from rabrong import auditcli

    if args.audit == "export":
        code, text = auditcli.export(settings, args.out, sign_first=not args.no_checkpoint)
    elif args.audit == "bundle":
        code, text = auditcli.bundle(
            settings,
            args.out,
            agreement_id=args.agreement,
            unit=args.unit,
            year=args.year,
            consistency_from=args.consistency_from,
        )
    elif args.audit == "checkpoint":
        code, text = auditcli.sign_now(settings)
    else:
        code, text = auditcli.public_key(settings, args.out)
    say(text)
    return code


def run_keys(settings: Settings, action: str) -> int:
    from rabrong import keys

    if action == "init":
        for key in keys.init_keys(settings):
            say(key.describe())
        return 0
    from rabrong.key_rotation import rotate

    code, text = rotate(settings)
    say(text)
    return code


def offline(args: argparse.Namespace) -> int:
    """Commands that need no server, no settings and no logging set-up."""
    from rabrong.scorecli import agreement_schema, run_score

    if args.command == "schema":
        sys.stdout.write(agreement_schema())
        return 0
    code, text = run_score(
        args.definition,
        args.results,
        round_number=args.round_number,
        as_json=args.json,
        lang=args.lang,
    )
    (sys.stdout if code == 0 else sys.stderr).write(text + "\n")
    return code


def serve_api(settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from api.services import Services
    from application.gateway import TemporalGateway
    from rabrong.collector import settle
    from rabrong.first_run import ensure_first_administrator
    from rabrong.keys import audit_signer, session_key
    from rabrong.resources import database, evidence_store, temporal_client
    from storage.incoming import clear_spool
    from web.app import install_web
    from web.services import PageServices

    # The keys first: without them the API must not start, nor touch anything before refusing.
    signer, session = audit_signer(settings), session_key(settings)
    clear_spool(settings.spool_dir)
    db = database(settings)
    ensure_first_administrator(db, settings.var_dir)
    services = Services(
        db=db,
        store=evidence_store(settings),
        temporal=TemporalGateway(lambda: temporal_client(settings), settings.task_queue),
        token_ttl=timedelta(minutes=settings.token_ttl_minutes),
        evidence_max_bytes=settings.evidence_max_bytes,
        spool_dir=settings.spool_dir,
        download_ttl=timedelta(minutes=settings.evidence_download_minutes),
        audit_signer=signer,
        session_key=session,
        refresh_ttl=timedelta(days=settings.refresh_ttl_days),
        api_token_ttl=timedelta(days=settings.api_token_days),
    )
    app = create_app(services)
    pages = PageServices(temporal=services.temporal, store=services.store, signer=signer)
    install_web(app, db, pages)  # the pages at /, after every /v1 route
    settle()  # the collector, once the app is built (rabrong.collector)
    # httptools parses HTTP in C (decision 0033); asyncio's own loop, not uvloop, which left
    # the API above its memory budget after large uploads.
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        http="httptools",
        loop="asyncio",
    )
    return 0


def run_worker(settings: Settings) -> int:
    from rabrong.resources import checkpointer, database, evidence_store, temporal_client
    from rabrong.worker import run_worker as run

    db, store = database(settings), evidence_store(settings)
    signing = checkpointer(settings, db, store)  # refuses here, before connecting, without a key

    async def go() -> None:
        client = await temporal_client(settings)
        await run(
            client,
            task_queue=settings.task_queue,
            db=db,
            store=store,
            checkpointer=signing,
            vault_check_every=timedelta(hours=settings.evidence_check_hours),
            checkpoint_every=timedelta(minutes=settings.audit_checkpoint_minutes),
            schedules=settings.temporal_schedules,
        )

    asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
