"""
Talk mode shows a change of chatd operator rights made by a reload of the
operator names (L{chatd.core.rightschange}): the person's notice, and the
room's mode change to its members.
"""

from __future__ import annotations

from chatd.core.operators import configureOperators
from tests.support.talkstorecase import TalkStoreTestCase


class OperatorsReloadTalkTests(TalkStoreTestCase):
    def test_reloadShownToTheRoom(self) -> None:
        """
        A reload that lists C{msjones} tells her, and the pupil in her room
        reads that she is its operator now; taken out, that she is not.
        """
        self.registered("msjones", "chalk99")
        pupil, tp = self.talk("pupil")
        self.type(pupil, tp, "/join class")
        teacher, tt = self.talk("msjones", "chalk99")
        self.type(teacher, tt, "/join class")
        self.type(pupil, tp)
        configureOperators(self.service, ["moder", "msjones"])
        told = self.type(teacher, tt).decode("utf-8")
        self.assertIn("Server notice: the server's configuration made you an operator", told)
        self.assertIn(
            "the server's configuration set mode +o msjones on class",
            self.type(pupil, tp).decode("utf-8"),
        )
        configureOperators(self.service, ["moder"])
        self.assertIn(
            "the server's configuration took your operator rights away",
            self.type(teacher, tt).decode("utf-8"),
        )
        self.assertIn(
            "the server's configuration set mode -o msjones on class",
            self.type(pupil, tp).decode("utf-8"),
        )
