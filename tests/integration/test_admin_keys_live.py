"""
SSH key logins to the console of a real C{twistd -n chatd}, driven by
Debian's OpenSSH client with keys made by C{ssh-keygen}: a listed key logs
in (and is logged with its fingerprint), a wrong key does not, a keys file
others may write is refused until fixed, and C{--admin-ssh-passwords off}
leaves keys as the only way in, to the manhole too.

These tests block (subprocesses against another process).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from chatd.admin.credentials import setPassword
from tests.support.blockingclients import LOCAL, PASSWORD, SSH, needsSSH, start
from tests.support.daemon import startDaemon


def keygen(path: Path) -> str:
    """
    Make an Ed25519 key pair at C{path}; return its fingerprint (C{SHA256:...}).
    """
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)], check=True
    )
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", f"{path}.pub"], check=True, capture_output=True, text=True
    )
    return listed.stdout.split()[1]


def keysFile(dataDir: Path, **keys: Path) -> Path:
    """
    Write the admin keys file: one C{NAME KEY} line per name, the key as
    its C{.pub} file holds it.
    """
    dataDir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = dataDir / "admin-authorized-keys"
    lines = [f"{name} {Path(f'{key}.pub').read_text()}" for name, key in keys.items()]
    path.write_text("# chatd administrators' keys\n" + "".join(lines))
    path.chmod(0o600)
    return path


@needsSSH
def test_keyLogin(tmp_path: Path) -> None:
    """
    A key listed for alice logs her in, and the log names the key as
    C{ssh-keygen -l} does; a key not listed for her is refused.  A keys
    file others may write refuses every key, with a log line saying why,
    and counts again once fixed, with no restart.  Passwords still work.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    alice, mallory = tmp_path / "alice", tmp_path / "mallory"
    printed = keygen(alice)
    wrongPrint = keygen(mallory)
    path = keysFile(dataDir, alice=alice)
    ssh = SSH(tmp_path)
    daemon = start(tmp_path, dataDir)
    try:
        port = daemon.ports["AdminSSHFactory"]
        users = ssh.run(port, "users", user="alice", identity=alice)
        assert users.returncode == 0, users
        assert f"administrator alice logged in from 127.0.0.1 (key {printed})" in daemon.logText()

        wrong = ssh.run(port, "users", user="alice", identity=mallory)
        assert wrong.returncode == 255, wrong
        assert "Permission denied" in wrong.stderr
        notListed = f"admin key {wrongPrint} offered for 'alice' from 127.0.0.1 is not listed"
        assert notListed in daemon.logText()

        path.chmod(0o666)
        refused = ssh.run(port, "users", user="alice", identity=alice)
        assert refused.returncode == 255, refused
        assert f"admin keys file {path} is writable by its group or others" in daemon.logText()
        path.chmod(0o600)
        assert ssh.run(port, "users", user="alice", identity=alice).returncode == 0

        assert ssh.run(port, "users").returncode == 0  # root's password
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@needsSSH
def test_passwordsOff(tmp_path: Path) -> None:
    """
    With C{--admin-ssh-passwords off} the SSH console offers keys only: the
    right password is refused, a listed key logs in.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    root = tmp_path / "root"
    keygen(root)
    keysFile(dataDir, root=root)
    ssh = SSH(tmp_path)
    daemon = start(tmp_path, dataDir, "--admin-ssh-passwords", "off")
    try:
        port = daemon.ports["AdminSSHFactory"]
        password = ssh.run(port, "users")
        assert password.returncode == 255, password
        assert "Permission denied (publickey)" in password.stderr
        assert ssh.run(port, "users", identity=root).returncode == 0
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.logText()


@needsSSH
def test_manholeTakesTheKeys(tmp_path: Path) -> None:
    """
    The manhole takes the SSH console's keys under the same rule: with
    C{--admin-ssh-passwords off}, the right password is refused there too
    and a listed key opens the Python shell.  The console's C{admins}
    lists the key holders.
    """
    dataDir = tmp_path / "data"
    setPassword(dataDir / "admin-passwords", "root", PASSWORD)
    root = tmp_path / "root"
    keygen(root)
    keysFile(dataDir, root=root, alice=root)
    ssh = SSH(tmp_path)
    daemon = startDaemon(
        tmp_path,
        *("--port", LOCAL, "--admin-ssh", LOCAL, "--manhole", LOCAL),
        *("--admin-ssh-passwords", "off", "--data-dir", str(dataDir)),
        factories=("TchatFactory", "AdminSSHFactory", "ManholeSSHFactory"),
    )
    try:
        manhole = daemon.ports["ManholeSSHFactory"]
        password = ssh.run(manhole, keystrokes="1\r\x04")
        assert password.returncode == 255, password
        assert "Permission denied (publickey)" in password.stderr
        shell = ssh.run(manhole, keystrokes="6 * 7\r\x04", identity=root)
        assert shell.returncode == 0, shell
        assert "chatd manhole" in shell.stdout and "\n42\n" in shell.stdout.replace("\r", "")
        admins = ssh.run(daemon.ports["AdminSSHFactory"], "admins", identity=root)
        assert "ssh keys: alice, root" in admins.stdout, admins
    finally:
        daemon.stop()
    assert "administrator root logged in from 127.0.0.1 (key" in daemon.logText()
    assert "Traceback" not in daemon.logText()
