"""
Accounts flagged admin, end to end against a real C{twistd -n chatd}: an
account registered over TCHAT, flagged from the telnet console by an
administrator of the password file, then logging into the console itself.

These tests block (a subprocess and plain sockets); none uses the reactor.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.blockingclients import (
    PASSWORD,
    TelnetConsole,
    consoleDaemon,
    register,
    telnetLogin,
)


def test_accountFlaggedAdmin(tmp_path: Path) -> None:
    """
    An account registered over TCHAT cannot log into the console until an
    administrator flags it; then its account password opens the console,
    a wrong password is refused like any failed admin login (the log names
    only a flagged account), and a revoke closes the door again.
    """
    daemon = consoleDaemon(tmp_path)
    try:
        register(daemon.ports["TchatFactory"], "alice", "alicepw")
        register(daemon.ports["TchatFactory"], "bob", "bobpw")
        admin = daemon.ports["AdminTelnetFactory"]
        assert b"Authentication failed" in telnetLogin(admin, "alice", "alicepw")
        root = TelnetConsole(admin, "root", PASSWORD)
        try:
            assert "ghost is not a registered account" in root.run("admin grant ghost")
            assert "alice is now an administrator" in root.run("admin grant alice")
            assert "accounts flagged admin: alice" in root.run("admins")
        finally:
            root.close()
        alice = TelnetConsole(admin, "alice", "alicepw")
        try:
            audit = alice.run("audit").splitlines()
            assert any(line.split()[2:] == ["root", "admin", "grant", "alice"] for line in audit)
            assert "announced to" in alice.run("announce hello from alice")
        finally:
            alice.close()
        assert b"Authentication failed" in telnetLogin(admin, "alice", "wrong")
        assert b"Authentication failed" in telnetLogin(admin, "bob", "bobpw")
        alice = TelnetConsole(admin, "alice", "alicepw")
        root = TelnetConsole(admin, "root", PASSWORD)
        try:
            revoked = root.run("admin revoke alice")
            assert (
                "alice is no longer an administrator; 1 open console session(s) closed" in revoked
            )
            assert alice.closed()
        finally:
            root.close()
            alice.close()
        assert b"Authentication failed" in telnetLogin(admin, "alice", "alicepw")
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "alice logs in as an account flagged admin" in log
    assert "admin alice: announce hello from alice" in log
    assert "failed admin login for 'alice'" in log  # flagged then
    assert "failed admin login for an unknown name" in log  # bob, not flagged
    assert "failed admin login for 'bob'" not in log
    assert "Traceback" not in log
