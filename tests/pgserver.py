"""
A throwaway PostgreSQL server for the tests: C{initdb} into a temporary
directory and C{pg_ctl start} on a free 127.0.0.1 port, as the C{postgres}
user when the tests run as root (PostgreSQL refuses to run as root).

Tests that need it skip, saying why, when PostgreSQL (Debian package
C{postgresql}) or psycopg2 (C{pip install chatd[postgres]}) is missing.
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
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 is not installed (pip install chatd[postgres])"
    if _tool("initdb") is None or _tool("pg_ctl") is None:
        return "PostgreSQL is not installed (Debian package 'postgresql')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
    return None


@pytest.fixture(scope="session")
def postgresServer() -> Iterator[str]:
    """
    Start a PostgreSQL server for the session; yields its base URL
    (C{postgresql://chatd@127.0.0.1:PORT}), without a database name.
    """
    reason = whyNoPostgres()
    if reason:
        pytest.skip(reason)
    initdb, pgctl = _tool("initdb"), _tool("pg_ctl")
    assert initdb and pgctl
    base = tempfile.mkdtemp(prefix="chatd-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(base, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = os.path.join(base, "data"), os.path.join(base, "log")
    subprocess.run(
        [
            *prefix,
            initdb,
            "-D",
            data,
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
    port = freePort()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
    subprocess.run(
        [*prefix, pgctl, "-D", data, "-l", log, "-w", "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://chatd@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, pgctl, "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def createDatabase(server: str) -> str:
    """
    A new, empty database on C{server}; returns its URL.
    """
    import psycopg2

    name = f"chatd_test_{os.getpid()}_{next(_databases)}"
    connection = psycopg2.connect(server + "/postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
    finally:
        connection.close()
    return f"{server}/{name}"
