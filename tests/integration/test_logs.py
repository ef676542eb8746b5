"""
Tests for L{chatd.logs}: C{twistd --logger chatd.logs.jsonLogger} writes
one JSON object per line that Twisted reads back, and C{--log-level} puts a
filter in front of whatever observer twistd logs to.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twisted.application.service import Application
from twisted.logger import ILogObserver, Logger, LogLevel, eventFromJSON
from twisted.python.logfile import LogFile
from twisted.python.usage import UsageError

from chatd.logs import LogRoot, filterTwistdLog, jsonLine, jsonLogger, logLevel, setLevel
from tests.support.daemon import startDaemon


def test_failureOnOneLine() -> None:
    """
    A failure's traceback goes into C{text}, and the object stays on one
    line; Twisted reads the event back from it.
    """
    stream = io.StringIO()
    log = Logger(namespace="chatd.test", observer=jsonLogger(stream))
    try:
        raise ZeroDivisionError("by zero")
    except ZeroDivisionError:
        log.failure("while {doing}", doing="dividing")
    [line] = stream.getvalue().splitlines()
    fields = json.loads(line)
    assert fields["level"] == "critical"
    assert fields["text"].startswith("while dividing\nTraceback")
    assert "ZeroDivisionError" in fields["text"]
    assert fields["log_namespace"] == "chatd.test"
    assert fields["time"].endswith("+00:00")
    assert eventFromJSON(line)["log_level"] is LogLevel.critical
    assert jsonLine({"log_format": "plain"}).count("\n") == 1


def test_daemonLogsJSON(tmp_path: Path) -> None:
    """
    The real daemon with C{--logger chatd.logs.jsonLogger}: every line of
    its output is a JSON object with a level and a text, among them where
    each listener is reachable.
    """
    daemon = startDaemon(
        tmp_path,
        "--port",
        "tcp:0:interface=127.0.0.1",
        twistd=("--logger", "chatd.logs.jsonLogger"),
    )
    daemon.stop()
    lines = daemon.logText().splitlines()
    assert len(lines) > 5
    events = [json.loads(line) for line in lines]
    assert all(isinstance(event, dict) and "text" in event for event in events)
    port = daemon.ports["TchatFactory"]
    [reachable] = [e for e in events if e["text"] == f"TCHAT reachable at 127.0.0.1:{port}"]
    assert (reachable["level"], reachable["log_namespace"]) == ("info", "chatd.listeners")
    assert any(e["text"] == "Server Shut Down." for e in events)


def twistdOptions(**given: Any) -> dict[str, Any]:
    """
    What twistd's own options hold when C{chatd}'s are checked.
    """
    return {"logger": None, "logfile": None, "nodaemon": True, "syslog": False, **given}


def emitAll(observer: ILogObserver) -> None:
    log = Logger(namespace="chatd.test", observer=observer)
    for level in ("debug", "info", "warn", "error"):
        getattr(log, level)("a {name} event", name=level)


def test_levelFiltersTheLoggerGiven(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    With C{--logger}, the observer it names is made behind the level's
    filter, and twistd is left no logger of its own to make; changing the
    level changes what the same observer lets through.
    """
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    twistd = twistdOptions(logger="chatd.logs.jsonLogger")
    setup = filterTwistdLog(twistd, "warn")
    assert twistd["logger"] is None and setup.observer is not None
    observer = setup.observer()
    emitAll(observer)
    assert [json.loads(line)["level"] for line in stream.getvalue().splitlines()] == [
        "warn",
        "error",
    ]
    setLevel(setup.predicate, "debug")
    emitAll(observer)
    assert len(stream.getvalue().splitlines()) == 2 + 4


@pytest.fixture
def openedLogFiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LogFile]]:
    """
    The log files twistd's options open during the test, closed after it,
    with C{SIGUSR1} (which rotates them) as it was before.
    """
    opened: list[LogFile] = []
    real = LogFile.fromFullPath

    def fromFullPath(path: str, **kwargs: Any) -> LogFile:
        opened.append(real(path, **kwargs))
        return opened[-1]

    monkeypatch.setattr(LogFile, "fromFullPath", fromFullPath)
    previous = signal.getsignal(signal.SIGUSR1)
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    try:
        yield opened
    finally:
        signal.signal(signal.SIGUSR1, previous)
        for logFile in opened:
            logFile.close()


def test_levelFiltersTwistdsDefault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openedLogFiles: list[LogFile]
) -> None:
    """
    Without C{--logger}: standard output with C{-n}, else the C{--logfile}
    (which SIGUSR1 rotates, as under twistd), as text.
    """
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    setup = filterTwistdLog(twistdOptions(), "error")
    assert setup.observer is not None
    emitAll(setup.observer())
    assert "a error event" in stream.getvalue() and "warn" not in stream.getvalue()

    logfile = tmp_path / "chatd.log"
    setup = filterTwistdLog(twistdOptions(logfile=str(logfile), nodaemon=False), "info")
    assert setup.observer is not None
    emitAll(setup.observer())
    assert signal.getsignal(signal.SIGUSR1) not in (signal.SIG_DFL, None)
    for logFile in openedLogFiles:
        logFile.flush()
    text = logfile.read_text()
    assert "a info event" in text and "a debug event" not in text


def test_logFileNotWorldReadable(tmp_path: Path, openedLogFiles: list[LogFile]) -> None:
    """
    The C{--logfile} chatd opens is readable by the daemon's user and group
    only, whatever the umask: made so, or made so if it was readable by
    all, as are the files rotated before and the ones its rotation keeps.
    """
    umask = os.umask(0o022)
    logfile = tmp_path / "chatd.log"
    older = tmp_path / "chatd.log.1"
    try:
        for fresh in (True, False):
            older.write_text("rotated\n")
            older.chmod(0o644)
            if not fresh:
                logfile.chmod(0o644)
            setup = filterTwistdLog(twistdOptions(logfile=str(logfile), nodaemon=False), "info")
            assert setup.observer is not None
            emitAll(setup.observer())
            assert [oct(path.stat().st_mode & 0o777) for path in (logfile, older)] == ["0o640"] * 2
        openedLogFiles[-1].rotate()
    finally:
        os.umask(umask)
    modes = {path.name: oct(path.stat().st_mode & 0o777) for path in tmp_path.iterdir()}
    assert modes == {"chatd.log": "0o640", "chatd.log.1": "0o640", "chatd.log.2": "0o640"}


def test_outsideTwistd() -> None:
    """
    Outside twistd, or for a detaching daemon told to log to standard
    output (which twistd refuses), there is only the predicate; a
    C{--logger} that does not import is refused as twistd words it.
    """
    assert filterTwistdLog(None, "info").observer is None
    detached = twistdOptions(logfile="-", nodaemon=False)
    assert filterTwistdLog(detached, "info").observer is None
    with pytest.raises(UsageError, match="Logger 'chatd.nowhere' could not be imported"):
        filterTwistdLog(twistdOptions(logger="chatd.nowhere"), "info")
    assert logLevel(" WARN ") == "warn"
    with pytest.raises(ValueError):
        logLevel("verbose")


def test_rootGivesTheObserver() -> None:
    """
    The service tree's root gives twistd's application the observer, which
    twistd asks the application for when no C{--logger} is left.
    """
    made: list[ILogObserver] = []

    def observer() -> ILogObserver:
        made.append(jsonLogger(io.StringIO()))
        return made[-1]

    application = Application("chatd")
    LogRoot(observer).setServiceParent(application)
    assert application.getComponent(ILogObserver) is made[0]
    bare = Application("chatd")
    LogRoot().setServiceParent(bare)
    assert bare.getComponent(ILogObserver) is None
