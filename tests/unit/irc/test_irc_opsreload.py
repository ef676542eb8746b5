"""
Tests for L{chatd.core.rightschange} over IRC: a reload (SIGHUP) that
gives or takes a configured operator's rights, and the console's C{op} and
C{deop}, tell the person and show the change in every channel where their
status changes (C{MODE #room +o/-o}), and nobody whose rights stay.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet.testing import StringTransport

from chatd.admin.commands import Consoles
from chatd.irc.message import Message
from chatd.irc.protocol import IRCProtocol
from chatd.live import liveChat
from chatd.options import Options
from chatd.reload import Reloader
from tests.support.ircstorecase import IRCStoreTestCase

#: A line as the tests compare it: prefix, command, parameters.
Shown = tuple[str, str, list[str]]


def shown(messages: list[Message]) -> list[Shown]:
    return [(m.prefix or "", m.command, m.params) for m in messages]


def mode(change: str, nick: str = "msjones") -> Shown:
    """The services' C{MODE #class <change> <nick>}, as L{shown} shows it."""
    return ("services.chatd", "MODE", ["#class", change, nick])


class OperatorsReloadTests(IRCStoreTestCase):
    """
    The teacher C{msjones} (a registered account, signed in with its
    password) and a pupil in C{#class}, which the pupil created, and a
    reload of the operator names as SIGHUP applies it.
    """

    def setUp(self) -> None:
        super().setUp()
        directory = Path(self.mktemp())
        directory.mkdir()
        self.config = directory / "chatd.toml"
        self.config.write_text('operators = ["moder"]\n')
        options = Options()
        options.parseOptions(["--config", str(self.config), "--data-dir", str(directory / "d")])
        self.reloader = Reloader(options, self.clock)
        liveChat(self.reloader, self.service, self.service.admission)
        self.registered("msjones", "chalk99")
        self.pupil, self.tp = self.clientAs("pupil")
        self.send(self.pupil, self.tp, "JOIN #class")
        self.teacher, self.tt = self.clientAs("msjones", "PASS chalk99")
        self.send(self.teacher, self.tt, "PART #Général", "JOIN #class", "JOIN #own")
        self.send(self.pupil, self.tp, "JOIN #own")
        self.send(self.pupil, self.tp)
        self.send(self.teacher, self.tt)

    def reload(self, *operators: str) -> None:
        self.config.write_text(f"operators = {list(operators)!r}\n".replace("'", '"'))
        self.reloader.reload()

    def heard(self, proto: IRCProtocol, transport: StringTransport) -> list[Shown]:
        return shown(self.send(proto, transport))

    def names(self) -> list[str]:
        [reply] = [m for m in self.send(self.pupil, self.tp, "NAMES #class") if m.command == "353"]
        return reply.params[-1].split()

    def test_reloadAddingAnOperator(self) -> None:
        """
        A reload that lists C{msjones} tells her, and every member of
        C{#class} sees C{MODE #class +o msjones} from the server's services;
        in C{#own}, which she runs already, nothing shows.  A reload that
        changes only other names tells nobody.
        """
        self.reload("moder", "msjones")
        self.assertTrue(self.service.isOperator(self.teacher))
        self.assertEqual(
            self.heard(self.teacher, self.tt),
            [
                ("chatd", "NOTICE", ["msjones", "the server's configuration made you an operator"]),
                mode("+o"),
            ],
        )
        self.assertEqual(self.heard(self.pupil, self.tp), [mode("+o")])
        self.assertIn("@msjones", self.names())
        self.reload("msjones", "ghost")  # her rights stay: nobody is told
        self.assertEqual(self.heard(self.teacher, self.tt), [])
        self.assertEqual(self.heard(self.pupil, self.tp), [])

    def test_reloadRemovingAnOperator(self) -> None:
        """
        A reload that takes C{msjones} out of the list tells her, and the
        members see C{MODE #class -o msjones}: her C{KICK} gets C{482}, as
        their clients now show.
        """
        self.reload("moder", "msjones")
        self.send(self.pupil, self.tp)
        self.send(self.teacher, self.tt)
        self.reload("moder")
        self.assertFalse(self.service.isOperator(self.teacher))
        self.assertEqual(
            self.heard(self.teacher, self.tt),
            [
                (
                    "chatd",
                    "NOTICE",
                    ["msjones", "the server's configuration took your operator rights away"],
                ),
                mode("-o"),
            ],
        )
        self.assertEqual(self.heard(self.pupil, self.tp), [mode("-o")])
        self.assertIn("msjones", self.names())
        kicked = self.send(self.teacher, self.tt, "KICK #class pupil :out")
        self.assertEqual([m.command for m in kicked], ["482"])

    def test_consoleGrantOutlastsTheList(self) -> None:
        """
        A name the console made an operator keeps its rights when a reload
        lists it and then takes it out: she is told nothing and her status
        shows no change, while a name only the list gave loses its rights
        and the members see that one C{-o}.
        """
        self.registered("mrbrown", "board42")
        brown, tb = self.clientAs("mrbrown", "PASS board42")
        self.send(brown, tb, "PART #Général", "JOIN #class")
        self.successResultOf(Consoles(self.service)("root").execute("op msjones"))
        self.reload("moder", "msjones", "mrbrown")
        self.send(self.pupil, self.tp)
        self.send(self.teacher, self.tt)
        self.reload("moder")
        self.assertTrue(self.service.isOperator(self.teacher))
        self.assertFalse(self.service.isOperator(brown))
        brownDeopped = [mode("-o", "mrbrown")]
        self.assertEqual(self.heard(self.teacher, self.tt), brownDeopped)
        self.assertEqual(self.heard(self.pupil, self.tp), brownDeopped)
        self.assertIn("@msjones", self.names())

    def test_consoleOpAndDeopShowInTheChannels(self) -> None:
        """
        The console's C{op} and C{deop} show the change as a reload does:
        her notice, then C{MODE #class +o}/C{-o} from the services to every
        member.
        """
        console = Consoles(self.service)("root")
        self.successResultOf(console.execute("op msjones"))
        self.assertEqual(
            self.heard(self.teacher, self.tt),
            [
                ("chatd", "NOTICE", ["msjones", "the administrator root made you an operator"]),
                mode("+o"),
            ],
        )
        self.assertEqual(self.heard(self.pupil, self.tp), [mode("+o")])
        self.successResultOf(console.execute("deop msjones"))
        self.assertEqual(self.heard(self.pupil, self.tp), [mode("-o")])
        [notice, modeLine] = self.heard(self.teacher, self.tt)
        self.assertEqual(notice[2][-1], "the administrator root took your operator rights away")
        self.assertEqual(modeLine, mode("-o"))
