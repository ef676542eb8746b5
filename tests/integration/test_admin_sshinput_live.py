"""
One-shot commands on the ssh command line of a real C{twistd -n chatd},
driven by Debian's OpenSSH client with something on its standard input,
as in a loop reading a file: the reply arrives, the exit status says
whether the command was done, and neither the daemon's log nor its
audit trail holds a password given on the command line.

These tests block (subprocesses against another process); none uses the
reactor.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.blockingclients import SSH, needsSSH, rootStarted

#: The chat passwords given on the command line: in no line of the log.
SECRETS = ("Pupil-150-pw", "N3w-Pupil-pw")


@needsSSH
def test_commandsWithInput(tmp_path: Path) -> None:
    """
    With input waiting on ssh's standard input, each command's reply
    arrives and its exit status is 0 when done, 1 when not; the daemon
    logs no error and no password, and no exec'd command line.
    """
    ssh = SSH(tmp_path)
    daemon = rootStarted(tmp_path)
    try:
        port = daemon.ports["AdminSSHFactory"]
        for command, status, reply in (
            (("add", "account", "pupil150", SECRETS[0]), 0, "account pupil150 created"),
            (("account", "password", "pupil150", "--sign-out", SECRETS[1]), 0, "new password"),
            (("ban", "pupil150", "test"), 0, "banned pupil150"),
            (("kick", "pupil150", "10m", "test"), 0, "kicked pupil150"),
            (("unban", "pupil150"), 0, "unbanned pupil150"),
            (("unban", "pupil150"), 1, "pupil150 is not banned"),
        ):
            done = ssh.run(port, *command, keystrokes="pupil151,Pupil-151-pw\n" * 200, tty=False)
            assert (done.returncode, done.stdout.startswith(reply)) == (status, True), done
            assert "closed by remote host" not in done.stderr, done
        audit = ssh.run(port, "audit", keystrokes="x\n", tty=False)
        assert audit.returncode == 0, audit
        assert "add account pupil150" in audit.stdout, audit
    finally:
        daemon.stop()
    log = daemon.logText()
    assert "Traceback" not in log and "Unhandled" not in log, log
    assert "Executing command" not in log, log
    assert not [secret for secret in SECRETS if secret in log or secret in audit.stdout], log
