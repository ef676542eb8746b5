# -*- test-case-name: tests.unit.admin.test_admin_whois,tests.unit.cluster.test_cluster_whois -*-
"""
What the console says of a person's presence, the same on every cluster
node: whether an always-on person has no connection open (another node's
say so in their profile).
"""

from __future__ import annotations

from chatd.core.absent import isAbsent
from chatd.core.interfaces import IParticipant
from chatd.core.roles import IAdministration


def absentAnywhere(service: IAdministration, member: IParticipant | None) -> bool:
    """
    Whether C{member} is an always-on person with no connection open, here
    or on another node.
    """
    observer = service.observer
    if member is not None and observer is not None and observer.absentElsewhere(member):
        return True
    return isAbsent(member)
