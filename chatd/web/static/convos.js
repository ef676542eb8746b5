// chatd web client: the conversations (rooms and private ones) and the
// sidebar and header that list them: each room once, with its unread count.
import { $, state, el, currentConvo } from "./state.js";
import { withLinks } from "./log.js";
import { showHint } from "./compose.js";
import { nameKey } from "./fold.js";

// What the sidebar's buttons do (set by app.js): show(key), join(room).
export const actions = { show: null, join: null };

export function conversation(key, kind, name) {
  let convo = state.convos.get(key);
  if (!convo) {
    convo = {
      key, kind, name, members: [], status: {}, log: el("ol", "log"), unread: 0, joined: kind !== "room",
      topic: "", seen: new Map(), ids: new Set(), lastId: null, lastTime: 0, lastMillis: 0, replayUntil: -Infinity, marker: null, readMillis: null, sentRead: 0,
      olderDone: false, loading: false, historyAsked: false, replayIsNews: false,
    };
    state.convos.set(key, convo);
    renderConvos();
  }
  return convo;
}

// The key of room ROOM's conversation, and of the private one with NICK:
// one for every spelling the server takes for the name (fold.js nameKey).
export function roomKey(room) { return "#" + nameKey(room); }
export function personKey(nick) { return "@" + nameKey(nick); }

export function roomConvo(room) { return conversation(roomKey(room), "room", room); }
export function privateConvo(nick) { return conversation(personKey(nick), "private", nick); }

// The private conversation with NICK, as the server spells them (a message
// of theirs names them): one typed otherwise (/msg zoe) takes that name.
export function spelledConvo(nick) {
  const convo = privateConvo(nick);
  if (convo.name !== nick) {
    convo.name = nick;
    renderConvos();
    if (convo.key === state.current) renderHeader();
  }
  return convo;
}

// The message box's hints while it may be used, longest first: the one
// that fits shows (compose.js).
const HINTS = [$("text").placeholder, "Message (Enter sends, Shift+Enter: new line; /help lists the commands)",
  "Message (/help lists the commands)", "Message"];

export function renderHeader() {
  const convo = currentConvo();
  $("conv-title").textContent = !convo ? "Pick a room"
    : convo.kind === "room" ? "#" + convo.name : "Private: " + convo.name;
  const room = Boolean(convo) && convo.kind === "room" && convo.joined;
  $("leave").hidden = !room;
  $("edit-topic").hidden = !room;
  if (!room) $("topic-form").hidden = true;  // its editor goes with the room
  // In a room or a private conversation the button keeps its place once all
  // is loaded (only unseen), so the log under it does not move.
  const readsBack = room || (Boolean(convo) && convo.kind === "private");
  $("older").hidden = !readsBack;
  $("older").style.visibility = readsBack && convo.olderDone ? "hidden" : "visible";
  $("conv-topic").replaceChildren(room ? withLinks(convo.topic || "") : "");
  $("conv-topic").hidden = !room || !convo.topic;
  // A room we are no longer in (kicked out, gone after a restart) stays
  // readable, but takes no message until we join it again.
  // A room deleted (by an administrator) cannot be joined again.
  const out = Boolean(convo) && convo.kind === "room" && !convo.joined;
  const gone = out && Boolean(convo.deleted);
  $("rejoin").hidden = !out || gone;
  $("text").disabled = out;
  $("send").disabled = out;
  showHint(gone ? ["#" + convo.name + " was deleted", "This room was deleted", "Room deleted"]
    : out ? ["You are not in #" + convo.name + ": Join to talk here",
      "You are not in this room: Join to talk here", "Join to talk here"] : HINTS);
}

// The unread count after BUTTON (of CONVO), seen; heard in the button's name.
function unreadBadge(item, convo) {
  if (convo && convo.unread) {
    const badge = el("span", "unread", String(convo.unread));
    badge.setAttribute("aria-hidden", "true");  // the button's name says it
    item.appendChild(badge);
  }
}

const WAITING = "waiting for an operator's approval";

// BUTTON (of conversation KEY) as screen readers hear it: NAME, its unread
// count, how many people (PEOPLE, for a room), whether our request to enter
// it is WAITING (or NOTE: it was refused), and whether it is shown.
function describe(button, key, name, unread, people, waiting = false, note = "") {
  const parts = [name];
  if (unread) parts.push(unread + " unread");
  if (people !== undefined) parts.push(people + (people === 1 ? " person" : " people"));
  if (waiting) parts.push(WAITING);
  if (note) parts.push(note);
  button.setAttribute("aria-label", parts.join(", "));
  if (key === state.current) button.setAttribute("aria-current", "page");
}

// LIST is drawn again: a button of it that had the focus (known by its
// data-key or data-nick) has it again once redrawn, not lost to the page.
function focusedIn(list) {
  const at = document.activeElement;
  if (!at || !list.contains(at)) return null;
  return () => {
    const again = [...list.querySelectorAll("button")].find((button) =>
      (at.dataset.key && button.dataset.key === at.dataset.key) || (at.dataset.nick && button.dataset.nick === at.dataset.nick));
    const first = list.querySelector("button");
    if (again || first) (again || first).focus();
  };
}

// Private conversations (rooms are in the room list, once).
export function renderConvos() {
  const list = $("convos");
  const refocus = focusedIn(list);
  list.replaceChildren();
  for (const convo of state.convos.values()) {
    if (convo.kind === "room") continue;
    const item = el("li", convo.key === state.current ? "current" : "");
    const button = el("button", "convo joined", "@" + convo.name);
    button.type = "button";
    button.dataset.key = convo.key;
    button.addEventListener("click", () => actions.show(convo.key));
    describe(button, convo.key, "@" + convo.name, convo.unread);
    item.appendChild(button);
    unreadBadge(item, convo);
    list.appendChild(item);
  }
  $("convos-title").hidden = !list.childNodes.length;
  if (refocus) refocus();
  renderRooms();
}

export function renderMembers() {
  const convo = currentConvo();
  const list = $("members");
  const refocus = focusedIn(list);
  list.replaceChildren();
  const room = convo && convo.kind === "room" && convo.joined;
  $("members-title").hidden = !room;
  if (!room) return;
  for (const nick of convo.members) {
    const item = el("li");
    const status = convo.status[nick];  // o: runs the room; v: may speak when it is moderated
    const button = el("button", "member", ({ o: "@", v: "+" }[status] || "") + nick);
    button.type = "button";
    button.dataset.nick = nick;
    button.title = (status === "o" ? nick + " runs the room. " : "") + "Send " + nick + " a private message";
    if (nick !== state.nick) button.addEventListener("click", () => actions.show(privateConvo(nick).key));
    item.appendChild(button);
    list.appendChild(item);
  }
  if (refocus) refocus();
}

// Every room once: the server's list, and the rooms this page is in.
export function renderRooms() {
  const list = $("rooms");
  const refocus = focusedIn(list);
  list.replaceChildren();
  const rooms = new Map(state.rooms.map((r) => [nameKey(r.name), r]));
  for (const convo of state.convos.values()) {
    const known = convo.kind === "room" && convo.joined && rooms.has(convo.key.slice(1));
    if (convo.kind === "room" && convo.joined && !known) rooms.set(convo.key.slice(1), { name: convo.name, members: convo.members.length });
  }
  for (const [folded, name] of state.waiting) if (!rooms.has(folded)) rooms.set(folded, { name });
  for (const [folded, { name }] of state.refused) if (!rooms.has(folded)) rooms.set(folded, { name });
  for (const room of rooms.values()) {
    const key = roomKey(room.name);
    const convo = state.convos.get(key);
    const joined = convo && convo.joined;
    const item = el("li", key === state.current ? "current" : "");
    item.dataset.room = room.name;
    const button = el("button", joined ? "room joined" : "room", "#" + room.name);
    button.type = "button";
    button.dataset.key = key;
    // An approval room we asked to enter: waiting until an operator lets us in.
    const waiting = !joined && state.waiting.has(key.slice(1));
    // One an operator refused: said under it until we ask again.
    const refused = !joined && !waiting && state.refused.get(key.slice(1));
    const note = refused ? refused.note : "";
    button.title = joined ? "Show #" + room.name : waiting ? WAITING + " to enter #" + room.name : "Join #" + room.name;
    button.addEventListener("click", () => (joined ? actions.show(key) : actions.join(room.name)));
    describe(button, key, "#" + room.name, joined ? convo.unread : 0, room.members, waiting, note);
    item.appendChild(button);
    unreadBadge(item, joined ? convo : null);
    if (room.members !== undefined) {
      const count = el("span", "count", String(room.members));
      count.title = room.members + " people";
      count.setAttribute("aria-hidden", "true");  // the button's name says it
      item.appendChild(count);
    }
    if (waiting || note) {
      const line = el("span", "waiting", waiting ? WAITING : note);
      line.setAttribute("aria-hidden", "true");  // the button's name says it
      item.classList.add("waits");
      item.appendChild(line);
    }
    list.appendChild(item);
  }
  if (refocus) refocus();
}

