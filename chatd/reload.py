# -*- test-case-name: tests.unit.test_reload -*-
"""
SIGHUP: read the configuration again (the same command line, so the
C{--config} file and the files it names) and apply what can change without
dropping anyone.  What cannot (ports, the database) is logged as needing a
restart; a configuration that does not parse leaves everything as it was.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable
from typing import Any

from twisted.application.service import Service
from twisted.logger import Logger
from twisted.python.usage import UsageError

from chatd.options import Options

log = Logger()

Apply = Callable[[Options], None]


class Reloader(Service):
    """
    The options the daemon runs with, and what applies each one that may
    change while it runs.

    @ivar options: the options in force.
    @ivar appliers: what applies a change, for each group of option names.
    @ivar reloaders: what reads its files again on every reload (TLS
        certificates, the message of the day), whether or not an option
        changed; one that returns C{True} says it changed (the log's
        summary names it).
    """

    def __init__(self, options: Options, reactor: Any) -> None:
        self.options = options
        self.reactor = reactor
        self.appliers: list[tuple[frozenset[str], Apply]] = []
        self.reloaders: list[tuple[str, Callable[[], object], frozenset[str]]] = []
        self._previous: Any = None

    def onChange(self, names: Iterable[str], apply: Apply) -> None:
        """
        Call C{apply} with the new options when one of C{names} changed.
        """
        self.appliers.append((frozenset(names), apply))

    def onReload(self, label: str, reread: Callable[[], object], names: Iterable[str] = ()) -> None:
        """
        Call C{reread} on every reload; C{label} names it in the log, and in
        the summary when it returns C{True} (what it read changed).  If it
        fails, the options C{names} (the file's) keep what runs.
        """
        self.reloaders.append((label, reread, frozenset(names)))

    def live(self) -> frozenset[str]:
        """
        The option names a reload applies.
        """
        return frozenset().union(*(names for names, _ in self.appliers))

    def reload(self) -> list[str]:
        """
        Read the options again and apply them; the names of the options that
        changed but need a restart.
        """
        fresh = Options()
        try:
            fresh.parseOptions(self.options.arguments)
        except (UsageError, ValueError, OSError) as error:
            log.error("reload failed, the running settings stay: {error}", error=error)
            return []
        changed = {name for name in fresh.keys() if fresh[name] != self.options[name]}
        live = self.live()
        restart = sorted(changed - live)
        for name in restart:
            fresh[name] = self.options[name]  # still what runs
        for names, apply in self.appliers:
            if names & changed:
                self.apply(apply, fresh)
        previous, self.options = self.options, fresh
        reread: list[str] = []
        for label, read, names in self.reloaders:
            try:
                if read() is True:
                    reread.append(label)
            except Exception as error:
                log.error("reload: {label} kept: {error}", label=label, error=error)
                for name in names & changed:  # not changed after all
                    fresh[name] = previous[name]
                changed -= names
        log.info(
            "reloaded the configuration; changed: {changed}",
            changed=", ".join([*sorted(changed & live), *reread]) or "nothing",
        )
        if restart:
            log.warn("changed but needs a restart: {names}", names=", ".join(restart))
        return restart

    def apply(self, apply: Apply, fresh: Options) -> None:
        try:
            apply(fresh)
        except Exception:
            log.failure("reload: could not apply a change")

    def startService(self) -> None:
        super().startService()
        self._previous = signal.signal(signal.SIGHUP, self.hangUp)
        # twistd rotates a --logfile on SIGUSR1; logging to standard output
        # it leaves the signal's default, which kills the daemon (a
        # logrotate habit would stop the chat without a word).
        if signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL:
            signal.signal(signal.SIGUSR1, self.noRotation)

    def noRotation(self, signum: int, frame: Any) -> None:
        self.reactor.callFromThread(
            log.info,
            "SIGUSR1: the log goes to standard output, which has nothing to rotate"
            " (give --logfile to twistd to have a file it rotates)",
        )

    def hangUp(self, signum: int, frame: Any) -> None:
        # Signal handlers may interrupt the reactor anywhere: reload from
        # the reactor's loop instead.
        self.reactor.callFromThread(self.reload)

    def stopService(self) -> None:
        super().stopService()
        if self._previous is not None:
            signal.signal(signal.SIGHUP, self._previous)
            self._previous = None
        if signal.getsignal(signal.SIGUSR1) == self.noRotation:
            signal.signal(signal.SIGUSR1, signal.SIG_DFL)
