"""
The real daemon carries out what a client pipelined before it shut its
writing side, as C{printf '...' | nc -q1 HOST PORT} does: a registered
account's announcement bot.
"""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest_twisted
from twisted.internet import threads

from tests.support.daemon import startDaemon
from tests.support.e2eclients import command, connect, spoken

#: What the bot pipes to C{nc}, all at once.
ANNOUNCEMENT = (
    b"clt: LOGIN pupil6 secretpw\nclt: ENTER lobby\nclt: SPEAK lobby\nclt: bot says P1\nclt: .\n"
)


def netcat(port: int, data: bytes) -> bytes:
    """
    As C{nc -q1}: send C{data}, shut the writing side, read until the
    server closes (10 s at most); what it sent.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
        return received


@pytest_twisted.ensureDeferred
async def test_pipedThenHalfClosed(tmp_path: Path) -> None:
    """
    A registered account's commands, piped then half-closed, are each
    answered OKAY! before the server closes, and the message is in HISTO.
    """
    daemon = startDaemon(
        tmp_path, "--port", "tcp:0:interface=127.0.0.1", "--data-dir", str(tmp_path / "data")
    )
    try:
        owner = await connect(daemon)
        assert (await command(owner, "clt: LOGIN pupil6"))[-1] == "srv: OKAY!"
        assert (await command(owner, "clt: REGIS secretpw"))[-1] == "srv: OKAY!"
        await owner.close()
        port = daemon.ports["TchatFactory"]
        answered = await threads.deferToThread(netcat, port, ANNOUNCEMENT)
        lines = answered.decode("utf-8").splitlines()
        answers = [line for line in lines if line == "srv: OKAY!" or line.startswith("srv: ERROR")]
        assert lines[0] == "srv: TCHAT 1"
        assert answers == ["srv: OKAY!"] * 3  # (the login's NOTICE of its rooms between)
        reader = await connect(daemon)
        assert (await command(reader, "clt: LOGIN reader"))[-1] == "srv: OKAY!"
        assert (await command(reader, "clt: ENTER lobby"))[-1] == "srv: OKAY!"
        assert spoken(await command(reader, "clt: HISTO lobby 10")) == ["bot says P1"]
        await reader.close()
    finally:
        daemon.stop(signal.SIGTERM)
    assert "Traceback" not in daemon.logText()
