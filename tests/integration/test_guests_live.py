"""
C{--guests off} against a real C{twistd -n chatd}: a guest is refused on
TCHAT and IRC, over real sockets; the account an administrator made on the
telnet console logs in with its password.

These tests block (a subprocess and plain sockets); none uses the reactor.
"""

from __future__ import annotations

from pathlib import Path

from chatd.core.errors import GuestsRefused
from tests.support.blockingclients import (
    LOCAL,
    PASSWORD,
    LineSocket,
    TelnetConsole,
    consoleDaemon,
    readUntil,
)


def test_guestsOff(tmp_path: Path) -> None:
    """
    TCHAT's C{LOGIN} without a password is C{ERROR 22}, IRC's registration
    C{FAIL * ACCOUNT_REQUIRED} and C{ERROR}; C{add account} on the console
    makes the account that then logs in.
    """
    daemon = consoleDaemon(
        tmp_path,
        "--guests",
        "off",
        "--irc",
        LOCAL,
        factories=("TchatFactory", "IRCFactory", "AdminTelnetFactory"),
    )
    try:
        tchat = LineSocket(daemon.ports["TchatFactory"])
        try:
            assert tchat.line() == "srv: TCHAT 1"
            tchat.send("clt: LOGIN pupil")
            assert tchat.reply() == "srv: ERROR 22"
            root = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
            try:
                created = root.run("add account pupil pupilpw")
                assert "account pupil created" in created
            finally:
                root.close()
            tchat.send("clt: LOGIN pupil pupilpw")
            assert tchat.reply() == "srv: OKAY!"
        finally:
            tchat.close()
        irc = LineSocket(daemon.ports["IRCFactory"])
        try:
            irc.send("NICK guest", "USER u 0 * :U")
            told = readUntil(irc.sock, b"ERROR ").decode("utf-8")
            assert f"FAIL * ACCOUNT_REQUIRED :{GuestsRefused.reason}" in told
            assert irc.closed()
        finally:
            irc.close()
    finally:
        daemon.stop()
    assert "add account pupil" in daemon.logText()
