"""
A throwaway PostgreSQL server for the tests: C{initdb} into a temporary
directory and C{pg_ctl start} on a free 127.0.0.1 port, as the C{postgres}
user when the tests run as root (PostgreSQL refuses to run as root).

Tests that need it skip, saying why, when PostgreSQL (Debian package
C{postgresql}) or psycopg (C{pip install chatd[postgres]}) is missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count

import pytest

_databases = count()


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def freePort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def whyNoPostgres() -> str | None:
    """
    Why a PostgreSQL server cannot be started here, or C{None} if it can.
    """
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install chatd[postgres])"
    if _tool("initdb") is None or _tool("pg_ctl") is None:
        return "PostgreSQL is not installed (Debian package 'postgresql')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
    return None


class PostgresServer:
    """
    A PostgreSQL server in a temporary directory, which a test may stop and
    start again (to see the daemon through an outage); or, given a
    C{primary}, its hot standby, made by C{pg_basebackup} and streaming from
    it until L{promote}d.
    """

    def __init__(self, primary: PostgresServer | None = None) -> None:
        reason = whyNoPostgres()
        if reason:
            pytest.skip(reason)
        initdb, pgctl = _tool("initdb"), _tool("pg_ctl")
        assert initdb and pgctl
        self.pgctl = pgctl
        self.base = tempfile.mkdtemp(prefix="chatd-pg-")
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.base, account.pw_uid, account.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.data, self.log = os.path.join(self.base, "data"), os.path.join(self.base, "log")
        self.port = freePort()
        self.url = f"postgresql://chatd@127.0.0.1:{self.port}"
        if primary is not None:
            self._copy(primary)
            self.start()
            return
        subprocess.run(
            [
                *self.prefix,
                initdb,
                "-D",
                self.data,
                "-U",
                "chatd",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        self.start()

    def _copy(self, primary: PostgresServer) -> None:
        """
        A base backup of C{primary} that starts as its streaming standby
        (C{-R} writes the replication settings).
        """
        backup = _tool("pg_basebackup")
        if backup is None:
            pytest.skip("pg_basebackup is not installed (Debian package 'postgresql')")
        address = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "chatd"]
        subprocess.run(
            [*self.prefix, backup, *address, "-D", self.data, "-R", "-X", "stream"],
            check=True,
            capture_output=True,
        )

    def promote(self) -> None:
        """
        Make this standby a primary (what a failover tool does).
        """
        subprocess.run(
            [*self.prefix, self.pgctl, "-D", self.data, "-w", "promote"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        subprocess.run(
            [
                *self.prefix,
                self.pgctl,
                "-D",
                self.data,
                "-l",
                self.log,
                "-w",
                "-o",
                options,
                "start",
            ],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, self.pgctl, "-D", self.data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgresServer() -> Iterator[str]:
    """
    Start a PostgreSQL server for the session; yields its base URL
    (C{postgresql://chatd@127.0.0.1:PORT}), without a database name.
    """
    server = PostgresServer()
    try:
        yield server.url
    finally:
        server.remove()


@pytest.fixture
def ownPostgres() -> Iterator[PostgresServer]:
    """
    A PostgreSQL server for one test, which it may stop and start.
    """
    server = PostgresServer()
    try:
        yield server
    finally:
        server.remove()


def createDatabase(server: str) -> str:
    """
    A new, empty database on C{server}; returns its URL.
    """
    import psycopg

    name = f"chatd_test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
