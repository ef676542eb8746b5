# -*- test-case-name: tests.integration.test_admin_cli -*-
"""
C{chatd-admin}, the operator's command (a console script of the package):

    chatd-admin password NAME [--stdin] [--data-dir D | --file F]
    chatd-admin backup DATA_DIR DEST_DIR
    chatd-admin restore BACKUP_DIR DATA_DIR [--force]
    chatd-admin copy DATA_DIR postgresql://...

C{chatd-admin NAME} alone means C{chatd-admin password NAME}.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
import warnings
from pathlib import Path

from chatd.admin.backup import BackupError, backupDataDir, restoreDataDir
from chatd.admin.credentials import ADMIN_PASSWORD_MIN, checkAdminPassword, setPassword
from chatd.admin.wiring import PASSWORDS
from chatd.storage.opening import IMPORTED
from chatd.storage.sqlite import DATABASE_NAME
from chatd.storage.tools import copyReport, copyToPostgres, databasePath

COMMANDS = ("password", "backup", "restore", "copy")
DEFAULT_DATA_DIR = Path("chatd-data")


class Failed(Exception):
    """
    The command failed; the message is printed and the exit status is 1.
    """


class NoTerminal(Failed):
    """
    No terminal to ask a password on: the user never saw a prompt naming
    the administrator, so a bare word taken as a name is pointed out.
    """


def password(args: argparse.Namespace) -> str:
    path = args.file or args.data_dir / PASSWORDS
    if not path.parent.is_dir():
        # A data directory is made (the daemon makes it too), but a mistyped
        # path must not become a new tree the daemon never reads.
        if args.file or not path.parent.parent.is_dir():
            what = "directory" if args.file else "data directory's parent"
            missing = path.parent if args.file else path.parent.parent
            raise Failed(f"no {what} {missing}")
        path.parent.mkdir(mode=0o700)  # password hashes: for its owner only
    try:
        if args.stdin:
            secret = sys.stdin.readline().rstrip("\r\n")
        else:
            secret = ask(f"Password for {args.name}: ")
            checkAdminPassword(secret)  # before asking it again
            if ask("Again: ") != secret:
                raise Failed("the passwords differ")
        setPassword(path, args.name, secret)
    except ValueError as error:
        raise Failed(str(error)) from error
    return f"administrator {args.name} saved in {path}"


def ask(prompt: str) -> str:
    """
    A password typed on the terminal, never echoed; without a terminal
    (a script, a pipe) L{Failed} rather than reading it echoed from
    standard input, which C{--stdin} says on purpose.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return getpass.getpass(prompt)
        except getpass.GetPassWarning:
            raise NoTerminal("no terminal to ask the password on: give it with --stdin") from None
        except EOFError:
            raise Failed("no password given") from None


def backup(args: argparse.Namespace) -> str:
    try:
        files = backupDataDir(args.data_dir, args.destination)
    except (BackupError, OSError, sqlite3.Error) as error:
        raise Failed(str(error)) from error
    report = f"backed up {len(files)} files of {args.data_dir} to {args.destination}"
    if DATABASE_NAME not in files or (args.data_dir / IMPORTED).exists():
        stale = f"its SQLite files are from before its data moved to --db ({IMPORTED}); "
        report += (
            f"\nnote: {stale if DATABASE_NAME in files else f'no {DATABASE_NAME} there; '}"
            "a chat database given by --db is backed up on its own: with pg_dump on PostgreSQL,"
            " with 'python -m chatd.storage.tools backup FILE DEST' for an SQLite file"
        )
    return report


def restore(args: argparse.Namespace) -> str:
    try:
        files, leftOut = restoreDataDir(args.backup, args.data_dir, args.force)
    except (BackupError, OSError) as error:
        raise Failed(str(error)) from error
    report = f"restored {', '.join(files)} into {args.data_dir}"
    if leftOut:
        report += (
            f"\nnote: not restored: {', '.join(leftOut)}: this data directory's data moved to"
            f" --db ({IMPORTED}), and these are from before the move (the next start would"
            " import their sanctions again); restore into a new directory to have them"
        )
    return report


def copy(args: argparse.Namespace) -> str:
    try:
        counts = copyToPostgres(databasePath(str(args.data_dir)), args.dsn)
    except (OSError, RuntimeError, sqlite3.Error) as error:
        raise Failed(str(error)) from error
    return copyReport(counts)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="chatd-admin",
        description="Administer a chatd site: administrators, backups, storage.",
        epilog="'chatd-admin NAME' alone means 'chatd-admin password NAME'.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pw = commands.add_parser(
        "password",
        help="add an administrator of the password file, or change its password"
        f" (at least {ADMIN_PASSWORD_MIN} characters)",
        description="Add an administrator, or change one's password (asked twice).",
    )
    pw.add_argument("name", help="the administrator's login name")
    pw.add_argument("--stdin", action="store_true", help="read the password from standard input")
    where = pw.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"the daemon's --data-dir; the file is DATA_DIR/{PASSWORDS} (default: chatd-data)",
    )
    where.add_argument("--file", type=Path, help="the admin password file itself")
    pw.set_defaults(run=password)

    bk = commands.add_parser(
        "backup",
        help="back up a data directory, consistently even while the daemon runs",
        description="Copy every file of DATA_DIR into DEST_DIR (new or empty), the SQLite"
        " databases with SQLite's online backup API, with a manifest of checksums.",
    )
    bk.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    bk.add_argument("destination", type=Path, metavar="DEST_DIR")
    bk.set_defaults(run=backup)

    rs = commands.add_parser(
        "restore",
        help="restore a backup into a data directory (stop the daemon first)",
        description="Check BACKUP_DIR against its manifest and copy it into DATA_DIR.",
    )
    rs.add_argument("backup", type=Path, metavar="BACKUP_DIR")
    rs.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    rs.add_argument(
        "--force", action="store_true", help="replace the files of a non-empty DATA_DIR"
    )
    rs.set_defaults(run=restore)

    cp = commands.add_parser(
        "copy",
        help="copy a SQLite site into an empty PostgreSQL database",
        description="Copy every account, room and message of DATA_DIR's SQLite database"
        " into an empty PostgreSQL database (stop the daemon first).",
    )
    cp.add_argument("data_dir", type=Path, metavar="DATA_DIR")
    cp.add_argument("dsn", metavar="URL", help="postgresql://user@host/dbname")
    cp.set_defaults(run=copy)
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    shorthand = bool(argv) and not argv[0].startswith("-") and argv[0] not in COMMANDS
    if shorthand:
        argv.insert(0, "password")
    args = parser().parse_args(argv)
    try:
        print(args.run(args))
    except Failed as error:
        note = ""
        if shorthand and isinstance(error, NoTerminal):  # 'chatd-admin frob'
            note = (
                f" ({args.name!r} is not a command ({', '.join(COMMANDS)}),"
                f" so it was taken as 'chatd-admin password {args.name}')"
            )
        print(f"chatd-admin: {error}{note}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
