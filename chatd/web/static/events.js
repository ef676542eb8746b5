// chatd web client: the server's events (docs/WEB.md, "Events"), each put
// on the page: messages in their conversation, who joins, leaves and is
// renamed, a room's notices, read markers, deletions, the server's goodbye.
// Kept apart from the requests the page makes (rooms.js, session.js).
import { $, state, showError, complain } from "./state.js";
import { request } from "./net.js";
import { addMessage, addEvent } from "./log.js";
import { markedElsewhere, readNow } from "./reads.js";
import { alwaysOnElsewhere } from "./settings.js";
import { redacted, runs } from "./redact.js";
import { roomConvo, roomKey, personKey, spelledConvo, renderHeader, renderConvos, renderMembers } from "./convos.js";
import { followRename, adoptRenamed, showNotice } from "./view.js";
import { entered, notIn, forget, refreshRooms, refusedEntry, roomDeleted } from "./rooms.js";
import { setMe } from "./me.js";

export const events = {
  hello(m) {
    state.limits = m.limits;
    // Only accounts log in (--guests off): a password is no option.
    $("password-note").hidden = m.guests === false;
  },
  error(m) { complain(m); },
  message(m) { received(roomConvo(m.room), m, m.from === state.nick); },
  replayed(m) {  // the end of a room's replay: older messages to offer, or none
    const convo = state.convos.get(roomKey(m.room));
    if (convo && !convo.lastId) convo.lastId = "-";  // it had none: all it says is news
    if (!convo || m.earlier) return;
    convo.olderDone = true;
    renderHeader();
  },
  private(m) {
    // From us: said from another of our connections (a phone, an IRC client).
    // The server names the person: a conversation typed otherwise (/msg zoe) is theirs (Zoé).
    if (m.from === state.nick && m.to !== state.nick) return received(spelledConvo(m.to), m, true);
    const fresh = !state.convos.has(personKey(m.from));
    received(spelledConvo(m.from), m, false);
    if (fresh) adoptRenamed(m.from);
  },
  joined(m) {
    if (m.nick === state.nick) return entered(m.room, "you joined #" + m.room, false);
    const convo = roomConvo(m.room);
    if (!convo.members.includes(m.nick)) convo.members.push(m.nick);
    addEvent(convo, "event", m.nick + " joined", m.time);
    renderMembers();
    refreshRooms();
  },
  left(m) {
    const why = m.reason ? " (" + m.reason + ")" : "";
    if (m.nick === state.nick) {
      const own = state.convos.get(roomKey(m.room));
      if (!own || !own.joined) return;
      if (m.kind !== "kick") return forget(own);  // left from elsewhere
      if (m.deleted !== undefined) {  // the room is gone: said so, with the administrator's reason
        const because = m.deleted ? " (" + m.deleted + ")" : "";
        return roomDeleted(own, "#" + own.name + " was deleted by " + m.by + because, m.time);
      }
      return notIn(own, "you were kicked from #" + own.name + " by " + m.by + why, m.time, { urgent: true });
    }
    const convo = roomConvo(m.room);
    convo.members = convo.members.filter((n) => n !== m.nick);
    delete convo.status[m.nick];
    if (m.deleted !== undefined) return renderMembers();  // all go: our own line says why
    const what = m.kind === "kick" ? " was kicked by " + m.by : " left";
    addEvent(convo, "event", m.nick + what + why, m.time);
    renderMembers();
    refreshRooms();
  },
  renamed(m) {
    if (state.nick === m.old) setMe(m.new);
    for (const convo of state.convos.values()) {
      if (convo.kind !== "room" || !m.rooms.includes(convo.name)) continue;
      convo.members = convo.members.map((n) => (n === m.old ? m.new : n));
      if (convo.status[m.old]) {
        convo.status[m.new] = convo.status[m.old];
        delete convo.status[m.old];
      }
      addEvent(convo, "event", m.old + " is now " + m.new, m.time);
    }
    followRename(m.old, m.new, m.time);
    renderMembers();
  },
  notice(m) {  // about a room (its topic, its modes): in that room's log
    if (m.alwaysOn !== undefined) alwaysOnElsewhere(m.alwaysOn);
    // The rooms a login put us in: the login's reply listed them, each said in its own log.
    if (m.rooms) return;
    if (m.refused) return refusedEntry(m.room, m.text, m.time);  // an approval room's request
    const convo = m.room && state.convos.get(roomKey(m.room));
    if (!convo) return showNotice(m.text);
    addEvent(convo, "notice", m.text, m.time, "polite");
    if (m.modes && /[ov]/.test(m.modes)) refreshStatus(convo);
    if (m.topic !== undefined) {
      convo.topic = m.topic;
      renderHeader();
    }
  },
  markread(m) { markedElsewhere(m, renderConvos); },
  redacted(m) { redacted(m); },
  bye(m) {  // shown until the next login (a kick's stays: no automatic one follows)
    // Code 1: the login form was left unsent past the server's login timeout; the page
    // stays disconnected and says nothing (net.js lost), sending the form connects again
    // (session.js wireLogin).  A login again after a reconnect still waiting reconnects.
    if (m.code === 1) {
      if (!state.wanted) state.idle = true;
      return;
    }
    state.bye = showError("Disconnected by the server: " + m.text, true);
    // Banned, kicked, killed or signed out by a newer connection: the person decides to come back
    // (two pages of an account at its limit would otherwise sign each other out in turn).
    if ([24, 26, 27, 40].includes(m.code)) {
      state.reconnect = false;
      state.wanted = null;
    }
  },
};

// Someone's status in CONVO's room changed (a mode o or v): the server's
// list of members says how, by its own rule, and whether we run the room
// now (ours may be the status that changed): others' messages get their
// Delete buttons, or lose them.
function refreshStatus(convo) {
  request("members", { room: convo.name }).then((reply) => {
    convo.members = reply.members;
    convo.status = reply.status || {};
    runs(convo, reply.operator);
    renderMembers();
  }, complain);
}

// A message for CONVO: on the page, and its unread count in the sidebar and title.
function received(convo, m, mine) {
  if (addMessage(convo, m, mine) && convo.unread) renderConvos();
  if (convo.key === state.current) readNow(convo);
}
