# -*- test-case-name: tests.unit.core.test_moderation,tests.unit.core.test_operatorreserve,tests.unit.cluster.test_cluster_opermodes -*-  # noqa: E501
"""
The console's operator grants, the moderation rules' part of who holds
chatd operator rights (L{chatd.core.operators.OperatorKeys}): C{op} gives
them to a name, C{deop} takes them (and withholds a configured name until
the next reload), and an account deleted loses what C{op} gave it, no
more.  Each change is reported to the other cluster nodes, which apply it
the same way (L{OperatorGrants.replicateOperators}).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from chatd.core.names import key
from chatd.core.operators import OperatorKeys
from chatd.modstore import OPERATOR, Sanction

#: Not a sanction: reported (as lifted) after a C{deop}, so that every
#: node withholds a configured name, not only ends a grant.
WITHHELD = "deop"


class OperatorGrants:
    """
    L{chatd.core.moderation.Moderation}'s operator half.

    @ivar operators: who holds the rights, shared with the service's people.
    """

    operators: OperatorKeys
    onChange: Callable[[str, str, Sanction | None], None] | None
    _add: Callable[[str, str, str, str, float | None], Sanction]
    _drop: Callable[..., None]
    sanctions: Callable[..., list[Sanction]]
    #: Around a change another node reported, with who made it: the rooms
    #: here show it (the service's L{chatd.core.rightschange.relayedRights}).
    changingRights: Callable[[str], AbstractContextManager[None]]

    def op(self, nick: str, by: str) -> bool:
        """
        Make C{nick} an operator; C{False} if it already was one.
        """
        if key(nick) in self.operators:
            return False
        self.operators.grant(key(nick))
        self._add(OPERATOR, nick, "", by, None)
        return True

    def deop(self, nick: str) -> bool:
        """
        Take operator rights from C{nick}, given here or configured (until
        the next reload; other nodes are told either way); C{False} if it
        had none.
        """
        if key(nick) not in self.operators:
            return False
        self.operators.withhold(key(nick))
        self._drop(OPERATOR, key(nick), always=True)
        if self.onChange is not None:
            self.onChange(WITHHELD, key(nick), None)
        return True

    def ungrant(self, nick: str) -> None:
        """
        End what the console's C{op} gave C{nick} (its account is deleted),
        here and on every node; a configured name keeps its rights, for
        the account an administrator creates for it again.
        """
        self.operators.ungrant(key(nick))
        self._drop(OPERATOR, key(nick), always=True)

    def granted(self) -> list[str]:
        """The keys the console made operators (the configured list is not here)."""
        return [each.target for each in self.sanctions(OPERATOR)]

    def replicateOperators(self, kind: str, target: str, sanction: Sanction | None) -> None:
        """
        Another node's change to the operators: its C{op} (a C{sanction}),
        a grant ended, or its C{deop}'s L{WITHHELD}; the rooms here show
        whose rights it changed, to the members this node serves.
        """
        if kind not in (OPERATOR, WITHHELD):
            return
        with self.changingRights(sanction.by if sanction is not None else ""):
            if kind == OPERATOR and sanction is not None:
                self.operators.grant(target)
            elif kind == OPERATOR:
                self.operators.ungrant(target)
            else:
                self.operators.withhold(target)
