# -*- test-case-name: tests.test_logs -*-
"""
Log observers for C{twistd --logger}: C{twistd -n --logger
chatd.logs.jsonLogger chatd} writes one JSON object per line on standard
output, for journald or a log shipper.  Each object is Twisted's own
serialization of the event (L{twisted.logger.eventAsJSON}, which
L{twisted.logger.eventFromJSON} reads back) plus three plain fields:
C{time} (ISO 8601, UTC), C{level} and C{text} (the formatted message, with
the traceback of a failure).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import IO, Any

from twisted.logger import (
    FileLogObserver,
    ILogObserver,
    LogEvent,
    eventAsJSON,
    eventAsText,
)


def jsonLine(event: LogEvent) -> str:
    """
    C{event} as one line of JSON.
    """
    fields: dict[str, Any] = dict(event)
    when = event.get("log_time")
    if when is not None:
        fields["time"] = datetime.fromtimestamp(when, UTC).isoformat()
    level = event.get("log_level")
    fields["level"] = getattr(level, "name", None)
    fields["text"] = eventAsText(event, includeTimestamp=False, includeSystem=False)
    # eventAsJSON escapes newlines inside strings: the line stays one line.
    return eventAsJSON(fields) + "\n"


def jsonLogger(stream: IO[str] | None = None) -> ILogObserver:
    """
    The observer twistd's C{--logger chatd.logs.jsonLogger} installs: one
    JSON object per line on C{stream} (standard output by default).
    """
    return FileLogObserver(sys.stdout if stream is None else stream, jsonLine)
