// chatd web client: read markers, kept by the server per account (docs/WEB.md,
// "Read markers").  The page tells the server what it has read (the newest
// message of the conversation shown while the window has the focus), asks at
// login where the account stopped reading everywhere (unread counts and the
// "new messages" line after a reload or on another device), and hears when
// another connection of the account reads on.  Guests have no markers.
import { state, el } from "./state.js";
import { request } from "./net.js";
import { updateTitle } from "./alerts.js";
import { millisOf, addMessage } from "./log.js";
import { privateConvo, roomKey, personKey, renderConvos } from "./convos.js";

const SEND_AFTER_MS = 500;       // one request for a burst of messages read

function keyOf(m) { return m.room !== undefined ? roomKey(m.room) : personKey(m.to); }
function fieldsOf(convo) { return convo.kind === "room" ? { room: convo.name } : { to: convo.name }; }

// Whether history message M of CONVO is after where the account stopped reading.
export function unreadByMarker(convo, m) {
  const millis = convo.readMillis ?? state.readMarks.get(convo.key);
  return millis !== undefined && millis !== null && millisOf(m) > millis;
}

// The messages of CONVO from others after MILLIS, as the page has them.
function countAfter(convo, millis) {
  return [...convo.log.querySelectorAll("li.msg:not(.mine)")]
    .filter((line) => Number(line.dataset.millis) > millis).length;
}

// What CONVO's page shows from others after the account's read marker.
export function unreadAfterMarker(convo) {
  const millis = convo.readMillis ?? state.readMarks.get(convo.key);
  return millis === undefined || millis === null ? 0 : countAfter(convo, millis);
}

// Put CONVO's "new messages" line before its first message from others after MILLIS.
function placeLine(convo, millis) {
  if (convo.marker) return;
  const first = [...convo.log.querySelectorAll("li.msg:not(.mine)")]
    .find((line) => Number(line.dataset.millis) > millis);
  if (!first) return;
  convo.marker = el("li", "new-marker", "new messages");
  convo.marker.setAttribute("role", "separator");
  first.before(convo.marker);
}

// CONVO is shown with the window focused: it is read up to its newest message.
export function readNow(convo) {
  if (!convo || !state.marksKept || document.hidden || !document.hasFocus()) return;
  if (convo.catchingUp) return;  // what it missed is not shown yet (catchup.js)
  if (!convo.lastMillis || convo.lastMillis <= (convo.sentRead || 0)) return;
  convo.sentRead = convo.lastMillis;
  clearTimeout(convo.readTimer);
  convo.readTimer = setTimeout(() => {
    request("markread", { ...fieldsOf(convo), millis: convo.sentRead }).then(
      (reply) => { convo.readMillis = reply.millis; },
      (error) => { if (error.code === 12) state.marksKept = false; });
  }, SEND_AFTER_MS);
}

// A private conversation with unread messages the page does not show yet
// (another device of the account received them): it is shown, with its
// recent messages (the "history" of it), counted unread from the marker.
function adopt(marker) {
  const convo = privateConvo(marker.to);
  convo.historyAsked = convo.loading = true;  // showing it meanwhile asks for no other copy
  request("history", { with: marker.to }).then((reply) => {
    convo.loading = false;
    for (const m of reply.messages) addMessage(convo, { ...m, history: true }, m.from === state.nick);
    renderConvos();
    updateTitle();
  }, () => { convo.loading = false; });
  return convo;
}

// Where the account stopped reading, from the server, for CONVOS (state.convos).
function apply(marker, render) {
  const key = keyOf(marker);
  state.readMarks.set(key, marker.millis);
  let convo = state.convos.get(key);
  if (!convo && marker.to !== undefined && marker.unread) convo = adopt(marker);
  if (!convo) return;
  convo.readMillis = Math.max(convo.readMillis ?? 0, marker.millis);
  convo.sentRead = Math.max(convo.sentRead || 0, marker.millis);
  const shown = convo.key === state.current && !document.hidden;
  if (!shown) {
    const counted = marker.unread ?? countAfter(convo, marker.millis);
    convo.unread = Math.max(counted, countAfter(convo, marker.millis));
  }
  if (marker.unread !== undefined) placeLine(convo, marker.millis);
  else if (!convo.unread && !shown && convo.marker) { convo.marker.remove(); convo.marker = null; }
  if (render) { render(); updateTitle(); }
}

// After a login: the account's markers, with how much is unread since each.
export function loadMarkers(render) {
  state.marksKept = true;
  request("markers", {}).then((reply) => {
    for (const marker of reply.markers) apply(marker, null);
    render();
    updateTitle();
  }, (error) => { if (error.code === 12) state.marksKept = false; });
}

// The person signed in is gone: their markers too, and nothing they read
// is sent as read for the next one.
export function forgetMarks() {
  for (const convo of state.convos.values()) clearTimeout(convo.readTimer);
  state.readMarks.clear();
  state.marksKept = false;
}

// Another connection of the account read on (a "markread" frame).
export function markedElsewhere(m, render) { apply(m, render); }
