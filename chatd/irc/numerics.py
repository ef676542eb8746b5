# -*- test-case-name: tests.unit.irc.test_irc_message -*-
"""
IRC numerics: Twisted's names for them, plus the modern ones it lacks, and
the translation of the service's L{ChatError} codes into numerics.

Each refusal the service can give maps to the numeric an IRC client expects,
so a client shows "No such channel" or "Nickname is already in use" in its
usual place rather than a generic failure.
"""

from __future__ import annotations

from twisted.words.protocols import irc as _twirc

from chatd.core.errors import ChatError

_N = _twirc.symbolic_to_numeric

RPL_WELCOME = _N["RPL_WELCOME"]
RPL_YOURHOST = _N["RPL_YOURHOST"]
RPL_CREATED = _N["RPL_CREATED"]
RPL_MYINFO = _N["RPL_MYINFO"]
RPL_ISUPPORT = _N["RPL_ISUPPORT"]
RPL_UMODEIS = _N["RPL_UMODEIS"]
RPL_LUSERCLIENT = _N["RPL_LUSERCLIENT"]
RPL_LUSEROP = _N["RPL_LUSEROP"]
RPL_LUSERUNKNOWN = _N["RPL_LUSERUNKNOWN"]
RPL_LUSERCHANNELS = _N["RPL_LUSERCHANNELS"]
RPL_LUSERME = _N["RPL_LUSERME"]
RPL_AWAY = _N["RPL_AWAY"]
RPL_USERHOST = _N["RPL_USERHOST"]
RPL_ISON = _N["RPL_ISON"]
RPL_UNAWAY = _N["RPL_UNAWAY"]
RPL_NOWAWAY = _N["RPL_NOWAWAY"]
RPL_WHOISUSER = _N["RPL_WHOISUSER"]
RPL_WHOISSERVER = _N["RPL_WHOISSERVER"]
RPL_WHOISOPERATOR = _N["RPL_WHOISOPERATOR"]
RPL_ENDOFWHO = _N["RPL_ENDOFWHO"]
RPL_WHOISIDLE = _N["RPL_WHOISIDLE"]
RPL_ENDOFWHOIS = _N["RPL_ENDOFWHOIS"]
RPL_WHOISCHANNELS = _N["RPL_WHOISCHANNELS"]
RPL_LISTSTART = _N["RPL_LISTSTART"]
RPL_LIST = _N["RPL_LIST"]
RPL_LISTEND = _N["RPL_LISTEND"]
RPL_CHANNELMODEIS = _N["RPL_CHANNELMODEIS"]
RPL_NOTOPIC = _N["RPL_NOTOPIC"]
RPL_TOPIC = _N["RPL_TOPIC"]
RPL_INVITING = _N["RPL_INVITING"]
RPL_WHOREPLY = _N["RPL_WHOREPLY"]
RPL_NAMREPLY = _N["RPL_NAMREPLY"]
RPL_ENDOFNAMES = _N["RPL_ENDOFNAMES"]
RPL_BANLIST = _N["RPL_BANLIST"]
RPL_ENDOFBANLIST = _N["RPL_ENDOFBANLIST"]
RPL_MOTDSTART = _N["RPL_MOTDSTART"]
RPL_VERSION = _N["RPL_VERSION"]
RPL_TIME = _N["RPL_TIME"]
RPL_ENDOFWHOWAS = _N["RPL_ENDOFWHOWAS"]
RPL_MOTD = _N["RPL_MOTD"]
RPL_ENDOFMOTD = _N["RPL_ENDOFMOTD"]
RPL_LOCALUSERS = "265"
RPL_GLOBALUSERS = "266"
RPL_WHOISACCOUNT = "330"
RPL_CREATIONTIME = "329"
RPL_TOPICWHOTIME = "333"
RPL_LOGGEDIN = "900"
RPL_LOGGEDOUT = "901"
RPL_SASLSUCCESS = "903"
RPL_SASLMECHS = "908"

ERR_UNKNOWNERROR = "400"
ERR_NOSUCHNICK = _N["ERR_NOSUCHNICK"]
ERR_NOSUCHSERVER = _N["ERR_NOSUCHSERVER"]
ERR_WASNOSUCHNICK = _N["ERR_WASNOSUCHNICK"]
ERR_NOSUCHCHANNEL = _N["ERR_NOSUCHCHANNEL"]
ERR_CANNOTSENDTOCHAN = _N["ERR_CANNOTSENDTOCHAN"]
ERR_TOOMANYTARGETS = _N["ERR_TOOMANYTARGETS"]
ERR_NOORIGIN = _N["ERR_NOORIGIN"]
ERR_NORECIPIENT = _N["ERR_NORECIPIENT"]
ERR_NOTEXTTOSEND = _N["ERR_NOTEXTTOSEND"]
ERR_INPUTTOOLONG = "417"
ERR_UNKNOWNCOMMAND = _N["ERR_UNKNOWNCOMMAND"]
ERR_NOMOTD = _N["ERR_NOMOTD"]
ERR_NONICKNAMEGIVEN = _N["ERR_NONICKNAMEGIVEN"]
ERR_ERRONEUSNICKNAME = _N["ERR_ERRONEUSNICKNAME"]
ERR_NICKNAMEINUSE = _N["ERR_NICKNAMEINUSE"]
ERR_USERNOTINCHANNEL = _N["ERR_USERNOTINCHANNEL"]
ERR_NOTONCHANNEL = _N["ERR_NOTONCHANNEL"]
ERR_USERONCHANNEL = _N["ERR_USERONCHANNEL"]
ERR_NOTREGISTERED = _N["ERR_NOTREGISTERED"]
ERR_NEEDMOREPARAMS = _N["ERR_NEEDMOREPARAMS"]
ERR_ALREADYREGISTRED = _N["ERR_ALREADYREGISTRED"]
ERR_PASSWDMISMATCH = _N["ERR_PASSWDMISMATCH"]
ERR_YOUREBANNEDCREEP = _N["ERR_YOUREBANNEDCREEP"]
ERR_CHANNELISFULL = _N["ERR_CHANNELISFULL"]
ERR_UNKNOWNMODE = _N["ERR_UNKNOWNMODE"]
ERR_INVITEONLYCHAN = _N["ERR_INVITEONLYCHAN"]
ERR_BANNEDFROMCHAN = _N["ERR_BANNEDFROMCHAN"]
ERR_BADCHANNELKEY = _N["ERR_BADCHANNELKEY"]
ERR_TOOMANYCHANNELS = _N["ERR_TOOMANYCHANNELS"]
ERR_NOPRIVILEGES = _N["ERR_NOPRIVILEGES"]
ERR_CHANOPRIVSNEEDED = _N["ERR_CHANOPRIVSNEEDED"]
ERR_UMODEUNKNOWNFLAG = _N["ERR_UMODEUNKNOWNFLAG"]
ERR_USERSDONTMATCH = _N["ERR_USERSDONTMATCH"]
ERR_INVALIDCAPCMD = "410"
#: A nickname that cannot be given now (the cluster is briefly unreachable).
ERR_UNAVAILRESOURCE = "437"
#: No NICK while banned from a channel one is in (Solanum, InspIRCd).
ERR_BANNICKCHANGE = "435"
#: No NICK now (UnrealIRCd's and InspIRCd's answer while a channel forbids it).
ERR_NONICKCHANGE = "447"
#: No NICK yet: the nickname was changed too often lately (ircu, Solanum, InspIRCd).
ERR_NICKTOOFAST = "438"
RPL_TRYAGAIN = _N["RPL_TRYAGAIN"]
ERR_SASLFAIL = "904"
ERR_SASLTOOLONG = "905"
ERR_SASLABORTED = "906"
ERR_SASLALREADY = "907"

# The service's TCHAT code -> (numeric, whether it names its subject).  The
# subject is the channel, nickname or command the refused request was about.
_BY_CODE: dict[int, tuple[str, bool]] = {
    0: (ERR_UNKNOWNERROR, True),
    1: (ERR_NOTREGISTERED, False),
    3: (RPL_TRYAGAIN, True),
    10: (ERR_NEEDMOREPARAMS, True),
    11: (ERR_UNKNOWNCOMMAND, True),
    12: (ERR_CHANOPRIVSNEEDED, True),
    20: (ERR_ERRONEUSNICKNAME, True),
    21: (ERR_NOSUCHNICK, True),
    22: (ERR_PASSWDMISMATCH, False),
    23: (ERR_NICKNAMEINUSE, True),
    24: (ERR_YOUREBANNEDCREEP, False),
    # A kicked nickname is barred for a while, as a temporary K-line is:
    # 465 (not 432/437, which clients answer by trying another nickname,
    # showing their own words), whose text clients show as it is.
    26: (ERR_YOUREBANNEDCREEP, False),
    25: (ERR_CANNOTSENDTOCHAN, True),
    28: (ERR_CANNOTSENDTOCHAN, True),  # the nickname's inbox is full
    29: (RPL_TRYAGAIN, True),
    30: (ERR_NOSUCHCHANNEL, True),
    31: (ERR_NOSUCHCHANNEL, True),
    32: (ERR_TOOMANYCHANNELS, True),
    34: (ERR_NOTONCHANNEL, True),
    35: (ERR_USERONCHANNEL, True),
    36: (ERR_CHANNELISFULL, True),
    37: (ERR_INVITEONLYCHAN, True),
    38: (ERR_BADCHANNELKEY, True),
    39: (ERR_BANNEDFROMCHAN, True),
}


def errorNumeric(error: ChatError, subject: str) -> tuple[str, list[str]]:
    """
    The numeric and its parameters (after the client's nickname) that tell an
    IRC client about C{error}.

    @param subject: what the request was about: a channel for channel
        errors, a nickname for nickname errors, the command otherwise.
    @return: C{(numeric, params)}, the last parameter being C{error}'s text;
        an unknown code becomes C{400 ERR_UNKNOWNERROR}, so nothing a newer
        service raises goes unanswered.
    """
    numeric, named = _BY_CODE.get(error.code, (ERR_UNKNOWNERROR, True))
    params = [subject] if named else []
    params.append(error.text)
    return numeric, params
