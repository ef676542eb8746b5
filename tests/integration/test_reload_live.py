"""
SIGHUP on the real C{twistd -n chatd --config FILE}: a replaced TLS
certificate is what new clients see while a connection opened before stays
up, an operator added to the file may act at once, a changed limit applies
to new connections, a change it cannot apply is logged as needing a restart,
and a file that no longer parses changes nothing; a room added to the file
is there at once, and the log level changes what is logged; the shortest
new password changes for the next registration on every protocol.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.support.daemon import Daemon, startDaemon
from tests.support.tls import makeCertificate

TIMEOUT = 10.0


class Lines:
    """
    A blocking line connection (the daemon runs in another process).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.stream = sock.makefile("rwb")

    def send(self, *lines: str) -> None:
        self.stream.write("".join(line + "\r\n" for line in lines).encode())
        self.stream.flush()

    def line(self) -> str:
        line = self.stream.readline()
        assert line, "connection closed"
        return line.decode().rstrip("\r\n")

    def until(self, *marks: str) -> list[str]:
        seen: list[str] = []
        while not any(mark in (seen or [""])[-1] for mark in marks):
            seen.append(self.line())
        return seen

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def plain(port: int) -> Lines:
    return Lines(socket.create_connection(("127.0.0.1", port), TIMEOUT))


def tls(port: int) -> tuple[Lines, bytes]:
    """
    A TLS connection, and the certificate the server showed (DER).
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), TIMEOUT))
    served = sock.getpeercert(binary_form=True)
    assert served is not None
    return Lines(sock), served


def der(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


def hangUp(daemon: Daemon, text: str) -> None:
    """
    Send SIGHUP and wait for the log to say C{text} once more.
    """
    seen = daemon.logText().count(text)
    daemon.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + TIMEOUT
    while daemon.logText().count(text) <= seen:
        assert time.monotonic() < deadline, daemon.logText()
        time.sleep(0.05)


def fromConfig(tmp_path: Path, config: Path) -> Daemon:
    """
    The daemon with TCHAT and IRC, configured by C{config}, which a test
    rewrites before each SIGHUP.
    """
    return startDaemon(
        tmp_path,
        "--config",
        str(config),
        "--data-dir",
        str(tmp_path / "data"),
        factories=("TchatFactory", "IRCFactory"),
    )


def test_reloadWithoutRestart(tmp_path: Path) -> None:
    """
    TCHAT over TLS and IRC from a config file; the file and the certificate
    change, then SIGHUP; then the file breaks, then SIGHUP again.
    """
    certs = tmp_path / "certs"
    certs.mkdir()
    key, cert = makeCertificate(certs)
    config = tmp_path / "chatd.toml"
    listener = f'port = "ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}"\n'
    config.write_text(listener + "alive-after = 0\nflood-burst = 0\n")
    daemon = fromConfig(tmp_path, config)
    try:
        tchat, irc = daemon.ports["TchatFactory"], daemon.ports["IRCFactory"]
        old, served = tls(tchat)
        first = der(cert)
        assert served == first
        assert old.line() == "srv: TCHAT 1"
        old.send("clt: LOGIN bob")
        assert old.line() == "srv: OKAY!"
        owner, _ = tls(tchat)
        assert owner.line() == "srv: TCHAT 1"
        owner.send("clt: LOGIN alice")
        assert owner.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        owner.send("clt: REGIS sesame-42")  # after the login's notices
        assert owner.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        owner.close()
        carol = plain(irc)
        carol.send("NICK carol", "USER c 0 * :C")
        assert " 001 " in carol.until(" 001 ")[-1]
        alice = plain(irc)
        alice.send("PASS sesame-42", "NICK alice", "USER a 0 * :A")
        assert " 001 " in alice.until(" 001 ", "ERROR")[-1]
        alice.send("KILL carol :bye")
        assert " 481 " in alice.until(" 481 ")[-1]  # not an operator yet
        newcomer, _ = tls(tchat)
        assert newcomer.line() == "srv: TCHAT 1"
        newcomer.send("clt: " + "x" * 200)
        assert newcomer.line() == "srv: ERROR 11"  # within 4096 bytes: an unknown command
        newcomer.close()

        newKey, newCert = makeCertificate(tmp_path)
        os.replace(newKey, key)
        os.replace(newCert, cert)
        config.write_text(
            listener + "alive-after = 0\nflood-burst = 0\n"
            'operators = ["alice"]\nmax-line-length = 150\nauth-hashes = 3\n'
        )
        hangUp(daemon, "reloaded the configuration")
        assert "changed but needs a restart: auth-hashes" in daemon.logText()

        fresh, served = tls(tchat)
        assert served == der(cert) != first
        assert fresh.line() == "srv: TCHAT 1"
        fresh.send("clt: " + "x" * 200)
        assert fresh.line() == "srv: ERROR 10"  # the new line limit
        old.send("clt: LSMEM nowhere")
        assert old.until("srv: ERROR")[-1].startswith("srv: ERROR 3")  # still connected, still bob
        alice.send("KILL carol :bye")
        assert any(line.startswith("ERROR") for line in carol.until("ERROR"))

        config.write_text("max-line-length = \n")
        hangUp(daemon, "reload failed, the running settings stay")
        again, served = tls(tchat)
        assert served == der(cert)
        assert again.line() == "srv: TCHAT 1"
        again.send("clt: " + "x" * 200)
        assert again.line() == "srv: ERROR 10"
        for connection in (old, fresh, again, alice, carol):
            connection.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_reloadLogLevelAndRooms(tmp_path: Path) -> None:
    """
    The file's log level and rooms change, then SIGHUP: the room added is
    there for TCHAT clients, and logins are no longer logged at level warn;
    back to info, they are again.
    """
    config = tmp_path / "chatd.toml"
    config.write_text('rooms = ["lobby"]\nalive-after = 0\n')
    daemon = startDaemon(tmp_path, "--config", str(config), "--data-dir", str(tmp_path / "data"))
    try:
        port = daemon.ports["TchatFactory"]
        first = plain(port)
        assert first.line() == "srv: TCHAT 1"
        first.send("clt: LOGIN bob")
        assert first.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        first.send("clt: ENTER garden")
        assert first.until("srv: OKAY!", "srv: ERROR")[-1].startswith("srv: ERROR")
        assert "bob logged in" in daemon.logText()

        config.write_text(
            'rooms = ["lobby", "garden"]\nalive-after = 0\nlog-level = "warn"\nauth-hashes = 3\n'
        )
        hangUp(daemon, "changed but needs a restart: auth-hashes")  # a warning: still logged
        first.send("clt: ENTER garden")
        assert first.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        second = plain(port)
        assert second.line() == "srv: TCHAT 1"
        second.send("clt: LOGIN carol")
        assert second.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        second.send("clt: ENTER garden")  # round trip: carol's login is long done
        assert second.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        assert "carol logged in" not in daemon.logText()

        config.write_text('rooms = ["lobby"]\nalive-after = 0\nlog-level = "info"\n')
        hangUp(daemon, "reloaded the configuration")
        third = plain(port)
        assert third.line() == "srv: TCHAT 1"
        third.send("clt: LOGIN dave", "clt: ENTER garden")  # garden stays
        assert third.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        assert third.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        deadline = time.monotonic() + TIMEOUT
        while "dave logged in" not in daemon.logText():
            assert time.monotonic() < deadline, daemon.logText()
            time.sleep(0.05)
        for connection in (first, second, third):
            connection.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_reloadPasswordRule(tmp_path: Path) -> None:
    """
    C{password-min-length} from the file refuses a short password over
    TCHAT and IRC (C{draft/account-registration}) with the rule in words;
    after SIGHUP with a lower one, the same password registers, and the
    account logs in with it over IRC.
    """
    config = tmp_path / "chatd.toml"
    config.write_text("alive-after = 0\nflood-burst = 0\npassword-min-length = 10\n")
    daemon = fromConfig(tmp_path, config)
    try:
        tchat, irc = daemon.ports["TchatFactory"], daemon.ports["IRCFactory"]
        dave = plain(tchat)
        assert dave.line() == "srv: TCHAT 1"
        dave.send("clt: LOGIN dave")
        assert dave.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        dave.send("clt: REGIS bar-42")
        assert dave.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: ERROR 10"
        erin = plain(irc)
        erin.send("CAP LS 302", "NICK erin", "USER e 0 * :E", "CAP END")
        assert " 001 " in erin.until(" 001 ")[-1]
        erin.send("REGISTER * * bar-42")
        refused = erin.until("FAIL REGISTER")[-1]
        assert "UNACCEPTABLE_PASSWORD" in refused
        assert refused.endswith(":a password is 10 to 1024 characters, no spaces")

        config.write_text("alive-after = 0\nflood-burst = 0\npassword-min-length = 3\n")
        hangUp(daemon, "reloaded the configuration")
        dave.send("clt: REGIS bar")
        assert dave.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        erin.send("REGISTER * * bar-42")
        assert "REGISTER SUCCESS erin" in erin.until("REGISTER SUCCESS", "FAIL")[-1]
        dave.close()
        again = plain(irc)
        again.send("PASS bar", "NICK dave", "USER d 0 * :D")
        assert " 001 dave " in again.until(" 001 ", "ERROR", " 464 ")[-1]
        for connection in (erin, again):
            connection.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


def test_usr1WithoutLogFile(tmp_path: Path) -> None:
    """
    SIGUSR1 (a logrotate habit) to the daemon logging to standard output,
    as under systemd, does not stop it: the log says there is nothing to
    rotate, and a connection opened before goes on.
    """
    config = tmp_path / "chatd.toml"
    config.write_text("alive-after = 0\nflood-burst = 0\n")
    daemon = fromConfig(tmp_path, config)
    try:
        dave = plain(daemon.ports["TchatFactory"])
        assert dave.line() == "srv: TCHAT 1"
        daemon.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + TIMEOUT
        while "nothing to rotate" not in daemon.logText():
            assert daemon.process.poll() is None, daemon.logText()
            assert time.monotonic() < deadline, daemon.logText()
            time.sleep(0.05)
        dave.send("clt: LOGIN dave")
        assert dave.until("srv: OKAY!", "srv: ERROR")[-1] == "srv: OKAY!"
        dave.close()
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()
