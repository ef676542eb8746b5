"""
The systemd unit C{contrib/systemd/chatd.service}: systemd's own checker
finds nothing to say about it, its sandbox rates "OK", and it keeps the
settings docs/INSTALL.md promises.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.daemon import ROOT, TWISTD

UNIT = ROOT / "contrib" / "systemd" / "chatd.service"
INSTALLED_TWISTD = "/opt/chatd/venv/bin/twistd"
ANALYZE = shutil.which("systemd-analyze")

needsSystemd = pytest.mark.skipif(ANALYZE is None, reason="needs systemd-analyze (systemd)")


def settings() -> dict[str, list[str]]:
    """
    Every C{key=value} of the unit, the values of a key in order.
    """
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def unitCopy(tmp_path: Path) -> Path:
    """
    The unit, with ExecStart pointing at this environment's twistd (verify
    checks that the program exists).
    """
    text = UNIT.read_text()
    assert INSTALLED_TWISTD in text
    copy = tmp_path / "chatd.service"
    copy.write_text(text.replace(INSTALLED_TWISTD, str(TWISTD)))
    return copy


def test_settings() -> None:
    """
    The unit runs twistd in the foreground on /var/lib/chatd as a dynamic
    user, without capabilities, in a read-only system, restarts it, and
    reloads it with SIGHUP.
    """
    unit = settings()
    start = unit["ExecStart"][0].split()
    assert start[:4] == [INSTALLED_TWISTD, "--nodaemon", "--pidfile=", "chatd"]
    assert start[4:6] == ["--data-dir", "/var/lib/chatd"]
    expected = {
        "DynamicUser": "yes",
        "StateDirectory": "chatd",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "Restart": "on-failure",
        "ExecReload": "/bin/kill -HUP $MAINPID",
        "LimitNOFILE": "65536",
    }
    assert {key: unit[key][0] for key in expected} == expected
    assert unit["SystemCallFilter"][0] == "@system-service"


@needsSystemd
def test_verify(tmp_path: Path) -> None:
    """
    C{systemd-analyze verify} accepts the unit without a word (an unknown
    or misspelt setting would be a warning here).
    """
    done = subprocess.run(
        [str(ANALYZE), "verify", "--man=no", str(unitCopy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if "chatd.service" in line] == []


@needsSystemd
def test_exposure(tmp_path: Path) -> None:
    """
    C{systemd-analyze security} rates the sandbox at most 1.5 of 10 ("OK").
    """
    done = subprocess.run(
        [str(ANALYZE), "security", "--offline=yes", "--threshold=15", str(unitCopy(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Overall exposure level for chatd.service: " in done.stdout
