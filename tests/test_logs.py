"""
Tests for L{chatd.logs}: C{twistd --logger chatd.logs.jsonLogger} writes
one JSON object per line that Twisted reads back.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from twisted.logger import Logger, LogLevel, eventFromJSON

from chatd.logs import jsonLine, jsonLogger
from tests.daemon import startDaemon


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
