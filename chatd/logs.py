# -*- test-case-name: tests.integration.test_logs -*-
"""
Log observers for C{twistd --logger}: C{twistd -n --logger
chatd.logs.jsonLogger chatd} writes one JSON object per line on standard
output, for journald or a log shipper.  Each object is Twisted's own
serialization of the event (L{twisted.logger.eventAsJSON}, which
L{twisted.logger.eventFromJSON} reads back) plus three plain fields:
C{time} (ISO 8601, UTC), C{level} and C{text} (the formatted message, with
the traceback of a failure).

C{--log-level} drops the events below a level from whatever observer
twistd writes to (its text log on standard output or in C{--logfile},
C{--syslog}, or the C{--logger} given), and a reload changes it: see
L{filterTwistdLog}.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from twisted.application.service import MultiService
from twisted.logger import (
    FileLogObserver,
    FilteringLogObserver,
    ILogObserver,
    LegacyLogObserverWrapper,
    LogEvent,
    LogLevel,
    LogLevelFilterPredicate,
    eventAsJSON,
    eventAsText,
    textFileLogObserver,
)
from twisted.python.components import Componentized
from twisted.python.logfile import LogFile
from twisted.python.reflect import namedAny
from twisted.python.usage import UsageError

from chatd.config import FileOptions

#: The mode of a log file chatd opens, and so of the files its rotation
#: keeps: the log names users and addresses, so only the daemon's user
#: (and group, for tools such as logcheck) may read it, whatever the umask.
LOG_FILE_MODE = 0o640

#: What C{--log-level} takes.
LEVELS = ("debug", "info", "warn", "error")


def logLevel(value: str) -> str:
    """
    Check a C{--log-level} value.
    """
    level = value.strip().lower()
    if level not in LEVELS:
        raise ValueError(f"is one of {', '.join(LEVELS)}")
    return level


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


def setLevel(predicate: LogLevelFilterPredicate, level: str) -> None:
    """
    Let C{predicate} pass the events of C{level} and above.
    """
    predicate.setLogLevelForNamespace("", LogLevel.levelWithName(level))


def defaultObserver(twistd: MutableMapping[str, Any]) -> Any:
    """
    The observer twistd makes when no C{--logger} is given (its
    C{UnixAppLogger}): syslog, or a text log on standard output with
    C{-n} and no C{--logfile} (or C{--logfile -}), or a text log in the file
    (C{twistd.log} by default) that SIGUSR1 rotates, made or kept
    L{LOG_FILE_MODE} with the rotated files beside it.
    """
    if twistd.get("syslog"):
        from twisted.python.syslog import SyslogObserver

        return SyslogObserver(twistd.get("prefix") or "").emit  # a legacy observer
    name = twistd.get("logfile") or ""
    if name == "-" or (not name and twistd.get("nodaemon")):
        return textFileLogObserver(sys.stdout)
    logFile = LogFile.fromFullPath(name or "twistd.log", defaultMode=LOG_FILE_MODE)
    for kept in logFile.listLogs():  # rotated before chatd opened its files so
        try:
            os.chmod(f"{logFile.path}.{kept}", LOG_FILE_MODE)
        except OSError:  # another user's: theirs to mend
            pass
    if not signal.getsignal(signal.SIGUSR1):

        def rotate(signum: int, frame: Any) -> None:
            from twisted.internet import reactor

            reactor.callFromThread(logFile.rotate)  # type: ignore[attr-defined]

        signal.signal(signal.SIGUSR1, rotate)
    return textFileLogObserver(logFile)


@dataclass
class LogSetup:
    """
    What C{--log-level} made: the predicate that a reload changes, and what
    makes the observer twistd logs to, with the predicate in front of it
    (C{None} outside twistd).
    """

    predicate: LogLevelFilterPredicate
    observer: Callable[[], ILogObserver] | None = None


def filterTwistdLog(twistd: MutableMapping[str, Any] | None, level: str) -> LogSetup:
    """
    The predicate that lets C{level} and above through, and what makes the
    observer twistd will log to with the predicate in front of it: C{twistd}
    are twistd's own options, read before twistd resolves its C{--logger}.
    The observer is the one C{--logger} names, else as twistd would make it
    (L{defaultObserver}); C{--logger} is taken from twistd, which then asks
    its application for the observer (L{LogRoot} gives it).  Outside twistd
    (C{twistd} is C{None}) there is no observer to make; nor for a daemon
    told to log to standard output while it detaches, which twistd refuses.
    """
    predicate = LogLevelFilterPredicate()
    setLevel(predicate, level)
    if twistd is None or "logger" not in twistd:
        return LogSetup(predicate)
    if twistd.get("logfile") == "-" and not twistd.get("nodaemon"):
        return LogSetup(predicate)
    name = twistd["logger"]
    try:
        chosen = None if name is None else namedAny(name)
    except Exception as error:  # as twistd words it
        raise UsageError(f"Logger '{name}' could not be imported: {error}") from error
    twistd["logger"] = None

    def factory() -> ILogObserver:
        observer = defaultObserver(twistd) if chosen is None else chosen()
        if not ILogObserver.providedBy(observer):
            observer = LegacyLogObserverWrapper(observer)
        return FilteringLogObserver(observer, [predicate])

    return LogSetup(predicate, factory)


class LogRoot(MultiService):
    """
    The root of the daemon's services.  Given to twistd's application, it
    gives the application the log observer to use, which twistd asks it for
    when no C{--logger} is left (see L{filterTwistdLog}).
    """

    def __init__(self, observer: Callable[[], ILogObserver] | None = None) -> None:
        super().__init__()
        self.observer = observer

    def setServiceParent(self, parent: Any) -> None:
        if self.observer is not None and isinstance(parent, Componentized):
            parent.setComponent(ILogObserver, self.observer())
        super().setServiceParent(parent)


class LoggingOptions(FileOptions):
    """
    The options with C{--log-level}, which sets up the log's filter once
    they are parsed (L{filterTwistdLog}), before twistd's own options are
    done: under twistd, C{parent} is twistd's options.

    @ivar logSetup: the filter, and what makes the observer behind it.
    """

    optParameters: list[Any] = [
        [
            "log-level",
            None,
            "info",
            "Events below this level are not logged: debug, info, warn or error.",
            logLevel,
        ],
    ]
    logSetup: LogSetup

    def parseOptions(self, options: Sequence[str] | None = None) -> None:
        super().parseOptions(options)
        self.logSetup = filterTwistdLog(self.parent, self["log-level"])
