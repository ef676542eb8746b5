"""
Approval rooms and sweeping bans on the telnet console of a real C{twistd
-n chatd}: a room made an approval room there, a TCHAT user's request to
enter it logged and listed, and a ban on the console's own (loopback)
address refused until confirmed.

These tests block (plain sockets against another process); none uses the
reactor.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.blockingclients import PASSWORD, LineSocket, TelnetConsole, consoleDaemon


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
