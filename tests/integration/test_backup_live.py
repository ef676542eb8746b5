"""
C{chatd-admin backup} while a real C{twistd -n chatd} runs and writes, then
C{chatd-admin restore} into a new data directory and a daemon started on
it: messages, accounts, sanctions, the admin password file and the SSH host
key all survived.

These tests block (subprocesses and plain sockets against another
process); none uses the reactor.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

from tests.support.blockingclients import SSH, LineSocket, needsSSH, tchatLogin, telnetLogin
from tests.support.daemon import Daemon, startDaemon
from tests.support.pgserver import createDatabase, postgresServer

__all__ = ["postgresServer"]

CHATD_ADMIN = Path(sys.executable).with_name("chatd-admin")
LOCAL = "tcp:0:interface=127.0.0.1"
PASSWORD = "correct horse"
ROOM = "vault"


def chatdAdmin(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """
    Run the installed C{chatd-admin} console script.
    """
    return subprocess.run(
        [str(CHATD_ADMIN), *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def start(workdir: Path, dataDir: Path, *extra: str) -> Daemon:
    return startDaemon(
        workdir,
        *extra,
        "--port",
        LOCAL,
        "--admin-ssh",
        LOCAL,
        "--flood-burst",
        "0",
        "--data-dir",
        str(dataDir),
        factories=("TchatFactory", "AdminTelnetFactory", "AdminSSHFactory"),
    )


def speak(client: LineSocket, body: str) -> None:
    client.send(f"clt: SPEAK {ROOM}", f"clt: {body}", "clt: .")
    assert client.reply() == "srv: OKAY!"


def storedMessages(database: Path) -> int:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])


class Writer(threading.Thread):
    """
    Says m<n> in the room, one message after another, until stopped.
    """

    def __init__(self, client: LineSocket, first: int) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.sent = first
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            speak(self.client, f"m{self.sent}")
            self.sent += 1


def history(client: LineSocket) -> list[str]:
    """
    The bodies of the room's history replayed at login, then those HISTO
    answers.
    """
    client.send(f"clt: HISTO {ROOM} 1000")
    bodies = []
    while (line := client.line()) != "srv: OKAY!":
        if line.startswith(f"srv: SPEAK alice {ROOM} "):
            bodies.append(client.line().removeprefix("srv: "))
            assert client.line() == "srv: ."
    return bodies


@needsSSH
def test_backupWhileWritingThenRestore(tmp_path: Path) -> None:
    """
    A backup taken while a user writes is consistent: restored and served
    by a new daemon, the room's history is an unbroken prefix of what was
    said (everything stored before the backup began at least); the account's
    password, a ban, the admin password and the SSH host key survive.  A
    restore into the running daemon's data directory is refused.
    """
    dataDir, backupDir, restored = tmp_path / "data", tmp_path / "backup", tmp_path / "restored"
    done = chatdAdmin("password", "root", "--stdin", "--data-dir", str(dataDir), stdin=PASSWORD)
    assert done.returncode == 0, done
    ssh = SSH(tmp_path)
    daemon = start(tmp_path, dataDir)
    try:
        alice, answer = tchatLogin(daemon.ports["TchatFactory"], "alice")
        assert answer == "srv: OKAY!"
        alice.send("clt: REGIS sesame12", f"clt: CREAT {ROOM}", f"clt: ENTER {ROOM}")
        for _ in range(3):
            assert alice.reply() == "srv: OKAY!"
        for n in range(20):
            speak(alice, f"m{n}")
        deadline = time.monotonic() + 10
        while storedMessages(dataDir / "chatd.sqlite3") < 20:
            assert time.monotonic() < deadline, "the messages were never stored"
            time.sleep(0.05)
        banned = ssh.run(daemon.ports["AdminSSHFactory"], "ban", "eve", "troll")
        assert banned.returncode == 0, banned

        writer = Writer(alice, 20)
        writer.start()
        while writer.sent < 30:
            time.sleep(0.01)
        backedUp = chatdAdmin("backup", str(dataDir), str(backupDir))
        writing = writer.sent
        while writer.sent < writing + 10:  # still writing after the backup
            time.sleep(0.01)
        writer.halt.set()
        writer.join(10)
        assert backedUp.returncode == 0, backedUp
        waiting = len(list((backupDir / "journal").glob("*.jsonl")))  # what was not yet written
        assert backedUp.stdout.startswith(
            f"backed up {6 + waiting} files of {dataDir} to {backupDir}"  # cloak.key among them
        )

        refused = chatdAdmin("restore", "--force", str(backupDir), str(dataDir))
        assert refused.returncode == 1
        assert "a running daemon has" in refused.stderr
        alice.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
    with closing(sqlite3.connect(backupDir / "chatd.sqlite3")) as db:
        stored = [row[0] for row in db.execute("SELECT body FROM messages ORDER BY id")]
    assert stored == [f"m{n}" for n in range(len(stored))]  # no hole anywhere

    done = chatdAdmin("restore", str(backupDir), str(restored))
    assert done.returncode == 0, done
    assert (restored / "admin-passwords").stat().st_mode & 0o777 == 0o600
    daemon = start(tmp_path, restored)
    try:
        tchat = daemon.ports["TchatFactory"]
        guest, answer = tchatLogin(tchat, "alice")
        guest.close()
        assert answer == "srv: ERROR 22"  # registered: a password is needed
        alice, answer = tchatLogin(tchat, "alice sesame12")
        assert answer == "srv: OKAY!"
        bodies = history(alice)
        alice.close()
        # HISTO answers the last 1000 at most: an unbroken run up to the last
        # message the backup holds, at least all those stored before it began.
        last = int(bodies[-1][1:])
        assert 19 <= last < writer.sent
        expected = [f"m{n}" for n in range(max(0, last - 999), last + 1)]
        assert bodies[-len(expected) :] == expected  # after the replay at login

        served = telnetLogin(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
        assert b"You are root." in served
        # The same host key: strict checking against the first daemon's.
        audit = ssh.run(daemon.ports["AdminSSHFactory"], "audit", strict="yes")
        assert audit.returncode == 0, audit
        assert audit.stdout.split(None, 3)[3] == "ban eve troll\n"
        # Checked last: the daemon loads its sanctions while it starts listening.
        eve, answer = tchatLogin(tchat, "eve")
        eve.close()
        assert answer == "srv: ERROR 24"
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
    if waiting:  # the backup's journal, written at the first start: said as a restore's
        assert "or this data directory was restored from a backup" in daemon.logText()


@needsSSH
def test_backupWithPostgres(tmp_path: Path, postgresServer: str) -> None:
    """
    With the chat (and moderation) data in PostgreSQL, the backup holds the
    data directory's files, the admin password file and the SSH host key,
    and says PostgreSQL is backed up with pg_dump; a restore into the
    running daemon's data directory is refused; restored beside the same
    database, they serve the admin consoles as before.
    """
    dataDir, backupDir, restored = tmp_path / "data", tmp_path / "backup", tmp_path / "restored"
    db = ("--db", createDatabase(postgresServer))
    done = chatdAdmin("password", "root", "--stdin", "--data-dir", str(dataDir), stdin=PASSWORD)
    assert done.returncode == 0, done
    ssh = SSH(tmp_path)
    daemon = start(tmp_path, dataDir, *db)
    try:
        banned = ssh.run(daemon.ports["AdminSSHFactory"], "ban", "eve", "troll")
        assert banned.returncode == 0, banned
        backedUp = chatdAdmin("backup", str(dataDir), str(backupDir))
        refused = chatdAdmin("restore", "--force", str(backupDir), str(dataDir))
    finally:
        daemon.stop()
    assert backedUp.returncode == 0, backedUp
    assert refused.returncode == 1  # it has no database there open, and holds the lock
    assert refused.stderr == (
        f"chatd-admin: a running daemon (process {daemon.process.pid}) uses {dataDir}:"
        " stop it first\n"
    )
    assert backedUp.stdout.splitlines() == [
        f"backed up 4 files of {dataDir} to {backupDir}",  # cloak.key among them
        "note: no chatd.sqlite3 there; a chat database given by --db is backed up on its own:"
        " with pg_dump on PostgreSQL, with 'python -m chatd.storage.tools backup FILE DEST'"
        " for an SQLite file",
    ]

    assert chatdAdmin("restore", str(backupDir), str(restored)).returncode == 0
    daemon = start(tmp_path, restored, *db)
    try:
        served = telnetLogin(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
        assert b"You are root." in served
        audit = ssh.run(daemon.ports["AdminSSHFactory"], "audit", strict="yes")
        assert audit.returncode == 0, audit
        assert audit.stdout.split(None, 3)[3] == "ban eve troll\n"
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
