// chatd web client: plain JavaScript modules, no build step, no libraries.
// Protocol: one JSON object per WebSocket frame, see docs/WEB.md.
// Everything people type is put on the page with textContent, never as HTML.
import { $, state, showError, clearErrors, complain, currentConvo, setStatus } from "./state.js";
import { connect, request } from "./net.js";
import { addMessage, addEvent, dropMarker, scrollDown, prependOlder, rememberAll } from "./log.js";
import { askPermission, updateTitle } from "./alerts.js";
import { wireKeys } from "./keys.js";
import { closeMenu, wireMenu } from "./menu.js";
import { loadMarkers, markedElsewhere, readNow } from "./reads.js";
import { wireSearch } from "./search.js";
import { loadSettings, wireSettings, alwaysOnElsewhere } from "./settings.js";
import { controlsForOperator, redacted } from "./redact.js";
import { unsure, checkUnsure, cidFor, newCid, putBackWith, outbound, answered, forgetUnsure } from "./unsure.js";
import { catchUp } from "./catchup.js";
import { speak } from "./speak.js";
import { switchDraft, dropDraft, sending, putBack } from "./compose.js";
import { closeTopic, wireTopic } from "./topic.js";
import {
  actions, roomConvo, privateConvo, renderHeader, renderConvos, renderMembers, renderRooms,
} from "./convos.js";

// ---- incoming events -------------------------------------------------------

const events = {
  hello(m) { state.limits = m.limits; },
  error(m) { complain(m); },
  message(m) { received(roomConvo(m.room), m, m.from === state.nick); },
  replayed(m) {  // the end of a room's replay: older messages to offer, or none
    const convo = state.convos.get("#" + m.room.toLowerCase());
    if (convo && !convo.lastId) convo.lastId = "-";  // it had none: all it says is news
    if (!convo || m.earlier) return;
    convo.olderDone = true;
    renderHeader();
  },
  private(m) {
    // From us: said from another of our connections (a phone, an IRC client).
    if (m.from === state.nick && m.to !== state.nick) return received(privateConvo(m.to), m, true);
    const fresh = !state.convos.has("@" + m.from.toLowerCase());
    received(privateConvo(m.from), m, false);
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
      const own = state.convos.get("#" + m.room.toLowerCase());
      if (!own || !own.joined) return;
      if (m.kind !== "kick") return forget(own);  // left from elsewhere
      return notIn(own, "you were kicked from #" + own.name + " by " + m.by + why, m.time, true);
    }
    const convo = roomConvo(m.room);
    convo.members = convo.members.filter((n) => n !== m.nick);
    delete convo.status[m.nick];
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
    const convo = m.room && state.convos.get("#" + m.room.toLowerCase());
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
// list of members says how, by its own rule.
function refreshStatus(convo) {
  request("members", { room: convo.name }).then((reply) => {
    convo.members = reply.members;
    convo.status = reply.status || {};
    renderMembers();
  }, complain);
}

// A message for CONVO: on the page, and its unread count in the sidebar and title.
function received(convo, m, mine) {
  if (addMessage(convo, m, mine) && convo.unread) renderConvos();
  if (convo.key === state.current) readNow(convo);
}

function showNotice(text) {
  const convo = currentConvo();
  if (convo) addEvent(convo, "notice", text, undefined, "polite");
  else showError(text);
}

// ---- conversations ---------------------------------------------------------

// The person of private conversation "@OLD" is now called NEW: so is the conversation.
function followRename(old, renamed, time) {
  const convo = state.convos.get("@" + old.toLowerCase());
  if (!convo) return renderConvos();
  return refile(convo, renamed, old + " is now " + renamed, time);
}

// CONVO's person is called NAME (renamed, or named by the server otherwise
// than typed: Σοφία for ΣΟΦΙΑ): the conversation goes under that name, one
// with any the page has with them (NOTE, if any, logged there).
function refile(convo, name, note, time) {
  if (convo.key === "@" + name.toLowerCase()) {
    convo.name = name;
    renderConvos();
    return convo;
  }
  const target = privateConvo(name);
  target.log.prepend(...convo.log.childNodes);
  target.unread += convo.unread;
  if (convo.marker && target.marker) target.marker.remove();  // one line: the older
  target.marker = convo.marker || target.marker;
  rememberAll(convo, target);
  state.convos.delete(convo.key);
  if (note) addEvent(target, "event", note, time);
  if (state.current === convo.key) show(target.key);
  renderConvos();
  return target;
}

// NICK, new to this page, wrote privately: if they are someone this page
// talks with under an older name (a rename it did not hear of), the two
// conversations become one.
function adoptRenamed(nick) {
  for (const convo of [...state.convos.values()]) {
    if (convo.kind !== "private" || convo.key === "@" + nick.toLowerCase()) continue;
    request("whowas", { nick: convo.name }).then((past) => {
      const same = past.renamedTo && past.renamedTo.toLowerCase() === nick.toLowerCase();
      if (same && state.convos.get(convo.key) === convo) followRename(convo.name, past.renamedTo);
    }, () => {});
  }
}

// The header, the sidebar's lists and the title, after a change of conversation.
function renderAll() {
  renderHeader();
  renderConvos();
  renderMembers();
  updateTitle();
}

function show(key) {
  const convo = state.convos.get(key);
  if (!convo) return;
  const previous = currentConvo();
  if (previous && previous !== convo) dropMarker(previous);
  switchDraft(previous, convo);
  if (previous !== convo) closeTopic();
  state.current = key;
  convo.unread = 0;
  $("log").replaceChildren(convo.log);
  renderAll();
  if (convo.marker) convo.marker.scrollIntoView({ block: "start" });
  else scrollDown();
  closeMenu();
  $("text").focus();
  readNow(convo);
  if (convo.kind === "private" && !convo.historyAsked) {  // a room's comes with entering it
    convo.historyAsked = true;
    loadOlder();
  }
}

// ---- actions ---------------------------------------------------------------

function setMe(nick) {
  if (state.nick && nick && state.nick.toLowerCase() !== nick.toLowerCase()) {
    // Renamed: the server lets us delete only what we said under this name
    // (a room's operator, anything in it).
    for (const convo of state.convos.values()) {
      if (convo.kind === "room" && convo.operator) continue;
      for (const button of convo.log.querySelectorAll("li.msg button.delete")) {
        if (button.closest("li.msg").dataset.from !== nick) {
          button.closest("li.msg").removeAttribute("aria-keyshortcuts");
          button.remove();
        }
      }
    }
  }
  state.nick = nick;
  // A reconnect logs in as who we are now; with a password, as the account
  // (its name, not the nickname taken since: the password is the account's),
  // preferring the nickname it goes by.
  if (state.wanted && nick && !state.wanted.password) state.wanted.nick = nick;
  else if (state.wanted && nick) state.wanted.prefer = nick;
  $("me").textContent = nick ? "as " + nick : "";
}

// The last message this page has of each room it is in: a server that
// puts us back in rooms replays only what is newer.
function lastIds() {
  const after = {};
  for (const convo of state.convos.values()) {
    if (convo.kind === "room" && convo.joined && convo.lastId) after[convo.name] = convo.lastId;
  }
  return after;
}

// Log in as NICK (with an account's PASSWORD); AGAIN: by itself, after the
// connection dropped (resume: it takes no other connection's place), as the
// nickname it went by if it may (PREFER).
function login(nick, password, again, prefer) {
  const fields = { nick };
  if (password) fields.password = password;
  if (again) fields.resume = true;
  if (password && prefer && prefer !== nick) fields.prefer = prefer;
  const after = lastIds();
  if (Object.keys(after).length) fields.after = after;
  for (const convo of state.convos.values()) convo.replayIsNews = Boolean(after[convo.name]);
  const socket = state.ws;
  request("login", fields).then((reply) => {
    state.heldSince = null;
    if (!again) clearErrors();  // a new login: what went wrong before is over
    dropBye();  // back in: the server's goodbye is over
    setStatus("connected", true);
    state.wanted = { nick: (password && reply.account) || reply.nick, password };
    setMe(reply.nick);
    $("login-view").hidden = true;
    $("chat-view").hidden = false;
    renderHeader();  // the message box's hint fitted to the box now shown
    refreshRooms();
    loadMarkers(renderConvos);
    loadSettings();
    catchUp();  // private messages written to a dead connection
    checkUnsure();  // messages whose answer the connection lost
    // The service may have put us back in our rooms (stored accounts);
    // re-enter the others this page was in before a reconnect.  The page
    // keeps the lines it has: of the history a server replays, only what
    // is newer is added (and counted unread).
    for (const convo of state.convos.values()) convo.replayUntil = convo.lastTime;
    const inside = new Set(reply.rooms.map((room) => room.toLowerCase()));
    const runs = new Set((reply.operatorIn || []).map((room) => room.toLowerCase()));
    for (const room of reply.rooms) {
      roomConvo(room).operator = runs.has(room.toLowerCase());
      entered(room, "you are in #" + room, false);
      controlsForOperator(roomConvo(room));
    }
    const rejoin = [...state.convos.values()].filter(
      (c) => c.kind === "room" && c.joined && !inside.has(c.name.toLowerCase()));
    for (const convo of rejoin) join(convo.name, "rejoined #", false, undefined, convo.lastId);
    if (!again) $("text").focus();
  }, (error) => {
    if (again && state.ws !== socket) return;  // the connection dropped: the next one logs in again
    if (again && tryAgainLater(error)) return;
    state.heldSince = null;
    state.wanted = null;
    // Refused here, maybe not by another server: a balancer picks one per connection.
    state.anotherServer = ELSEWHERE.includes(error.code);
    if (again) {                 // given up (e.g. someone took the nickname meanwhile)
      dropBye();                 // stale: the error says why the page is not back
      setMe(null);
      setStatus("connected", true);
      $("login-view").hidden = false;
      $("chat-view").hidden = true;
    }
    complain(error);
  });
}

// The server's goodbye shown (bye), over once the page is back or gives up.
function dropBye() {
  if (state.bye) state.bye.remove();
  state.bye = null;
}

// Logging in again after a reconnect may be refused for a while: the server
// still holds our nickname for the old connection (23: after a network blink
// it notices within a minute or so, when its ping goes unanswered), or it
// cannot reach its database (3: as long as that takes).  The page says so
// and tries again, the login form hidden.
const RETRY_MS = 5000;
const HOLD_GIVE_UP_MS = 90000;
const WAITING = { 3: "the service is unavailable", 23: "the nickname or the account is still in use" };

function tryAgainLater(error) {
  if (!WAITING[error.code]) return false;
  if (error.code === 23) {
    const now = Date.now();
    state.heldSince = state.heldSince || now;
    if (now - state.heldSince >= HOLD_GIVE_UP_MS) return false;
  }
  dropBye();
  setStatus("connected \u2014 " + WAITING[error.code] + ", trying again\u2026", false);
  const socket = state.ws;
  setTimeout(() => {
    const wanted = state.wanted;
    if (state.ws === socket && wanted && !state.nick) login(wanted.nick, wanted.password, true, wanted.prefer);
  }, RETRY_MS);
  return true;
}

// Refusals another server behind the same address may not make: a login
// the person tries again after one goes over a new connection.
const ELSEWHERE = [3, 23];

function refreshRooms() {
  if (!state.nick) return;
  request("rooms", {}).then((reply) => {
    state.rooms = reply.rooms;
    renderRooms();
  }, complain);
}

// Enter room NAME (with KEY, for a room that has one); PREFIX + its name
// is logged; FOCUS shows it.  AFTER: the last message the page has of it
// (the server then replays only newer ones).
function join(name, prefix = "you joined #", focus = true, key = undefined, after = null) {
  const fields = key ? { room: name, key } : { room: name };
  if (after) fields.after = after;
  const known = state.convos.get("#" + name.toLowerCase());
  if (known) known.replayIsNews = Boolean(after);
  request("join", fields).then(
    (reply) => {
      roomConvo(reply.room).operator = Boolean(reply.operator);
      entered(reply.room, prefix + reply.room, focus, reply);
      controlsForOperator(roomConvo(reply.room));
    }, (error) => {
      // The server's word is the truth: in the room already (35), or not
      // in a room the page thought it was in (rejoining after a restart,
      // the room is gone or closed to us now).
      const convo = state.convos.get("#" + name.toLowerCase());
      if (error.code === 35) return entered(convo ? convo.name : name, "you are in #" + name, focus);
      complain(error);
      if (convo && convo.joined) notIn(convo, "you are not in #" + convo.name + " any more (" + error.text + ")");
    });
}

// We are in ROOM (just joined, or put back by the server): show it and
// its members.  A server that stores messages replays the room's last
// ones by itself, as ordinary message events with their original time.
function entered(room, note, focus, listing) {
  const convo = roomConvo(room);
  convo.joined = true;
  convo.name = room;
  addEvent(convo, "event", note);
  if (focus || state.current === null) show(convo.key);
  renderConvos();
  refreshRooms();
  const listed = listing ? Promise.resolve(listing) : request("members", { room }).then(
    (reply) => request("topic", { room }).then((t) => ({ ...reply, topic: t.topic })));
  listed.then((reply) => {
    convo.members = reply.members;
    convo.status = reply.status || {};
    if (reply.topic !== undefined) convo.topic = reply.topic;
    renderMembers();
    renderHeader();
  }, complain);
}

function leave(convo, reason = "") {
  request("leave", { room: convo.name, reason }).then(() => forget(convo), complain);
}

// We are no longer in CONVO's room, though we did not leave it (kicked
// out, URGENT; not let back in after a reconnect): the page keeps its lines,
// says why (NOTE), and shows the room as one we are not in.  The message box
// closes: the focus goes to the Join button that opens it again.
function notIn(convo, note, time, urgent = false) {
  convo.joined = false;
  convo.members = [];
  convo.operator = false;
  convo.unread = 0;
  const shown = convo.key === state.current;
  addEvent(convo, "event", note, time, shown ? (urgent ? "urgent" : "polite") : "");
  if (!shown) showError(note.charAt(0).toUpperCase() + note.slice(1) + ".");
  const typing = document.activeElement === $("text");
  renderAll();
  refreshRooms();
  if (shown && (typing || focusLost())) $("rejoin").focus();
}

// Whether the focus is nowhere a keyboard user can be (the page itself: what
// had it was hidden, disabled or removed).
function focusLost() {
  const at = document.activeElement;
  return !at || at === document.body || at.disabled || !at.isConnected || at.closest("[hidden]") !== null;
}

// The focus, if lost, goes to the first of the CANDIDATES (elements) shown.
function rescueFocus(...candidates) {
  if (!focusLost()) return;
  const target = candidates.find((node) => node && !node.disabled && node.getClientRects().length);
  if (target) target.focus();
}

// Whether the page shows us in ROOM.
function inRoom(room) {
  const convo = state.convos.get("#" + room.toLowerCase());
  return Boolean(convo && convo.joined);
}

// We are no longer in CONVO's room: it goes from the page.
function forget(convo) {
  state.convos.delete(convo.key);
  const shown = state.current === convo.key;
  if (shown) {
    state.current = null;
    $("log").replaceChildren();
    dropDraft();
  }
  renderAll();
  refreshRooms();
  // Left with the Leave button (now hidden): the room list, where the next room is.
  if (shown) rescueFocus($("rooms").querySelector("button"), $("new-room"), $("text"));
}

// Send TEXT to CONVO (ACTION: as /me; TYPED in the box); a private
// conversation whose person was renamed follows them (the server remembers
// renames: whowas), and goes under their name as the reply spells it.  CID:
// the message's own id (unsure.js), the same if it is sent again; PART: for
// one of the messages of what was typed (unsure.js outbound).  The promise
// gives the conversation the message is in.
function say(convo, text, action = false, retried = false, typed = "", cid = newCid(), part = null) {
  if (convo.kind === "room" && !convo.joined) {
    return Promise.reject({ text: "You are not in #" + convo.name + ": join it to talk there." });
  }
  const body = action ? "\x01ACTION " + text + "\x01" : text;
  outbound(convo, text, action, typed, cid, part);
  const sent = convo.kind === "room"
    ? request("say", { room: convo.name, text: body, cid })
    : request("tell", { to: convo.name, text: body, cid });
  return sent.then((reply) => {
    answered(cid);
    if (convo.kind === "private") convo = refile(convo, reply.to);
    addMessage(convo, reply, true);
    if (reply.waiting) {
      addEvent(convo, "event", convo.name + " is not connected: they will get it when they log in", reply.time, "polite");
    } else if (reply.away) {  // connected, but marked away
      addEvent(convo, "event", convo.name + " is away: " + reply.away, reply.time, "polite");
    }
    return convo;
  }, (error) => {
    if (error.unsure) unsure(convo, text, action, typed, cid, part);
    else answered(cid);
    if (error.code !== 21 || convo.kind !== "private" || retried) throw error;
    return request("whowas", { nick: convo.name }).then((past) => {
      if (!past.renamedTo) throw error;
      const target = followRename(convo.name, past.renamedTo);
      return say(target, text, action, true, typed, cid, part);
    }, () => { throw error; });
  });
}

// A /me: an action is one line, the lines after it go as a message after it.
const ACTION = /^\/me( |$)/i;

// The messages of TYPED, a /me: [{text, action}], or null if it has no action.
function actionParts(typed) {
  const [first, ...more] = typed.slice(3).trim().split("\n");
  if (!first.trim()) return null;
  const rest = more.join("\n");
  return rest.trim() ? [{ text: first.trim(), action: true }, { text: rest, action: false }]
    : [{ text: first.trim(), action: true }];
}

// Send PARTS (the messages of TYPED, sent with CID) to CONVO, one after the
// other: a second goes with a cid of its own, the same on every resend
// (said once, as the first).  The promise gives the conversation.
function sayAll(convo, parts, typed, cid) {
  const [first, second] = parts;
  if (!second) return say(convo, first.text, first.action, false, typed, cid);
  return say(convo, first.text, first.action, false, typed, cid, { of: cid, last: false }).then(
    (filed) => say(filed, second.text, second.action, false, typed, cid + "-2", { of: cid, last: true }));
}

// A name as the page shows it (#room, @person) or bare: the service's name.
function bare(name, sign) {
  return name && name.startsWith(sign) ? name.slice(1) : name;
}

// The messages before the first one shown (history "before" its msgid; the
// latest, when none is shown), of a room we are in or a private conversation:
// as many as the server's page (--history-count, what entering a room
// replays); the reply says whether the conversation holds any before them.
function loadOlder() {
  const convo = currentConvo();
  if (!convo || !convo.joined || convo.olderDone || convo.loading) return;
  convo.loading = true;
  const asked = document.activeElement === $("older");  // with the button: what it did is said
  const first = convo.log.querySelector("li.msg[data-msgid]");
  const fields = { [convo.kind === "room" ? "room" : "with"]: convo.name };
  if (first) fields.before = first.dataset.msgid;
  request("history", fields).then((reply) => {
    convo.loading = false;
    const added = prependOlder(convo, reply.messages);
    if (!reply.stored || !reply.earlier || added === 0) convo.olderDone = true;
    renderHeader();
    if (!asked || currentConvo() !== convo) return;
    if (added) speak(added + (added === 1 ? " earlier message" : " earlier messages") + ".");
    if (convo.olderDone) {  // the button is gone: the focus goes to the log
      speak(convo.kind === "room" ? "Start of the room." : "Start of the conversation.");
      $("log").focus();
    }
  }, () => { convo.loading = false; convo.olderDone = true; renderHeader(); });
}

// What /help says: every command of the message box.
const HELP = [
  "Commands:",
  "/msg nick text \u2014 a private message",
  "/me text \u2014 an action (* you text)",
  "/join room [key] \u2014 go into a room",
  "/create room \u2014 make a room and go in",
  "/leave [reason] \u2014 leave the room shown",
  "/topic text \u2014 set the room's topic",
  "/nick name \u2014 take another nickname",
  "/register password \u2014 protect your nickname with a password",
  "/kick nick [reason] \u2014 take someone out of a room you run",
  "/kill nick [reason] \u2014 end someone's session (chatd operators)",
  "/ignore [name] \u2014 drop name's private messages (alone: list them)",
  "/unignore name \u2014 stop ignoring name",
  "/quit or /logout \u2014 sign out",
  "//text \u2014 a message that starts with /",
  "Keys:",
  "Enter sends, Shift+Enter starts a new line.",
  "Tab completes a name (again: the next one; once all are offered, Tab moves on).",
  "Alt+1 \u2026 Alt+9 \u2014 the first nine conversations of the sidebar",
  "Ctrl+K (\u2318K) \u2014 go to a room or person by name; Escape closes it",
  "In the messages (one Tab stop): Up and Down arrows, Home and End move between lines,"
    + " Right and Left to a line's links and Delete button; Delete deletes the message focused (press again to confirm); Escape goes back to the message box",
  "Escape closes the topic editor and, on a phone, the \u2630 menu",
].join("\n");

function command(text) {
  const [verb, ...rest] = text.slice(1).split(" ");
  const arg = rest.join(" ").trim();
  const convo = currentConvo();
  switch (verb.toLowerCase()) {
    case "msg": {
      const space = arg.indexOf(" ");
      if (space < 0) return showError("Usage: /msg nick message");
      const who = bare(arg.slice(0, space), "@");
      const fresh = !state.convos.has("@" + who.toLowerCase());
      const target = privateConvo(who);
      say(target, arg.slice(space + 1)).then((filed) => show(filed.key), (error) => {
        complain(error);
        if (fresh && !target.log.childElementCount && state.current !== target.key) {
          state.convos.delete(target.key);  // nobody by that name: no conversation with them
          renderConvos();
        }
        if (convo) putBack(convo, text);  // refused: the message goes back in the box
        else if (!$("text").value) $("text").value = text;
      });
      return;
    }
    case "topic":
      if (!convo || convo.kind !== "room") return showError("Pick a room first.");
      return request("topic", { room: convo.name, topic: arg }).catch(complain);
    case "join": {
      const [room, key] = arg.split(/\s+/);
      return join(bare(room, "#"), undefined, true, key);
    }
    case "create": return create(bare(arg, "#"));
    case "nick": return request("nick", { nick: arg }).then((r) => setMe(r.nick), complain);
    case "kick": {  // out of the room shown (its operators), as IRC's KICK
      const [who, ...why] = arg.split(" ");
      if (!convo || convo.kind !== "room" || !convo.joined) {
        return showError("Usage: /kick nick [reason], in a room you run (/kill ends a session).");
      }
      return request("kick", { room: convo.name, nick: bare(who, "@"), reason: why.join(" ") })
        .catch(complain);
    }
    case "kill": {  // a chatd operator ends someone's session
      const [who, ...why] = arg.split(" ");
      return request("kick", { nick: bare(who, "@"), reason: why.join(" ") }).then(
        (r) => showNotice(r.nick + " was disconnected."), complain);
    }
    case "register":
      return request("register", { password: arg }).then((r) => {
        if (state.wanted) state.wanted.password = arg;
        showNotice(r.created ? "The nickname " + r.account + " is now registered."
          : "Password changed for " + r.account + ".");
        for (const room of r.rooms.filter((name) => !inRoom(name))) {  // the automatic rooms
          entered(room, "you are in #" + room, false);
        }
      }, complain);
    case "ignore":  // the account's ignore list, shared with talk's /ignore and IRC's SILENCE
      if (!arg) {
        return request("ignored", {}).then((r) => showNotice(r.names.length
          ? "You ignore: " + r.names.join(", ") : "You ignore nobody."), complain);
      }
      return request("ignore", { name: bare(arg, "@") }).then((r) => showNotice(r.added
        ? "You ignore " + r.name + ": their private messages are dropped."
        : "You already ignore " + r.name + "."), complain);
    case "unignore":
      if (!arg) return showError("Usage: /unignore name");
      return request("unignore", { name: bare(arg, "@") }).then((r) => showNotice(r.removed
        ? "You no longer ignore " + r.name + "." : "You do not ignore " + r.name + "."), complain);
    case "leave":
      if (convo && convo.kind === "room") leave(convo, arg);
      return;
    case "help": return showNotice(HELP);
    case "quit":
    case "logout": return signOut();
    default:
      showError("Unknown command /" + verb + " (/help lists them)");
  }
}

// Create room NAME and go in (if it exists already, just go in); the
// promise says whether it did.
function create(name) {
  return request("create", { room: name }).then((reply) => {
    join(reply.room);
    return true;
  }, (error) => {
    if (error.code !== 33) {
      complain(error);
      return false;
    }
    join(name);
    return true;
  });
}

// ---- wiring ----------------------------------------------------------------

const handlers = {
  opened() {
    const wanted = state.wanted;
    if (wanted) login(wanted.nick, wanted.password, !wanted.typed, wanted.prefer);
  },
  event(message) {
    const handler = events[message.type];
    if (handler) handler(message);
  },
  closed() {
    if (state.reconnect) return true;
    backToLogin();
    return false;
  },
};

// The session is over for good (signed out, kicked, banned): the login
// form, and nothing of the conversations left on the page.
function backToLogin() {
  setMe(null);  // the header no longer names us
  state.convos.clear();
  state.current = null;
  state.rooms = [];
  $("log").replaceChildren();
  dropDraft();
  renderAll();
  $("login-view").hidden = false;
  $("chat-view").hidden = true;
}

// Sign out: the session's connection closes and the page forgets the login
// it kept for reconnecting (the password too) and the messages it was unsure
// of; a new connection waits for the next login.
function signOut() {
  state.wanted = null;
  forgetUnsure();
  $("password").value = "";
  const ended = state.ws;
  if (ended) ended.close();
  setMe(null);
  backToLogin();
  connect(handlers);  // the old socket's close is then no news (net.js lost)
  $("nick").focus();
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  askPermission();
  state.reconnect = true;
  const nick = $("nick").value.trim();
  const password = $("password").value;
  const renew = state.anotherServer && state.ws;
  state.anotherServer = false;
  if (state.ws && state.ws.readyState === WebSocket.OPEN && !renew) {
    login(nick, password, false);
  } else {                       // log in as soon as the (new) connection opens
    state.wanted = { nick, password, typed: true };
    if (renew) {                 // the old one's close is then no news (net.js lost)
      const old = state.ws;
      connect(handlers);
      old.close();
    } else if (!state.ws) {
      connect(handlers);
    }
  }
});

$("create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = bare($("new-room").value.trim(), "#");
  if (name) create(name).then((done) => { if (done) $("new-room").value = ""; });
});

$("send-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = $("text");
  const text = box.value;
  if (!text.trim()) return;
  const acting = ACTION.test(text);
  if (text.startsWith("/") && !text.startsWith("//") && !acting) {
    box.value = "";
    command(text.trim());
    return;
  }
  const convo = currentConvo();
  if (!convo) return showError("Pick a room or a person first.");
  const parts = acting ? actionParts(text) : [{ text: text.startsWith("//") ? text.slice(1) : text, action: false }];
  if (!parts) return showError("Usage: /me does something");
  const line = sending(convo, text);  // out of the box: typing on is safe, a second Enter sends nothing
  const cid = cidFor(convo, text);  // the message put back, sent again: its own id, said once
  sayAll(convo, parts, text, cid).then(
    (filed) => {
      line.remove();
      if (filed.resend && filed.resend.cid === cid) filed.resend = null;
    },
    (error) => {
      line.remove();
      putBack(convo, text);
      putBackWith(convo, text, cid);
      if (!error.unsure) complain(error);  // unsure: the log says what became of it
    });
});

$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("send-form").requestSubmit();
  }
});

$("sign-out").addEventListener("click", signOut);

$("leave").addEventListener("click", () => {
  const convo = currentConvo();
  if (convo && convo.kind === "room") leave(convo);
});

$("rejoin").addEventListener("click", () => {
  const convo = currentConvo();
  if (convo && convo.kind === "room" && !convo.joined) join(convo.name);
});

// Older history only when the reader scrolls up to the top of a full log: not when
// a conversation is shown (its log starts at the top) nor while it is still filling.
// A log too short to scroll loads it on a wheel turned up, or the button above it.
let lastScrollTop = 0;
$("log").addEventListener("scroll", () => {
  const log = $("log");
  const up = log.scrollTop < lastScrollTop;
  lastScrollTop = log.scrollTop;
  if (up && log.scrollTop < 40 && log.scrollHeight > log.clientHeight) loadOlder();
});
$("log").addEventListener("wheel", (event) => {
  const log = $("log");
  if (event.deltaY < 0 && log.scrollHeight <= log.clientHeight) loadOlder();
});
$("older").addEventListener("click", loadOlder);

document.addEventListener("visibilitychange", () => {
  const convo = currentConvo();
  if (!document.hidden && convo) {
    convo.unread = 0;
    renderConvos();
    updateTitle();
    readNow(convo);
  }
});
window.addEventListener("focus", () => readNow(currentConvo()));

actions.show = show;
actions.join = join;
wireKeys(show);
wireMenu();
wireSearch();
wireSettings();
wireTopic();

// Keep the room list's member counts fresh.
setInterval(refreshRooms, 15000);

connect(handlers);
