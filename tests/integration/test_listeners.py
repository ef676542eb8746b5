"""
Tests for L{chatd.listeners}: where each listener says it is reachable,
the warning for one open beyond this host, the TLS endpoint strings a
reload understands, and C{/metrics} on its own listener.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress

from chatd.listeners import isLocal, tlsArguments, where
from tests.support.daemon import runDaemon, startDaemon

LOCAL = "tcp:0:interface=127.0.0.1"


def test_tlsArguments() -> None:
    """
    An C{ssl:} string of port, interface, backlog, key and certificate is
    one a reload can serve; any other argument, or another endpoint type,
    is left to Twisted.
    """
    assert tlsArguments("ssl:6697:privateKey=k.pem:certKey=c.pem:backlog=9") == {
        "port": "6697",
        "privateKey": "k.pem",
        "certKey": "c.pem",
        "backlog": "9",
    }
    assert tlsArguments("ssl:port=0:interface=127.0.0.1:privateKey=k") == {
        "port": "0",
        "interface": "127.0.0.1",
        "privateKey": "k",
    }
    assert tlsArguments("ssl:6697:privateKey=k:sslmethod=TLSv1_2_METHOD") is None
    assert tlsArguments("tcp:6667") is None
    assert tlsArguments("ssl:") is None


@pytest.mark.parametrize(
    "address, local, shown",
    [
        (IPv4Address("TCP", "127.0.0.1", 1), True, "127.0.0.1:1"),
        (IPv4Address("TCP", "127.3.4.5", 1), True, "127.3.4.5:1"),
        (IPv4Address("TCP", "0.0.0.0", 2), False, "0.0.0.0:2"),
        (IPv4Address("TCP", "192.0.2.7", 3), False, "192.0.2.7:3"),
        (IPv6Address("TCP", "::1", 4), True, "[::1]:4"),
        (IPv6Address("TCP", "::", 5), False, "[::]:5"),
        (UNIXAddress(b"/run/chatd.sock"), True, "unix:/run/chatd.sock"),
    ],
)
def test_local(address: object, local: bool, shown: str) -> None:
    assert isLocal(address) is local  # type: ignore[arg-type]
    assert where(address) == shown  # type: ignore[arg-type]


def test_startupReport(tmp_path: Path) -> None:
    """
    At start the log says where each listener is reachable, with TLS or
    not, and warns about the chat listener and the metrics open on every
    interface, and about the telnet admin console there at error level;
    not about local ones nor about IRC behind a password.
    C{/metrics} answers on its own listener, not on the web one.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0",
        "--irc",
        "tcp:0",
        "--irc-password",
        "secret",
        "--metrics",
        "tcp:0",
        "--admin",
        "tcp:0",
        factories=(
            "TchatFactory",
            "IRCFactory",
            "TalkFactory",
            "GuardedSite",
            "MetricsSite",
            "AdminTelnetFactory",
        ),
    )
    try:
        log = daemon.logText()
        ports = daemon.ports
        assert f"TCHAT reachable at 0.0.0.0:{ports['TchatFactory']}\n" in log
        assert f"talk reachable at 127.0.0.1:{ports['TalkFactory']}\n" in log
        assert f"web reachable at 127.0.0.1:{ports['GuardedSite']}\n" in log
        assert f"IRC reachable at 0.0.0.0:{ports['IRCFactory']}\n" in log
        assert f"/metrics reachable at 0.0.0.0:{ports['MetricsSite']}\n" in log
        warnings = [line for line in log.splitlines() if "warning:" in line]
        assert len(warnings) == 3, warnings
        assert f"TCHAT at 0.0.0.0:{ports['TchatFactory']} is open beyond this host" in warnings[0]
        assert "may chat without a password" in warnings[0]
        assert f"/metrics at 0.0.0.0:{ports['MetricsSite']}" in warnings[1]
        assert "may read the metrics" in warnings[1]
        console = (
            f"#error] warning: admin console (telnet) at 0.0.0.0:{ports['AdminTelnetFactory']}"
        )
        assert console in warnings[2], warnings[2]
        assert "passwords cross the network in clear text" in warnings[2]

        scrape = f"http://127.0.0.1:{ports['MetricsSite']}/metrics"
        with urllib.request.urlopen(scrape, timeout=10) as response:
            assert b"chatd_connections{" in response.read()
        with urllib.request.urlopen(scrape.replace("metrics", "healthz"), timeout=10) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{ports['GuardedSite']}/metrics", timeout=10)
        assert refused.value.code == 404
        refused.value.close()
    finally:
        daemon.stop()


def test_tlsReport(tmp_path: Path) -> None:
    """
    A TLS listener says so; a local one is not warned about.
    """
    from tests.support.tls import makeCertificate

    key, cert = makeCertificate(tmp_path)
    daemon = startDaemon(
        tmp_path, "--port", f"ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}"
    )
    try:
        port = daemon.ports["TchatFactory"]
        assert f"TCHAT reachable at 127.0.0.1:{port} (TLS)\n" in daemon.logText()
        assert "warning:" not in daemon.logText()
    finally:
        daemon.stop()


@pytest.mark.parametrize(
    "option, endpoint, reason",
    [
        ("--port", "tcp:abc", "invalid literal for int()"),
        ("--irc", "nonsense:6667", "Unknown endpoint type: 'nonsense'"),
        ("--port", "ssl:0:privateKey=/nowhere/key.pem", "No such file or directory"),
        ("--port", "haproxy:ssl:0:privateKey=/nowhere/key.pem", "No such file or directory"),
        ("--port", "haproxy:ssl:0:sslmethod=TLSv1_2_METHOD", "takes only the arguments"),
    ],
)
def test_badEndpointStopsTheStart(tmp_path: Path, option: str, endpoint: str, reason: str) -> None:
    """
    A listener's endpoint the daemon cannot use stops the start with one
    line naming the listener, the endpoint and why, and status 1: no
    traceback for an operator's typing mistake.
    """
    result = runDaemon(tmp_path, "--data-dir", str(tmp_path / "data"), option, endpoint)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("chatd: ") and "cannot listen on" in line and reason in line
    assert endpoint.split(":")[1] in line


def test_portInUseStopsTheStart(tmp_path: Path) -> None:
    """
    A port another program holds stops the start with one line saying
    which listener and why, and status 1.
    """
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = runDaemon(
            tmp_path,
            "--data-dir",
            str(tmp_path / "data"),
            "--irc",
            f"tcp:{port}:interface=127.0.0.1",
        )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert f"chatd: IRC: Couldn't listen on 127.0.0.1:{port}" in output
    assert "Address already in use" in output
