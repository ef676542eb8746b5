"""
The log of one-shot commands on the ssh command line of a real
C{twistd -n chatd}, driven by Debian's OpenSSH client as a script's loop
would drive it (one ssh per command): the administrator's login and the
audit line of what was done, and none of Conch's lines about the session.

These tests block (subprocesses against another process); none uses the
reactor.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.blockingclients import SSH, needsSSH, rootStarted


@needsSSH
def test_oneShotCommandsLog(tmp_path: Path) -> None:
    """
    Two one-shot commands log a login line each, and the account made its
    audit line: nothing else.
    """
    ssh = SSH(tmp_path)
    daemon = rootStarted(tmp_path)
    try:
        port = daemon.ports["AdminSSHFactory"]
        before = len(daemon.logText().splitlines())
        done = ssh.run(port, "add", "account", "pupil150", "Pupil-150-pw", tty=False)
        assert done.returncode == 0, done
        done = ssh.run(port, "unban", "nobody", tty=False)
        assert done.returncode == 1, done
        logged = daemon.logText().splitlines()[before:]
    finally:
        daemon.stop()
    login = "administrator root logged in from 127.0.0.1"
    said = [line.partition("] ")[2] for line in logged]
    assert said[said.index(login) :] == [login, "admin root: add account pupil150", login], (
        "\n".join(logged)
    )
