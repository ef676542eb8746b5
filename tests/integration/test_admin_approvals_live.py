"""
Approval rooms and sweeping bans on the telnet console of a real C{twistd
-n chatd}: a room made an approval room there, a TCHAT user's request to
enter it logged and listed, one refused while its user is away told at
their next login after a restart, and a ban on the console's own
(loopback) address refused until confirmed.

These tests block (plain sockets against another process); none uses the
reactor.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.blockingclients import (
    PASSWORD,
    LineSocket,
    TelnetConsole,
    consoleDaemon,
    register,
)


def test_approvalRoomRequestListed(tmp_path: Path) -> None:
    """
    C{add room Classe approval}: a TCHAT user's ENTER is answered error 37,
    the daemon logs the request, C{pending rooms} lists it and C{rooms}
    counts it; C{ban ip 127.0.0.1} from the console (on 127.0.0.1) is
    refused as covering the administrator's own address.
    """
    daemon = consoleDaemon(tmp_path)
    try:
        console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
        try:
            assert "created Classe (approval)" in console.run("add room Classe approval")
            pupil = LineSocket(daemon.ports["TchatFactory"])
            assert pupil.line() == "srv: TCHAT 1"
            pupil.send("clt: LOGIN pupil1")
            assert pupil.reply() == "srv: OKAY!"
            pupil.send("clt: ENTER Classe")
            assert pupil.reply() == "srv: ERROR 37"
            listed = console.run("pending rooms")
            assert "pupil1" in listed and "Classe" in listed, listed
            rows = {line.split()[0]: line.split() for line in console.run("rooms").splitlines()}
            assert rows["Classe"][1:] == ["approval", "0", "1"], rows
            refused = console.run("ban ip 127.0.0.1 oops")
            assert "covers your own address (127.0.0.1)" in refused, refused
            assert "pupil1 asks to enter approval room Classe" in daemon.logText()
            pupil.close()
        finally:
            console.close()
    finally:
        daemon.stop()


def loginLines(port: int, nick: str, password: str) -> list[str]:
    """
    What a TCHAT login as C{nick} is sent up to the first private message
    that waited for it (the welcome tells what waited, refusals first),
    after which it leaves.
    """
    client = LineSocket(port)
    try:
        assert client.line() == "srv: TCHAT 1"
        client.send(f"clt: LOGIN {nick} {password}")
        lines = [client.line()]
        while not lines[-1].startswith("srv: MSGPV "):
            lines.append(client.line())
        return lines
    finally:
        client.close()


def leaveWord(port: int, nick: str, text: str) -> None:
    """
    A guest leaves C{nick}, away, a private message saying C{text}.
    """
    guest = LineSocket(port)
    try:
        assert guest.line() == "srv: TCHAT 1"
        guest.send("clt: LOGIN visitor")
        assert guest.reply() == "srv: OKAY!"
        guest.send(f"clt: MSGPV {nick}", f"clt: {text}", "clt: .")
        assert guest.reply() == "srv: OKAY!"
    finally:
        guest.close()


def test_refusedWhileAwayToldAfterRestart(tmp_path: Path) -> None:
    """
    A registered TCHAT user asks to enter an approval room and leaves; the
    console refuses the request: the log says they are told at their next
    login.  After a restart of the daemon, that login is told the refusal,
    with its reason, before what else waited; the login after is not.
    """
    daemon = consoleDaemon(tmp_path)
    try:
        tchat = daemon.ports["TchatFactory"]
        register(tchat, "pupil1", "sesame")
        pupil = LineSocket(tchat)
        assert pupil.line() == "srv: TCHAT 1"
        pupil.send("clt: LOGIN pupil1 sesame")
        assert pupil.reply() == "srv: OKAY!"
        pupil.send("clt: ENTER Informatique")
        assert pupil.reply() == "srv: ERROR 37"
        pupil.close()
        console = TelnetConsole(daemon.ports["AdminTelnetFactory"], "root", PASSWORD)
        try:
            refused = console.run("refuse pending pupil1 Informatique not this term")
            assert "refused pupil1's request to enter Informatique" in refused, refused
        finally:
            console.close()
        leaveWord(tchat, "pupil1", "first")
    finally:
        daemon.stop()
    assert "(away: told at their next login)" in daemon.logText()
    daemon = consoleDaemon(tmp_path)
    try:
        tchat = daemon.ports["TchatFactory"]
        refusal = "srv: an operator refused your request to enter Informatique: not this term"
        first = loginLines(tchat, "pupil1", "sesame")
        assert first[0] == "srv: OKAY!" and first.count(refusal) == 1, first
        leaveWord(tchat, "pupil1", "second")
        second = loginLines(tchat, "pupil1", "sesame")
        assert not [line for line in second if "refused" in line], second
    finally:
        daemon.stop()
