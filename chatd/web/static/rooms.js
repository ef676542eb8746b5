// chatd web client: the rooms the page is in.  Entering one (joined,
// created, or put back by the server after a login), leaving it, being put
// out of it, and the room list's member counts.
import { $, state, showError, showNote, complain } from "./state.js";
import { speak } from "./speak.js";
import { request } from "./net.js";
import { addEvent } from "./log.js";
import { dropDraft } from "./compose.js";
import { controlsForOperator, runs } from "./redact.js";
import { nameKey } from "./fold.js";
import { roomConvo, roomKey, renderHeader, renderConvos, renderMembers, renderRooms } from "./convos.js";
import { show, showNotice, renderAll, focusLost, rescueFocus } from "./view.js";

// The room list and the approval rooms we wait for, as the server has
// them: a waiting note the reply does not list is over (the request ended:
// a guest's with their session, the room deleted), unless set after this
// request was sent; a name it lists waits (asked again elsewhere: a
// refusal noted before is over).
export function refreshRooms() {
  if (!state.nick) return;
  const asked = state.waitTick;
  request("rooms", {}).then((reply) => {
    state.rooms = reply.rooms;
    if (reply.waiting) {
      const listed = new Set(reply.waiting.map(nameKey));
      for (const folded of [...state.waiting.keys()]) {
        if (!listed.has(folded) && (state.waitedAt.get(folded) || 0) <= asked) state.waiting.delete(folded);
      }
      for (const name of reply.waiting) {
        const folded = nameKey(name);
        if (inRoom(name)) continue;
        state.refused.delete(folded);
        state.waiting.set(folded, name);
      }
    }
    renderRooms();
  }, complain);
}

// Enter room NAME (with KEY, for a room that has one); PREFIX + its name
// is logged; FOCUS shows it.  AFTER: the last message the page has of it
// (the server then replays only newer ones).  MAKE: a room that does not
// exist is made, with us in it (the server's one step).  The promise says
// whether we are in it (or wait for an operator's approval).
export function join(name, prefix = "you joined #", focus = true, key = undefined, after = null, make = false) {
  const fields = key ? { room: name, key } : { room: name };
  if (after) fields.after = after;
  if (make) fields.create = true;
  const known = state.convos.get(roomKey(name));
  if (known) known.replayIsNews = Boolean(after);
  return request("join", fields).then(
    (reply) => {
      roomConvo(reply.room).operator = Boolean(reply.operator);
      entered(reply.room, prefix + reply.room, focus, reply);
      controlsForOperator(roomConvo(reply.room));
      return true;
    }, (error) => {
      // The server's word is the truth: in the room already (35), or not
      // in a room the page thought it was in (rejoining after a restart,
      // the room is gone or closed to us now).
      const convo = state.convos.get(roomKey(name));
      if (error.code === 35) {  // the room as the page or the server's list names it, not as typed
        const room = convo ? convo.name : listedName(name);
        entered(room, "you are in #" + room, focus);
        return true;
      }
      if (error.code === 37) {  // an approval room: its acceptance did not outlive our absence
        const note = "you are not in #" + (convo ? convo.name : name) + " any more: your request to enter it waits for an operator's approval";
        if (convo && convo.joined) notIn(convo, note, undefined, { quiet: true });
        awaiting(name);
        return true;
      }
      complain(error);
      if (convo && convo.joined) notIn(convo, "you are not in #" + convo.name + " any more (" + error.text + ")");
      return false;
    });
}

// We are in ROOM (just joined, or put back by the server): show it and
// its members.  A server that stores messages replays the room's last
// ones by itself, as ordinary message events with their original time.
export function entered(room, note, focus, listing) {
  state.waiting.delete(nameKey(room));  // an approval room: accepted
  state.refused.delete(nameKey(room));
  const convo = roomConvo(room);
  convo.joined = true;
  convo.deleted = false;  // a room made again under the name
  convo.name = room;
  convo.entry = addEvent(convo, "event", note);  // the history replayed goes before it (log.js)
  if (focus || state.current === null) show(convo.key);
  renderConvos();
  refreshRooms();
  const listed = listing ? Promise.resolve(listing) : request("members", { room }).then(
    (reply) => request("topic", { room }).then((t) => ({ ...reply, topic: t.topic })));
  listed.then((reply) => {
    convo.members = reply.members;
    convo.status = reply.status || {};
    runs(convo, reply.operator);  // the members' reply says it too
    if (reply.topic !== undefined) convo.topic = reply.topic;
    renderMembers();
    renderHeader();
  }, complain);
}

// Room NAME as the server's room list spells it (#Général for general), or as given.
function listedName(name) {
  const known = state.rooms.find((room) => nameKey(room.name) === nameKey(name));
  return known ? known.name : name;
}

// Our request to enter approval room NAME waits for an operator (error 37):
// the sidebar says so by the room until we are in it (entered), and a
// screen reader hears it once, politely.
function awaiting(name) {
  const room = listedName(name);
  const folded = nameKey(room);
  if (!state.waiting.has(folded)) speak("Your request to enter #" + room + " waits for an operator's approval.");
  else showNotice("Your request to enter #" + room + " still waits for an operator's approval.");
  state.waitTick += 1;
  state.waitedAt.set(folded, state.waitTick);
  state.waiting.set(folded, room);
  state.refused.delete(folded);  // asked again
  renderRooms();
}

// An operator refused our request to enter approval room ROOM (NOTE says
// so, with the reason): the sidebar's waiting note gives way to it until
// we ask again, the conversation shown logs it, and a screen reader hears
// it once, politely, as the waiting note was.
export function refusedEntry(room, note, time) {
  const folded = nameKey(room);
  state.waiting.delete(folded);
  state.refused.set(folded, { name: room, note });
  const convo = state.current && state.convos.get(state.current);
  if (convo) addEvent(convo, "notice", note, time);
  speak(note.charAt(0).toUpperCase() + note.slice(1) + ".");
  renderRooms();
}

export function leave(convo, reason = "") {
  request("leave", { room: convo.name, reason }).then(() => forget(convo), complain);
}

// We are no longer in CONVO's room, though we did not leave it (kicked
// out, URGENT; not let back in after a reconnect; the room deleted): the
// page keeps its lines, says why (NOTE; QUIET: only in the room's log, the
// caller says the rest), and shows the room as one we are not in.  The
// message box closes: the focus goes to the conversation's heading, which
// does nothing on a key press (keys typed on meant for the box act on no
// button); Tab from there reaches the Join button, if the room has one.
export function notIn(convo, note, time, { urgent = false, quiet = false } = {}) {
  convo.joined = false;
  convo.members = [];
  convo.operator = false;
  controlsForOperator(convo);  // others' messages (a deleted room's: all) lose their Delete buttons
  convo.unread = 0;
  const shown = convo.key === state.current;
  addEvent(convo, "event", note, time, shown && !quiet ? (urgent ? "urgent" : "polite") : "");
  const told = note.charAt(0).toUpperCase() + note.slice(1) + ".";
  if (!shown && !quiet) (convo.deleted ? showNote : showError)(told);  // a deletion is no error
  const typing = document.activeElement === $("text");
  renderAll();
  refreshRooms();
  if (shown && (typing || focusLost())) $("conv-title").focus();
}

// CONVO's room was deleted by an administrator (NOTE says so, with the
// reason): it leaves the room list, and the page offers no Join.
export function roomDeleted(convo, note, time) {
  convo.deleted = true;
  state.waiting.delete(nameKey(convo.name));  // a request to enter it is over too
  state.rooms = state.rooms.filter((room) => roomKey(room.name) !== convo.key);
  notIn(convo, note, time, { urgent: true });
}

// Whether the page shows us in ROOM.
export function inRoom(room) {
  const convo = state.convos.get(roomKey(room));
  return Boolean(convo && convo.joined);
}

// We are no longer in CONVO's room: it goes from the page.
export function forget(convo) {
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

// Go in room NAME, made with us in it if it does not exist (so nobody
// sees it without us); the promise says whether we are in it.
export function create(name) {
  return join(name, "you joined #", true, undefined, null, true);
}
