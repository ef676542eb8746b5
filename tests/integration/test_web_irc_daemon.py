"""
IRC over WebSocket in the real daemon: an independent WebSocket client (the
PyPI C{websocket-client}, not wsproto) speaks IRC on the web listener's
C{/socket}, in plain text and over TLS, with a TCHAT user.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import websocket

from tests.support.blockingclients import LOCAL, TIMEOUT, tchatLogin
from tests.support.daemon import Daemon, startDaemon
from tests.support.tls import makeCertificate


class IRCWebSocketClient:
    """
    A blocking IRC client over WebSocket: one line per message.
    """

    def __init__(
        self, url: str, subprotocols: list[str], sslopt: dict[str, object] | None = None
    ) -> None:
        self.ws = websocket.create_connection(
            url, subprotocols=subprotocols, timeout=TIMEOUT, sslopt=sslopt
        )

    def send(self, line: str) -> None:
        if self.ws.getsubprotocol() == "binary.ircv3.net":
            self.ws.send_binary(line.encode("utf-8"))
        else:
            self.ws.send(line)

    def line(self) -> str:
        message = self.ws.recv()
        return message if isinstance(message, str) else message.decode("utf-8")

    def until(self, predicate: str) -> list[str]:
        """
        The lines up to the first containing C{predicate}, which ends them.
        """
        lines = []
        while True:
            lines.append(self.line())
            if predicate in lines[-1]:
                return lines


def conversation(daemon: Daemon, client: IRCWebSocketClient) -> None:
    """
    C{client} registers as bob, joins C{#lobby} and talks with TCHAT user
    alice both ways, then quits; alice sees bob leave.
    """
    alice, answer = tchatLogin(daemon.ports["TchatFactory"], "alice")
    assert answer == "srv: OKAY!"
    alice.send("clt: ENTER lobby")
    assert alice.reply() == "srv: OKAY!"
    client.send("NICK bob")
    client.send("USER bob 0 * :Bob")
    welcome = client.until(" 376 bob ")  # the end of the MOTD
    assert welcome[0].startswith(":chatd 001 bob "), welcome
    assert not [line for line in welcome if line.endswith(("\r", "\n"))]
    client.send("JOIN #lobby")
    names = client.until(" 366 bob #lobby ")
    assert any(" 353 bob " in line and "alice" in line for line in names), names
    client.send("PRIVMSG #lobby :hello from a browser")
    assert alice.reply().startswith("srv: SPEAK bob lobby ")
    assert alice.reply() == "srv: hello from a browser"
    assert alice.reply() == "srv: ."
    alice.send("clt: SPEAK lobby", "clt: hi bob", "clt: .")
    assert alice.reply() == "srv: OKAY!"
    heard = client.until("PRIVMSG #lobby :hi bob")
    assert heard[-1].startswith(":alice!"), heard
    client.ws.ping("alive")  # the daemon answers WebSocket pings too
    client.send("QUIT :done")
    assert client.until("ERROR :Closing Link")[-1].startswith("ERROR ")
    while not alice.line().startswith("srv: LEAVE lobby bob "):
        pass
    client.ws.close()
    alice.close()


def assertKinds(client: IRCWebSocketClient, kind: type[str | bytes]) -> None:
    """
    The next message from the server is of type C{kind}.
    """
    client.send("PING :kind")
    message = client.ws.recv()
    assert isinstance(message, kind), message


def test_plainText(tmp_path: Path) -> None:
    """
    Over plain HTTP, with C{text.ircv3.net}: text messages, one line each.
    """
    daemon = startDaemon(tmp_path, "--port", LOCAL, factories=("TchatFactory", "GuardedSite"))
    try:
        url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/socket"
        client = IRCWebSocketClient(url, ["text.ircv3.net"])
        assert client.ws.getsubprotocol() == "text.ircv3.net"
        assertKinds(client, str)
        conversation(daemon, client)
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_tlsBinary(tmp_path: Path) -> None:
    """
    A TLS web listener serves C{wss://}; C{binary.ircv3.net} gives binary
    messages.
    """
    key, cert = makeCertificate(tmp_path)
    web = f"ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}"
    daemon = startDaemon(
        tmp_path, "--port", LOCAL, "--web", web, factories=("TchatFactory", "GuardedSite")
    )
    try:
        url = f"wss://localhost:{daemon.ports['GuardedSite']}/socket"
        client = IRCWebSocketClient(
            url,
            ["binary.ircv3.net", "text.ircv3.net"],
            sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": str(cert)},
        )
        assert client.ws.getsubprotocol() == "binary.ircv3.net"
        assertKinds(client, bytes)
        conversation(daemon, client)
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_shutdown(tmp_path: Path) -> None:
    """
    When the daemon stops, a browser IRC client gets the operator's notice
    and the ERROR line before its WebSocket closes.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        LOCAL,
        "--shutdown-notice",
        "back in five",
        factories=("TchatFactory", "GuardedSite"),
    )
    try:
        url = f"ws://127.0.0.1:{daemon.ports['GuardedSite']}/socket"
        client = IRCWebSocketClient(url, ["text.ircv3.net"])
        client.send("NICK zoe")
        client.send("USER zoe 0 * :Zoe")
        client.until(" 376 zoe ")
    finally:
        daemon.stop()
    lines = client.until("ERROR :Closing Link")
    assert ":chatd NOTICE zoe :back in five" in lines, lines
    assert lines[-1].endswith("(Server shutting down)"), lines
    assert client.ws.recv() == ""  # then the close
    client.ws.shutdown()
    assert "Traceback" not in daemon.logText()
