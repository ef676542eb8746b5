"""
Tests for L{chatd.admin.cli} (the C{chatd-admin} command) and
L{chatd.admin.backup}: administrators, and backup and restore of a data
directory taken while no daemon runs (tests.integration.test_backup_live takes one
while a daemon writes).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing, redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
from twisted.internet.defer import succeed
from twisted.internet.task import Clock
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from chatd.admin import cli
from chatd.admin.backup import MANIFEST
from chatd.admin.credentials import AddressedCredentials, AdminChecker, verify
from chatd.storage.datalock import LOCK
from chatd.storage.opening import databaseInUse
from tests.support.daemon import ROOT
from tests.support.processes import goneProcess, holdLock, leaveLock, runningProcess


class TestCase(SynchronousTestCase):
    def mktemp(self) -> str:
        """
        A fresh path in the system's temporary directory (trial's own
        C{mktemp} is relative to the working directory: the checkout).
        """
        directory = tempfile.mkdtemp(prefix="chatd-admin-cli-")
        self.addCleanup(shutil.rmtree, directory)
        return str(Path(directory) / "temp")


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """
    Run C{chatd-admin ARGV}; return its status, output and error output.
    """
    out, err = io.StringIO(), io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin)), redirect_stdout(out), redirect_stderr(err):
        try:
            status = cli.main(list(argv))
        except SystemExit as exit:
            status = int(exit.code or 0)
    return status, out.getvalue(), err.getvalue()


def makeDatabase(path: Path, rows: int) -> None:
    """
    A WAL database like the daemon's, with C{rows} rows of data.
    """
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE t (n INTEGER)")
        db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(rows)])
        db.commit()


def rows(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM t").fetchone()[0])


class PasswordTests(TestCase):
    """
    C{chatd-admin password} (or C{chatd-admin NAME}) writes the file the
    daemon's admin checker reads.
    """

    def setUp(self) -> None:
        self.dataDir = Path(self.mktemp())
        self.dataDir.mkdir()

    def test_stdin(self) -> None:
        """
        With C{--stdin} the password is read from standard input; the
        daemon's checker accepts it and refuses another.
        """
        status, out, _ = run(
            "password", "root", "--stdin", "--data-dir", str(self.dataDir), stdin="s3cret-pass\n"
        )
        self.assertEqual(status, 0)
        path = self.dataDir / "admin-passwords"
        self.assertEqual(out, f"administrator root saved in {path}\n")
        self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        self.assertIn("root:$argon2id$", path.read_text())
        checker = AdminChecker(path, Clock(), verifier=lambda *args: succeed(verify(*args)))
        good = checker.requestAvatarId(AddressedCredentials(b"root", b"s3cret-pass", "127.0.0.1"))
        self.assertEqual(self.successResultOf(good), b"root")
        bad = checker.requestAvatarId(AddressedCredentials(b"root", b"wrong", "127.0.0.1"))
        self.failureResultOf(bad)

    def test_nameWithoutRegardToCase(self) -> None:
        """
        An administrator's name is matched without regard to case: running
        the command again for C{ROOT} changes C{root}'s password (the old
        one no longer works, and there is one line), and any spelling logs
        in, recorded as the file spells it.
        """
        path = self.dataDir / "admin-passwords"
        for name, secret in [("root", "old-password"), ("ROOT", "new-password")]:
            run("password", name, "--stdin", "--data-dir", str(self.dataDir), stdin=secret + "\n")
        lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
        self.assertEqual([line.partition(":")[0] for line in lines], ["ROOT"])
        self.assertFalse(verify(path, "root", "old-password"))
        checker = AdminChecker(path, Clock(), verifier=lambda *args: succeed(verify(*args)))
        good = checker.requestAvatarId(AddressedCredentials(b"Root", b"new-password", "127.0.0.1"))
        self.assertEqual(self.successResultOf(good), b"ROOT")

    def test_bareName(self) -> None:
        """
        C{chatd-admin NAME} means C{chatd-admin password NAME}; C{--file}
        names the file itself; the password is asked twice.
        """
        path = Path(self.mktemp())
        with mock.patch("getpass.getpass", side_effect=["password1", "password1"]):
            status, _, _ = run("ops", "--file", str(path))
        self.assertEqual(status, 0)
        self.assertTrue(verify(path, "ops", "password1"))

    def test_differ(self) -> None:
        """
        Two different answers: nothing is written, status 1.
        """
        with mock.patch("getpass.getpass", side_effect=["password1", "password2"]):
            status, _, err = run("root", "--data-dir", str(self.dataDir))
        self.assertEqual((status, err), (1, "chatd-admin: the passwords differ\n"))
        self.assertEqual([], list(self.dataDir.iterdir()))

    def test_noDataDir(self) -> None:
        """
        A data directory whose parent does not exist (or a missing
        directory of C{--file}) is refused in one line, before the
        password is asked, and nothing is created; a data directory whose
        parent exists is made, mode 0700, as the daemon makes it (a fresh
        checkout's C{./chatd-data}).
        """
        missing = self.dataDir / "no" / "such"
        status, out, err = run("password", "root", "--stdin", "--data-dir", str(missing))
        self.assertEqual((status, out), (1, ""))
        self.assertEqual(err, f"chatd-admin: no data directory's parent {self.dataDir / 'no'}\n")
        status, _, err = run("root", "--stdin", "--file", str(missing / "pw"), stdin="password\n")
        self.assertEqual(status, 1)
        self.assertIn(f"no directory {missing}", err)
        self.assertFalse((self.dataDir / "no").exists())
        fresh = self.dataDir / "fresh"
        status, _, err = run(
            "password", "root", "--stdin", "--data-dir", str(fresh), stdin="password\n"
        )
        self.assertEqual((status, err), (0, ""))
        self.assertTrue((fresh / "admin-passwords").exists())
        self.assertEqual(fresh.stat().st_mode & 0o777, 0o700)  # its owner's only, as the daemon's

    def test_noTerminal(self) -> None:
        """
        Without a terminal and without C{--stdin}, one C{chatd-admin:}
        line and status 1, not a traceback; an unknown command word is
        said to have been taken as a name.  (A real process, in a session
        of its own, so it has no controlling terminal.)
        """
        command = [
            sys.executable,
            "-c",
            "import sys; from chatd.admin.cli import main; sys.exit(main())",
        ]
        for argv, note in (
            (["password", "root"], ""),
            (
                ["frob"],
                " ('frob' is not a command (password, backup, restore, copy),"
                " so it was taken as 'chatd-admin password frob')",
            ),
        ):
            done = subprocess.run(
                [*command, *argv, "--data-dir", str(self.dataDir)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                start_new_session=True,
                timeout=60,
            )
            self.assertEqual(
                (done.returncode, done.stdout, done.stderr),
                (
                    1,
                    "",
                    "chatd-admin: no terminal to ask the password on: give it with --stdin"
                    + note
                    + "\n",
                ),
            )
        self.assertEqual([], list(self.dataDir.iterdir()))

    def test_refused(self) -> None:
        """
        A name with a colon, a password shorter than 8 characters, or both
        C{--file} and C{--data-dir}: a clear error, nothing written.
        """
        status, _, err = run("a:b", "--stdin", "--data-dir", str(self.dataDir), stdin="password\n")
        self.assertEqual(status, 1)
        self.assertIn("no colon", err)
        for typed in ("", "seven77"):  # at least 8 characters: it opens the consoles
            status, _, err = run(
                "root", "--stdin", "--data-dir", str(self.dataDir), stdin=typed + "\n"
            )
            self.assertEqual(
                (status, err),
                (
                    1,
                    "chatd-admin: an administrator's password is at least 8 characters"
                    " (it opens the consoles and the manhole)\n",
                ),
            )
        status, _, err = run("root", "--file", "f", "--data-dir", "d")
        self.assertEqual(status, 2)
        self.assertIn("not allowed with argument", err)
        self.assertEqual([], list(self.dataDir.iterdir()))

    def test_blank(self) -> None:
        """
        A password of nothing but spaces or other blanks is refused, however
        long, from standard input and from the terminal; nothing written.
        """
        for typed in (" " * 8, "\t \u3000" * 4):
            status, _, err = run(
                "root", "--stdin", "--data-dir", str(self.dataDir), stdin=typed + "\n"
            )
            self.assertEqual(
                (status, err), (1, "chatd-admin: an administrator's password is more than spaces\n")
            )
            with mock.patch("getpass.getpass", side_effect=[typed, typed]) as asked:
                status, _, err = run("root", "--data-dir", str(self.dataDir))
            self.assertEqual(status, 1)
            self.assertEqual(asked.call_count, 1)
        self.assertEqual([], list(self.dataDir.iterdir()))

    def test_shortRefusedBeforeAgain(self) -> None:
        """
        On the terminal, a password too short is refused at once: it is not
        asked again first.
        """
        with mock.patch("getpass.getpass", side_effect=["seven77", "seven77"]) as asked:
            status, _, err = run("root", "--data-dir", str(self.dataDir))
        self.assertEqual(
            (status, err),
            (
                1,
                "chatd-admin: an administrator's password is at least 8 characters"
                " (it opens the consoles and the manhole)\n",
            ),
        )
        self.assertEqual([each.args for each in asked.call_args_list], [("Password for root: ",)])
        self.assertEqual([], list(self.dataDir.iterdir()))

    def test_help(self) -> None:
        """
        C{--help} lists every command; no command is a usage error.
        """
        status, out, _ = run("--help")
        self.assertEqual(status, 0)
        for command in cli.COMMANDS:
            self.assertIn(command, out)
        self.assertEqual(run()[0], 2)


def asRoot() -> None:
    if os.geteuid() != 0:
        raise SkipTest("by design: giving files to another user needs root")


class OwnerTests(TestCase):
    """
    Run as root (as on a server), C{chatd-admin} gives the files it writes
    in a data directory to that directory's owner: the daemon's user.
    """

    def setUp(self) -> None:
        asRoot()
        self.dataDir = Path(self.mktemp())
        self.dataDir.mkdir(mode=0o700)
        os.chown(self.dataDir, 4321, 4322)

    def owner(self, path: Path) -> tuple[int, int]:
        return path.stat().st_uid, path.stat().st_gid

    def test_password(self) -> None:
        """
        The admin password file belongs to the directory's owner.
        """
        status, _, _ = run("root", "--stdin", "--data-dir", str(self.dataDir), stdin="password\n")
        self.assertEqual(status, 0)
        self.assertEqual(self.owner(self.dataDir / "admin-passwords"), (4321, 4322))

    def test_restore(self) -> None:
        """
        Restored files and folders belong to the directory's owner.
        """
        data, backup = Path(self.mktemp()), Path(self.mktemp())
        (data / "a" / "b").mkdir(parents=True)
        (data / "a" / "b" / "c").write_text("deep")
        makeDatabase(data / "chatd.sqlite3", 1)
        self.assertEqual(run("backup", str(data), str(backup))[0], 0)
        self.assertEqual(run("restore", str(backup), str(self.dataDir))[0], 0)
        for path in ("chatd.sqlite3", "a", "a/b", "a/b/c"):
            self.assertEqual(self.owner(self.dataDir / path), (4321, 4322), path)


class BackupTests(TestCase):
    """
    C{chatd-admin backup} and C{chatd-admin restore}.
    """

    def setUp(self) -> None:
        base = Path(self.mktemp())
        self.data, self.backup, self.restored = base / "data", base / "backup", base / "new"
        self.data.mkdir(mode=0o700, parents=True)
        makeDatabase(self.data / "chatd.sqlite3", 100)
        makeDatabase(self.data / "moderation.sqlite", 3)
        (self.data / "admin-passwords").write_text("root:$argon2id$x\n")
        (self.data / "admin-passwords").chmod(0o600)
        (self.data / "ssh_host_ed25519_key").write_text("KEY")
        (self.data / "extra").mkdir()
        (self.data / "extra" / "notes").write_text("kept")

    def test_roundTrip(self) -> None:
        """
        Every file is backed up (the databases as one self-contained file
        each, without their C{-wal}), into a new directory with a manifest,
        and restored with its mode.
        """
        with closing(sqlite3.connect(self.data / "chatd.sqlite3")) as live:
            live.execute("INSERT INTO t VALUES (100)")  # in the -wal only: open, uncheckpointed
            live.commit()
            self.assertTrue((self.data / "chatd.sqlite3-wal").exists())
            status, out, _ = run("backup", str(self.data), str(self.backup))
        self.assertEqual(status, 0)
        self.assertEqual(out, f"backed up 5 files of {self.data} to {self.backup}\n")
        self.assertEqual(self.backup.stat().st_mode & 0o777, 0o700)
        manifest = json.loads((self.backup / MANIFEST).read_text())
        self.assertEqual(
            sorted(manifest["files"]),
            [
                "admin-passwords",
                "chatd.sqlite3",
                "extra/notes",
                "moderation.sqlite",
                "ssh_host_ed25519_key",
            ],
        )
        self.assertFalse((self.backup / "chatd.sqlite3-wal").exists())
        self.assertEqual(rows(self.backup / "chatd.sqlite3"), 101)

        status, out, _ = run("restore", str(self.backup), str(self.restored))
        self.assertEqual(status, 0, out)
        self.assertEqual(rows(self.restored / "chatd.sqlite3"), 101)
        self.assertEqual(rows(self.restored / "moderation.sqlite"), 3)
        self.assertEqual((self.restored / "extra" / "notes").read_text(), "kept")
        self.assertEqual((self.restored / "admin-passwords").stat().st_mode & 0o777, 0o600)
        self.assertEqual(self.restored.stat().st_mode & 0o777, 0o700)

    def test_script(self) -> None:
        """
        C{scripts/backup DATA DEST} as docs/STORAGE.md shows it, from a
        checkout: DEST's folders are created; paths are the caller's.
        """
        done = subprocess.run(
            [str(ROOT / "scripts" / "backup"), "data", "backups/chatd-2026-12-01"],
            cwd=self.data.parent,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "backed up 5 files of data to backups/chatd-2026-12-01\n")
        copy = self.data.parent / "backups" / "chatd-2026-12-01"
        self.assertEqual(rows(copy / "chatd.sqlite3"), 100)

    def test_restoreOverExisting(self) -> None:
        """
        A non-empty data directory is refused unless C{--force}, which also
        removes the old database's C{-wal} and C{-shm} (a stale one would
        corrupt the restored database).
        """
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        with closing(sqlite3.connect(self.data / "chatd.sqlite3")) as db:
            db.execute("DELETE FROM t")
            db.commit()
        stale = self.data / "chatd.sqlite3-wal"
        stale.write_bytes(b"stale")
        status, _, err = run("restore", str(self.backup), str(self.data))
        self.assertEqual(status, 1)
        self.assertIn("is not empty: restore into a new directory, or use --force", err)
        self.assertEqual(run("restore", "--force", str(self.backup), str(self.data))[0], 0)
        self.assertFalse(stale.exists())
        self.assertEqual(rows(self.data / "chatd.sqlite3"), 100)

    def test_restoreDropsTheReplacedJournal(self) -> None:
        """
        The journal a data directory has (messages its own database lacked,
        left by a daemon killed after the backup) goes with that database:
        a restore over it keeps only the backup's journal, so the next start
        writes no message from after the backup into the restored history.
        """
        journal = self.data / "journal"
        journal.mkdir(mode=0o700, exist_ok=True)
        (journal / "00000001.jsonl").write_text('["from the backup"]\n')
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        (journal / "00000001.jsonl").write_text('["after the backup"]\n')
        (journal / "00000002.jsonl").write_text('["after the backup too"]\n')
        self.assertEqual(run("restore", "--force", str(self.backup), str(self.data))[0], 0)
        self.assertEqual(sorted(path.name for path in journal.iterdir()), ["00000001.jsonl"])
        self.assertEqual((journal / "00000001.jsonl").read_text(), '["from the backup"]\n')

    def test_damaged(self) -> None:
        """
        A backup whose files do not match the manifest, or a directory
        without one, is not restored.
        """
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        (self.backup / "admin-passwords").write_text("changed")
        status, _, err = run("restore", str(self.backup), str(self.restored))
        self.assertEqual(status, 1)
        self.assertIn("admin-passwords is missing or damaged", err)
        (self.backup / MANIFEST).unlink()
        status, _, err = run("restore", str(self.backup), str(self.restored))
        self.assertIn("is no chatd backup", err)
        self.assertFalse(self.restored.exists())

    def test_manifestNamesRefused(self) -> None:
        """
        A manifest naming a file outside the backup (a tampered one: an
        absolute path, C{..}) or of another format is refused, and nothing
        is written anywhere.
        """
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        manifest = json.loads((self.backup / MANIFEST).read_text())
        outside = self.backup.parent / "outside"
        outside.write_text("planted")
        for name in [
            "../outside",
            str(outside),
            "extra/../../outside",
            "./extra/notes",
            "chatd.sqlite3-wal",
        ]:
            tampered = dict(
                manifest, files={**manifest["files"], name: manifest["files"]["extra/notes"]}
            )
            tampered["files"][name] = {"size": 7, "sha256": hashlib.sha256(b"planted").hexdigest()}
            (self.backup / MANIFEST).write_text(json.dumps(tampered))
            status, _, err = run("restore", str(self.backup), str(self.restored / "data"))
            self.assertEqual(status, 1, name)
            self.assertIn("which is not a file of it", err)
            self.assertFalse(self.restored.exists())
        for made in (2, True, "1"):
            (self.backup / MANIFEST).write_text(json.dumps(dict(manifest, format=made)))
            status, _, err = run("restore", str(self.backup), str(self.restored))
            self.assertEqual(status, 1)
            self.assertIn("which this chatd cannot read", err)

    def test_restoreUnderMissingDirectory(self) -> None:
        """
        A data directory whose parent is missing is refused rather than
        made, as a mistyped path.
        """
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        nowhere = self.restored / "typo" / "data"
        status, _, err = run("restore", str(self.backup), str(nowhere))
        self.assertEqual(status, 1)
        self.assertIn("(a mistyped path?)", err)
        self.assertFalse(self.restored.exists())

    def test_privateModes(self) -> None:
        """
        A backup into a directory that exists (empty, mode 0755), and a
        restore into one, leave it and the databases their owner's alone,
        whatever the umask and the source files' modes.
        """
        (self.data / "chatd.sqlite3").chmod(0o644)
        self.backup.mkdir(mode=0o755)
        self.restored.mkdir(mode=0o755)
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        self.assertEqual(run("restore", str(self.backup), str(self.restored))[0], 0)
        for folder in (self.backup, self.restored):
            self.assertEqual(folder.stat().st_mode & 0o777, 0o700)
            self.assertEqual((folder / "chatd.sqlite3").stat().st_mode & 0o777, 0o600)

    def test_restoreIntoMovedDataDir(self) -> None:
        """
        A backup from before the move to C{--db}, restored into the data
        directory that moved (it holds C{moderation.sqlite.imported}), does
        not bring its databases back: the next start would import their
        old sanctions again.  The other files are restored, and the note
        says why the databases are not.
        """
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        (self.data / "moderation.sqlite").rename(self.data / "moderation.sqlite.imported")
        (self.data / "chatd.sqlite3").unlink()
        (self.data / "admin-passwords").unlink()
        status, out, _ = run("restore", "--force", str(self.backup), str(self.data))
        self.assertEqual(status, 0)
        self.assertIn("not restored: chatd.sqlite3, moderation.sqlite", out)
        self.assertFalse((self.data / "moderation.sqlite").exists())
        self.assertFalse((self.data / "chatd.sqlite3").exists())
        self.assertTrue((self.data / "admin-passwords").exists())

    def test_importedCompanions(self) -> None:
        """
        After a move to C{--db}, the C{-wal} and C{-shm} beside
        C{moderation.sqlite.imported} (made by whoever read it while it was
        a WAL database), or left beside its old name, are not backed up (nor
        made by the backup); a restore of an older backup that lists them leaves them
        out, and removes stale ones beside the restored file.
        """
        imported = self.data / "moderation.sqlite.imported"
        (self.data / "moderation.sqlite").rename(imported)
        with closing(sqlite3.connect(imported)) as reader:  # a WAL database: companions made
            reader.execute("SELECT COUNT(*) FROM t").fetchone()
            for name in ("moderation.sqlite-wal", "moderation.sqlite-shm"):
                (self.data / name).write_bytes(b"")
            before = sorted(path.name for path in self.data.glob("moderation*"))
            self.assertIn("moderation.sqlite.imported-wal", before)
            self.assertIn("moderation.sqlite.imported-shm", before)
            status, out, _ = run("backup", str(self.data), str(self.backup))
            self.assertEqual(sorted(path.name for path in self.data.glob("moderation*")), before)
        self.assertEqual(status, 0)
        self.assertTrue(out.startswith(f"backed up 5 files of {self.data}"), out)
        manifest = json.loads((self.backup / MANIFEST).read_text())
        self.assertEqual(
            [name for name in manifest["files"] if name.startswith("moderation")],
            ["moderation.sqlite.imported"],
        )
        self.assertEqual(
            sorted(path.name for path in self.backup.glob("moderation*")),
            ["moderation.sqlite.imported"],
        )
        # An older chatd's backup listed them.
        for suffix in ("-wal", "-shm"):
            name = f"moderation.sqlite.imported{suffix}"
            (self.backup / name).write_bytes(b"stale")
            manifest["files"][name] = {
                "size": 5,
                "sha256": hashlib.sha256(b"stale").hexdigest(),
                "mode": "0600",
            }
        (self.backup / MANIFEST).write_text(json.dumps(manifest))
        self.restored.mkdir()
        (self.restored / "moderation.sqlite.imported-wal").write_bytes(b"stale")
        status, out, _ = run("restore", "--force", str(self.backup), str(self.restored))
        self.assertEqual(status, 0, out)
        self.assertNotIn("-wal", out)
        self.assertNotIn("-shm", out)
        self.assertEqual(
            sorted(path.name for path in self.restored.glob("moderation*")),
            ["moderation.sqlite.imported"],
        )

    def test_backupRefused(self) -> None:
        """
        No data directory, or a destination that has files: status 1.
        """
        status, _, err = run("backup", str(self.data / "nowhere"), str(self.backup))
        self.assertEqual(
            (status, err), (1, f"chatd-admin: no data directory at {self.data / 'nowhere'}\n")
        )
        status, _, err = run("backup", str(self.data), str(self.data / "backup"))
        self.assertEqual(status, 1)
        self.assertIn("backup is inside", err)
        self.backup.mkdir()
        (self.backup / "x").write_text("")
        status, _, err = run("backup", str(self.data), str(self.backup))
        self.assertEqual(status, 1)
        self.assertIn("is not empty: give a new directory", err)

    def test_noChatDatabase(self) -> None:
        """
        A data directory without the chat database (the daemon runs on
        PostgreSQL) is backed up with a note that pg_dump covers the rest.
        """
        (self.data / "chatd.sqlite3").unlink()
        status, out, _ = run("backup", str(self.data), str(self.backup))
        self.assertEqual(status, 0)
        self.assertIn("backed up on its own: with pg_dump on PostgreSQL", out)

    def test_movedToPostgres(self) -> None:
        """
        A data directory whose data moved into the database of C{--db}
        (its moderation file imported there) is backed up with a note that
        its SQLite files are from before the move.
        """
        (self.data / "moderation.sqlite").rename(self.data / "moderation.sqlite.imported")
        status, out, _ = run("backup", str(self.data), str(self.backup))
        self.assertEqual(status, 0)
        self.assertIn("its SQLite files are from before its data moved to --db", out)
        self.assertIn("backed up on its own: with pg_dump on PostgreSQL", out)

    def test_inUse(self) -> None:
        """
        A database another process holds open is in use; once it closes,
        it is not.
        """
        database = self.data / "chatd.sqlite3"
        self.assertFalse(databaseInUse(database))
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]);"
                " db.execute('SELECT * FROM t').fetchall(); print('open', flush=True);"
                " sys.stdin.read()",
                str(database),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            assert holder.stdout is not None
            self.assertEqual(holder.stdout.readline(), b"open\n")
            self.assertTrue(databaseInUse(database))
            status, _, err = run("restore", "--force", str(self.backup), str(self.data))
            copied = run("copy", str(self.data), "postgresql://nobody@127.0.0.1:1/none")
        finally:
            holder.communicate(b"", timeout=30)
        self.assertEqual(status, 1)
        self.assertEqual(err, f"chatd-admin: a running daemon has {database} open: stop it first\n")
        self.assertEqual(copied[0], 1)  # a copy would miss what it writes next
        self.assertEqual(copied[2], err)
        self.assertFalse(databaseInUse(database))
        self.assertEqual(run("restore", "--force", str(self.backup), str(self.data))[0], 0)

    def test_daemonLock(self) -> None:
        """
        The lock of the daemon that runs on a data directory is not backed
        up, and a restore into it is refused while that daemon runs (on
        PostgreSQL it has no database there open); a lock left by a daemon
        that is gone does not stand in the way.
        """
        running = runningProcess()
        giveBack = holdLock(self.data, running)
        status, out, _ = run("backup", str(self.data), str(self.backup))
        self.assertEqual((status, out), (0, f"backed up 5 files of {self.data} to {self.backup}\n"))
        self.assertNotIn(LOCK, json.loads((self.backup / MANIFEST).read_text())["files"])
        self.assertFalse((self.backup / LOCK).exists())
        status, _, err = run("restore", "--force", str(self.backup), str(self.data))
        self.assertEqual(status, 1)
        self.assertEqual(
            err,
            f"chatd-admin: a running daemon (process {running}) uses {self.data}: stop it first\n",
        )
        giveBack()
        for pid in (goneProcess(), running):  # a process id reused since: blocks nothing either
            leaveLock(self.data, pid)
            self.assertEqual(run("restore", "--force", str(self.backup), str(self.data))[0], 0)

    def test_copyNoDatabase(self) -> None:
        """
        C{chatd-admin copy} of a directory without a chat database is a
        clear error (tests.integration.test_storage_tools copies into PostgreSQL).
        """
        status, _, err = run("copy", str(self.restored), "postgresql://nowhere/x")
        self.assertEqual(status, 1)
        self.assertIn("no chatd database at", err)

    def test_copyRefusesWhatOnlyTheJournalHolds(self) -> None:
        """
        Messages left in the journal by a daemon that did not stop cleanly
        (or by one a restored backup was taken from while it ran) are not
        in the database yet: C{chatd-admin copy} refuses, saying how many,
        both causes and what to do, rather than leave them behind.
        """
        pytest.importorskip("psycopg")
        journal = self.data / "journal"
        journal.mkdir(mode=0o700, exist_ok=True)
        (journal / "00000001.jsonl").write_text('["x"]\n["y"]\n')
        self.assertEqual(run("backup", str(self.data), str(self.backup))[0], 0)
        self.assertEqual(run("restore", str(self.backup), str(self.restored))[0], 0)
        for data in (self.data, self.restored):  # left by the daemon, or by the backup's
            status, _, err = run("copy", str(data), "postgresql://chatd@127.0.0.1:1/chatd")
            self.assertEqual(status, 1)
            self.assertIn(f"2 messages in {data / 'journal'} are not yet in", err)
            self.assertIn(
                "(the daemon did not stop cleanly, or the backup restored here was taken while"
                " it ran)",
                err,
            )
            self.assertIn("start the daemon on this data directory once and stop it", err)

    def test_copyPostgresUnreachable(self) -> None:
        """
        C{chatd-admin copy} to a PostgreSQL that cannot be reached says so
        in one line, without a traceback.
        """
        pytest.importorskip("psycopg")
        status, _, err = run("copy", str(self.data), "postgresql://chatd@127.0.0.1:1/chatd")
        self.assertEqual(status, 1)
        self.assertTrue(err.startswith("chatd-admin: PostgreSQL: "), err)
        self.assertIn("Connection refused", err)
        self.assertEqual(err.count("\n"), 1, err)
