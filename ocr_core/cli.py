"""Command line: `ocr-desk <command>` (the console script) or `python -m ocr_core <command>`. Each
command is a thin adapter over one core call. The adapters add their own commands (`api`,
`worker`) as entry points of the group ``ocr_desk.commands`` (`ocr_core.plugins`): the core names no
adapter and imports no web or queue framework."""
from __future__ import annotations

import argparse
import json
import os
import sys

from . import plugins
from .config import get_settings
from .errors import OCRError
from .logs import configure_logging
from .privacy import mask_data, mask_text


def cmd_scan(args: argparse.Namespace) -> int:
    from .pipeline import scan

    password = args.password
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    failed = 0
    for path in args.files:
        try:
            result = scan(path, engine=args.engine, lang=args.lang, use_cache=not args.no_cache, source_label="cli",
                          password=password or None)
        except (OCRError, OSError) as e:
            failed += 1
            print(mask_text(f"{path}: error: {e}"), file=sys.stderr)
            continue
        print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)  # masked (models, privacy)
    return 1 if failed else 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch
    from .record.cases import clean

    try:
        clean(args.case)
    except ValueError as e:
        print(f"--case: {e}", file=sys.stderr)
        return 2
    counts = run_batch(args.paths, args.out, args.json, engine=args.engine, lang=args.lang,
                       show_progress=not args.quiet, case=args.case)
    print(mask_text(f"{counts['documents']} documents: {counts['succeeded']} done, {counts['failed']} failed, "
                    f"{counts['unfinished']} unfinished -> {args.out}"), file=sys.stderr)
    return 0 if counts["failed"] == 0 and counts["unfinished"] == 0 else 1


def cmd_purge(args: argparse.Namespace) -> int:
    from .retention import purge

    print(json.dumps(purge(args.days)), flush=True)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from .auth import Identity
    from .record.erase import delete_document

    missing = 0
    for h in args.hashes:
        try:
            # whoever runs the CLI holds the database and its key: an admin (the audit records the role)
            found = delete_document(h.strip().lower(), Identity(args.operator.strip(), "admin", via="cli"))
        except ValueError as e:
            print(f"{h}: error: {e}", file=sys.stderr)
            return 2
        missing += not found
        print(json.dumps({"file_hash": h, "deleted": found}), flush=True)
    return 1 if missing else 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .record import views

    try:
        docs = views.all_documents(status=args.status, document_type=args.type,
                                      since=views.parse_since(args.since))
    except ValueError as e:
        print(mask_text(f"error: {e}"), file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(mask_data([d.export() for d in docs]), ensure_ascii=False, indent=1),
                       encoding="utf-8")
    else:
        out.write_bytes(views.to_csv(d.row() for d in docs))
    print(mask_text(f"{len(docs)} reviewed documents -> {out}"), file=sys.stderr)
    return 0


def add_plugin_commands(sub) -> None:
    """The commands the adapters register (`plugins.COMMANDS`), each with its own arguments; one
    whose package cannot be imported is still listed and says why when run."""
    for name in plugins.names(plugins.COMMANDS):
        try:
            command = plugins.load(plugins.COMMANDS, name)
        except ImportError as e:
            x = sub.add_parser(name, help=f"(not available here: {e})")
            x.add_argument("rest", nargs=argparse.REMAINDER)
            x.set_defaults(func=lambda _args, why=f"{name} is not available: {e}": sys.exit(why))
            continue
        x = sub.add_parser(name, help=command.help)
        command.add_arguments(x)
        x.set_defaults(func=command.run)


def _prog() -> str:
    name = os.path.basename(sys.argv[0] or "")
    return "python -m ocr_core" if name in ("__main__.py", "-m", "") else name


def _cli_actor() -> str:
    """Who runs the CLI, for the audit trail: the machine account (it can read the database anyway)."""
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "cli"


def _read_password(args: argparse.Namespace) -> str:
    import getpass

    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the passwords differ")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from . import users

    actor = _cli_actor()
    try:
        if args.users_command == "add":
            u = users.add(args.name, args.role, _read_password(args), actor=actor)
            print(f"added {u.name} ({u.role})")
        elif args.users_command == "list":
            for u in users.list_users():
                print(json.dumps(u.to_dict()))
        elif args.users_command == "disable":
            users.set_disabled(args.name, True, actor=actor)
            print(f"disabled {args.name} (signed out everywhere)")
        elif args.users_command == "enable":
            users.set_disabled(args.name, False, actor=actor)
            print(f"enabled {args.name}")
        elif args.users_command == "passwd":
            users.set_password(args.name, _read_password(args), actor=actor)
            print(f"password changed for {args.name} (signed out everywhere, unlocked)")
        elif args.users_command == "role":
            users.set_role(args.name, args.role, actor=actor)
            print(f"{args.name} is now {args.role}")
    except (ValueError, LookupError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from . import auditlog

    if args.audit_command == "reanchor":
        try:
            out = auditlog.reanchor(_cli_actor(), args.reason)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(json.dumps(out), flush=True)
        return 0 if out["ok"] else 1
    verdict = auditlog.verify()
    print(json.dumps(verdict.to_dict()), flush=True)
    if not verdict.ok:
        print(f"audit trail broken at entry {verdict.broken_at}: {verdict.problem}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=_prog(), description="OCR Review Desk commands")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("scan", help="scan files; one JSON result per line on stdout")
    s.add_argument("files", nargs="+")
    s.add_argument("--engine", default=None, help="paddleocr (default), cascade, paddle, tesseract, rapidocr")
    s.add_argument("--lang", default=None)
    s.add_argument("--no-cache", action="store_true", help="ignore and do not use the result cache")
    pw = s.add_mutually_exclusive_group()
    pw.add_argument("--password", default=None, help="password of protected PDFs (e-Aadhaar); never logged")
    pw.add_argument("--password-stdin", action="store_true", help="read that password from the first line of stdin")
    s.set_defaults(func=cmd_scan)

    b = sub.add_parser("batch", help="scan files and folders (and ZIPs) through the job pool; write a CSV")
    b.add_argument("paths", nargs="+", metavar="FILES_OR_DIRS")
    b.add_argument("--out", required=True, help="CSV, one row per document (Aadhaar/VID masked)")
    b.add_argument("--json", default=None, help="also write JSON lines, one job per line (masked)")
    b.add_argument("--engine", default=None)
    b.add_argument("--lang", default=None)
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument("--case", default=None, help="label every document with this case: their names and dates of "
                                                "birth are compared (the case_mismatch column)")
    b.set_defaults(func=cmd_batch)

    g = sub.add_parser("purge", help="delete documents, files, results, jobs and corrections older than "
                       "RETENTION_DAYS (or --days)")
    g.add_argument("--days", type=float, default=None, help="override RETENTION_DAYS (0 = nothing)")
    g.set_defaults(func=cmd_purge)

    d = sub.add_parser("delete", help="delete every copy of documents (record, jobs, cache, file, corrections, "
                       "Redis); the audit keeps who deleted which hash")
    d.add_argument("hashes", nargs="+", metavar="FILE_HASH")
    d.add_argument("--operator", default="cli", help="the name recorded in the audit (default: cli)")
    d.set_defaults(func=cmd_delete)

    e = sub.add_parser("export", help="the reviewed documents (corrections and decisions included, masked) "
                       "as CSV (one row per document) or JSON")
    e.add_argument("--status", default=None, help="pending, needs_review, approved, rejected or recapture_requested")
    e.add_argument("--type", default=None, help="document type, e.g. PAN")
    e.add_argument("--since", default=None, help="processed on or after this ISO date or time (UTC)")
    e.add_argument("--out", required=True, help="FILE.csv or FILE.json")
    e.set_defaults(func=cmd_export)

    add_plugin_commands(sub)  # api, worker: registered by ocr_desk.commands entry points

    u = sub.add_parser("users", help="desk accounts: add, list, disable, enable, passwd, role")
    us = u.add_subparsers(dest="users_command", required=True)
    ua = us.add_parser("add", help="a new account (asks for the password, or reads it with --password-stdin)")
    ua.add_argument("name")
    ua.add_argument("--role", required=True, choices=["operator", "checker", "admin"])
    ua.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    us.add_parser("list", help="one JSON line per account (no password hashes)")
    for name, text in (("disable", "refuse sign-in and end the account's sessions"),
                       ("enable", "allow sign-in again")):
        x = us.add_parser(name, help=text)
        x.add_argument("name")
    up = us.add_parser("passwd", help="set a new password (unlocks; ends the account's sessions)")
    up.add_argument("name")
    up.add_argument("--password-stdin", action="store_true")
    ur = us.add_parser("role", help="change an account's role")
    ur.add_argument("name")
    ur.add_argument("role", choices=["operator", "checker", "admin"])
    u.set_defaults(func=cmd_users)

    au = sub.add_parser("audit", help="the audit trail: `audit verify` checks its keyed chain and head")
    aus = au.add_subparsers(dest="audit_command", required=True)
    aus.add_parser("verify", help="recompute every entry's HMAC and compare the chain's end with its head (file, "
                   "Redis); exit 1 at an edited, inserted, removed, blanked or re-hashed entry or a cut end")
    ar = aus.add_parser("reanchor", help="accept the chain as it stands and write a new head (after a restore or "
                        "a lost head file); audited; refused when the chain itself is broken")
    ar.add_argument("--reason", required=True, help="why (kept, encrypted, in the audit trail)")
    au.set_defaults(func=cmd_audit)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(get_settings().log_level)
    return int(args.func(args) or 0)
