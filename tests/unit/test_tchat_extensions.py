"""
Tests for L{chatd.tchatextra}: TCHAT's extension commands C{LSGRP},
C{TOPIC} and C{KICK}, answered in the seed's shapes with the service's
rules (those of talk's C{/rooms}, C{/topic} and C{/kick}).
"""

from __future__ import annotations

from tests.support.protocolcases import TchatTestCase


class ListGroupsTests(TchatTestCase):
    def test_groupsWithCountAndTopic(self) -> None:
        """
        C{LSGRP} lists each group one may see, its member count and its
        topic if it has one, as a body ended by C{srv: .}, then C{OKAY!};
        a secret group only to its members.
        """
        alice, ta = self.connect("alice")
        bob, tb = self.connect("bob")
        self.send(alice, ta, "clt: CREAT den", "clt: ENTER den")
        self.send(alice, ta, "clt: CREAT hush", "clt: ENTER hush")
        self.send(bob, tb, "clt: ENTER den")
        self.service.setTopic(alice, "den", "plans for today")
        self.service.changeRoomMode(alice, "hush", True, "s")
        self.read(ta)
        self.read(tb)
        self.assertEqual(
            self.send(alice, ta, "clt: LSGRP"),
            b"srv: LSGRP 2\nsrv: den 2 plans for today\nsrv: hush 1\nsrv: .\nsrv: OKAY!\n",
        )
        self.assertEqual(
            self.send(bob, tb, "clt: LSGRP"),
            b"srv: LSGRP 1\nsrv: den 2 plans for today\nsrv: .\nsrv: OKAY!\n",
        )

    def test_fieldsAndLogin(self) -> None:
        """
        C{LSGRP} takes no field (C{ERROR 10} for one, or a trailing space)
        and needs a LOGIN first.
        """
        stranger, ts = self.connect()
        self.assertEqual(self.send(stranger, ts, "clt: LSGRP"), b"srv: ERROR 01\n")
        alice, ta = self.connect("alice")
        self.assertEqual(
            self.send(alice, ta, "clt: LSGRP x", "clt: LSGRP "), b"srv: ERROR 10\n" * 2
        )
        self.assertEqual(self.send(alice, ta, "clt: LSGRP"), b"srv: LSGRP 0\nsrv: .\nsrv: OKAY!\n")


class DenTestCase(TchatTestCase):
    """alice made the group den and runs it; bob is in it too."""

    def setUp(self) -> None:
        super().setUp()
        self.alice, self.ta = self.connect("alice")
        self.bob, self.tb = self.connect("bob")
        self.send(self.alice, self.ta, "clt: CREAT den", "clt: ENTER den")
        self.send(self.bob, self.tb, "clt: ENTER den")
        self.read(self.ta)


class TopicTests(DenTestCase):
    def test_setAndClear(self) -> None:
        """
        C{TOPIC <group>} with a one-line body sets the topic (the members
        are told in a notice), and an empty body clears it.
        """
        said = self.send(self.alice, self.ta, "clt: TOPIC den", "clt: tea at five", "clt: .")
        self.assertTrue(said.endswith(b"srv: OKAY!\n"), said)
        self.assertEqual(self.service.topic("den"), "tea at five")
        self.assertIn(b"srv: alice set the topic of den: tea at five\n", self.read(self.tb))
        said = self.send(self.alice, self.ta, "clt: TOPIC den", "clt: .")
        self.assertTrue(said.endswith(b"srv: OKAY!\n"), said)
        self.assertEqual(self.service.topic("den"), "")
        self.assertIn(b"srv: alice cleared the topic of den\n", self.read(self.tb))

    def test_refusals(self) -> None:
        """
        Two body lines are C{ERROR 10}; in a C{+t} group, a member who is
        not its operator gets C{ERROR 12}; outside it, C{ERROR 34}; a
        group nobody made, C{ERROR 31}; a muted member, C{ERROR 25}.
        """
        self.assertEqual(
            self.send(self.alice, self.ta, "clt: TOPIC den", "clt: a", "clt: b", "clt: ."),
            b"srv: ERROR 10\n",
        )
        self.service.changeRoomMode(self.alice, "den", True, "t")
        self.read(self.tb)
        self.assertEqual(
            self.send(self.bob, self.tb, "clt: TOPIC den", "clt: mine", "clt: ."),
            b"srv: ERROR 12\n",
        )
        self.send(self.alice, self.ta, "clt: CREAT solo")
        self.assertEqual(
            self.send(self.bob, self.tb, "clt: TOPIC solo", "clt: x", "clt: ."), b"srv: ERROR 34\n"
        )
        self.assertEqual(
            self.send(self.bob, self.tb, "clt: TOPIC nowhere", "clt: x", "clt: ."),
            b"srv: ERROR 31\n",
        )
        self.service.moderation.mute("alice", None, "shouting", "console")
        self.assertEqual(
            self.send(self.alice, self.ta, "clt: TOPIC den", "clt: x", "clt: ."), b"srv: ERROR 25\n"
        )


class KickTests(DenTestCase):
    def test_operatorKicks(self) -> None:
        """
        The group's operator's C{KICK <group> <pseudo> <reason>} takes the
        member out: it is told who and why, then C{LEAVE}; the others see
        C{LEAVE}.
        """
        said = self.send(self.alice, self.ta, "clt: KICK den bob too loud")
        self.assertTrue(said.endswith(b"srv: OKAY!\n"), said)
        self.assertIn(b"srv: LEAVE den bob 1700000000\n", said)
        told = self.read(self.tb)
        self.assertIn(b"srv: you were removed from den by alice: too loud\n", told)
        self.assertIn(b"srv: LEAVE den bob 1700000000\n", told)
        self.assertEqual(self.service.members(self.alice, "den"), ["alice"])

    def test_refusals(self) -> None:
        """
        A member who is not the group's operator gets C{ERROR 12}; someone
        not in the group (who does not run it from outside) C{ERROR 34}; a
        group nobody made C{ERROR 31}; a pseudo not in the group C{ERROR
        21}; a missing field C{ERROR 10}.
        """
        self.assertEqual(self.send(self.bob, self.tb, "clt: KICK den alice"), b"srv: ERROR 12\n")
        carol, tc = self.connect("carol")
        self.assertEqual(self.send(carol, tc, "clt: KICK den bob"), b"srv: ERROR 34\n")
        self.assertEqual(self.send(carol, tc, "clt: KICK nowhere bob"), b"srv: ERROR 31\n")
        self.assertEqual(self.send(self.alice, self.ta, "clt: KICK den zed"), b"srv: ERROR 21\n")
        self.assertEqual(self.send(self.alice, self.ta, "clt: KICK den"), b"srv: ERROR 10\n")
        self.assertEqual(self.service.members(self.alice, "den"), ["alice", "bob"])
