# -*- test-case-name: tests.integration.test_storage_tools -*-
"""
Offline helpers for a site's operator, run as
C{python -m chatd.storage.tools backup|copy ...} (C{chatd-admin copy} is the
same copy; C{chatd-admin backup} backs up the whole data directory):

  - C{backup DATA DEST}: an online backup of the SQLite database while the
    daemon runs (SQLite's backup API: a consistent copy, the daemon is never
    stopped);
  - C{copy DATA postgresql://...}: move a site from SQLite to PostgreSQL:
    creates the schema in an empty PostgreSQL database and copies every
    account, room, membership, approval request and message, the data
    directory's cloak secret (so guests keep their hosts) and its moderation
    (sanctions and audit trail, so bans hold whichever node starts first).

C{DATA} is a data directory (as given to C{--data-dir}) or the database file.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

from chatd.storage.cloakkey import CLOAK_KEY, parseCloakSecret
from chatd.storage.journal import JOURNAL
from chatd.storage.migration import convert, migrate
from chatd.storage.modsql import importLegacy, markImported
from chatd.storage.opening import (
    MODERATION_DB,
    StoreOpenError,
    checkSchema,
    databaseInUse,
    schemaVersion,
)
from chatd.storage.rekey import rekeyAll
from chatd.storage.schema import MIGRATIONS, RESTART_IDS
from chatd.storage.search import fillSearchText
from chatd.storage.sqlite import DATABASE_NAME, backup
from chatd.storage.storedcloak import agreeStoredSecret
from chatd.storage.uniquemsgid import SKIP_STORED

#: Tables in foreign-key order, with the columns copied.
TABLES = [
    (
        "accounts",
        "nick_key, nick, hash, created, admin, scram, always_on, presence_ended, last_seen",
    ),
    (
        "rooms",
        "room_key, name, mode, capacity, topic, autojoin, created, rules, founder, topic_by,"
        " topic_at, topic_admin, stamp",
    ),
    ("memberships", "nick_key, room_key, entered"),
    ("access", "room_key, nick_key, nick, approved, requested"),
    (
        "messages",
        "id, room_key, room, sender, recipient_key, recipient, body, sent, pending, msgid,"
        " sent_ms, sender_key, sender_account, recipient_account, notice, sender_userhost,"
        " search_text",
    ),
    ("read_markers", "nick_key, room, target_key, target, millis"),
    ("ignores", "nick_key, mask_key, mask"),
    ("refusals", "nick_key, room_key, room, reason, refused"),
]


def databasePath(data: str) -> str:
    """
    The SQLite file of C{data}, a data directory or the file itself.

    @raise FileNotFoundError: there is no such database.
    """
    path = Path(data)
    if path.is_dir():
        path = path / DATABASE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no chatd database at {path}")
    return str(path)


def waitingInJournal(directory: Path) -> int:
    """
    How many messages the journal in C{directory} holds (lines of its
    files): a daemon that stopped cleanly left none.
    """
    if not directory.is_dir():
        return 0
    return sum(
        path.read_bytes().count(b"\n") for path in directory.glob("*.jsonl") if path.is_file()
    )


def sourceCloakSecret(directory: Path) -> bytes | None:
    """
    The cloak secret of the data directory C{directory}, which guests'
    hosts are made with, or C{None} if it has none.

    @raise RuntimeError: its C{cloak.key} holds no secret (copying without
        it would change every guest's host).
    """
    path = directory / CLOAK_KEY
    try:
        text = path.read_text("ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise RuntimeError(f"{path} cannot be read: {error}") from error
    secret = parseCloakSecret(text)
    if secret is None:
        raise RuntimeError(f"{path} holds no cloak secret")
    return secret


def copyToPostgres(source: str, dsn: str, batch: int = 5000) -> dict[str, tuple[int, int]]:
    """
    Copy the SQLite database C{source} into the empty PostgreSQL database
    C{dsn}, in one transaction; returns, per table, the rows read and the
    rows the target holds (fewer where an older names rule let look-alikes
    in, which the copy deletes as a start of chatd would).

    @raise RuntimeError: the target already holds accounts or messages, or
        PostgreSQL could not be reached or refused the copy (nothing is
        copied then).
    """
    import psycopg

    if databaseInUse(Path(source)):  # what it wrote after the copy would be lost at the switch
        raise RuntimeError(f"a running daemon has {source} open: stop it first")
    waiting = waitingInJournal(Path(source).parent / JOURNAL)
    if waiting:
        raise RuntimeError(
            f"{waiting} messages in {Path(source).parent / JOURNAL} are not yet in {source}"
            " (the daemon did not stop cleanly, or the backup restored here was taken while it"
            " ran): start the daemon on this data directory once and stop it, then copy"
        )
    try:
        checkSchema(Path(source))  # a newer chatd's: this one would misread it
    except StoreOpenError as error:
        raise RuntimeError(str(error)) from error
    version = schemaVersion(Path(source))
    secret = sourceCloakSecret(Path(source).parent)
    moderation = Path(source).parent / MODERATION_DB
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    counts: dict[str, tuple[int, int]] = {}
    try:
        # Leaving the block commits (or, on an error, rolls back) and closes.
        with psycopg.connect(dsn) as target, target.cursor() as cursor:
            migrate(cursor, "format")
            for table in ("accounts", "messages"):
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                row = cursor.fetchone()
                if row is not None and row[0]:
                    raise RuntimeError(f"the target database already has {table}; use an empty one")
            cursor.execute("DELETE FROM rooms")  # the seeded defaults; the source has its own
            read = {
                table: _copyTable(reader, cursor, table, columns, batch)
                for table, columns in TABLES
            }
            if version is None or version < len(MIGRATIONS):
                rekeyAll(cursor, "format")  # keys of an older rule: made again, as in place
                # and search forms: none before 21, IRC formatting codes in them before 24,
                # accents in them before 27
                fillSearchText(cursor, "format")
            for table, count in read.items():
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                row = cursor.fetchone()
                counts[table] = (count, row[0] if row is not None else 0)
            cursor.execute(RESTART_IDS)
            if secret is not None:  # else the first node started on the copy offers its own
                agreeStoredSecret(cursor, "format", secret)
                counts["cloak secret"] = (1, 1)
            if moderation.is_file():  # as a first start on this data directory would
                sanctions = importLegacy(cursor, "format", moderation)
                counts["sanctions"] = (sanctions, sanctions)
    except psycopg.Error as error:
        raise RuntimeError("PostgreSQL: " + " ".join(str(error).split())) from error
    finally:
        reader.close()
    if "sanctions" in counts:  # committed: its data lives in PostgreSQL now
        markImported(moderation)
    return counts


def copyReport(counts: dict[str, tuple[int, int]]) -> str:
    """
    What L{copyToPostgres} did, for the operator: what the target holds,
    and what was read where that differs.
    """
    shown = [
        f"{written} {table}" if written == read else f"{written} {table} (of {read} read)"
        for table, (read, written) in counts.items()
    ]
    report = ", ".join(shown) + " copied"
    if any(read != written for read, written in counts.values()):
        report += (
            "; the rest were look-alike names of older accounts or rooms, and what went with"
            " them, or later copies of messages stored twice, deleted as a start of chatd"
            " deletes them"
        )
    return report


def _copyTable(
    reader: sqlite3.Connection, cursor: Any, table: str, columns: str, batch: int
) -> int:
    # A source made by an older chatd may lack later columns (accounts.admin):
    # those take the target's defaults.
    present = {row[1] for row in reader.execute(f"PRAGMA table_info({table})")}
    columns = ", ".join(c for c in (c.strip() for c in columns.split(",")) if c in present)
    if not columns:
        return 0  # a table the source is too old to have
    marks = ", ".join("?" for _ in columns.split(","))
    insert = convert(f"INSERT INTO {table} ({columns}) VALUES ({marks})", "format")
    select = f"SELECT {columns} FROM {table}"
    if table == "messages" and "msgid" in present:
        # A source older than unique msgids may hold a message twice: the
        # first copy is kept, as a start of chatd keeps it.
        insert, select = insert + SKIP_STORED, select + " ORDER BY id"
    rows = reader.execute(select)
    copied = 0
    while chunk := rows.fetchmany(batch):
        cursor.executemany(insert, chunk)
        copied += len(chunk)
    return copied


def main(argv: list[str] | None = None) -> int:
    plain = re.sub(r"[CLI]\{([^}]*)\}", r"\1", __doc__ or "")  # the docstring without markup
    parser = argparse.ArgumentParser(
        prog="python -m chatd.storage.tools",
        description=plain,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    backupCommand = commands.add_parser("backup", help="online backup of the SQLite database")
    backupCommand.add_argument("data", help="data directory or database file")
    backupCommand.add_argument("destination", help="backup file to write")
    copyCommand = commands.add_parser("copy", help="copy a SQLite site into PostgreSQL")
    copyCommand.add_argument("data", help="data directory or database file")
    copyCommand.add_argument("dsn", help="postgresql://user@host/dbname (an empty database)")
    args = parser.parse_args(argv)
    try:
        source = databasePath(args.data)
        if args.command == "backup":
            backup(source, args.destination)
            print(f"backed up {source} to {args.destination}")
        else:
            print(copyReport(copyToPostgres(source, args.dsn)))
    except (OSError, RuntimeError, sqlite3.Error) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
