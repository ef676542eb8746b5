// chatd web client: the page's shared state and small DOM helpers.
// Everything people type is put on the page with textContent, never as HTML.

import { speak, speakConnection, forgetConnection } from "./speak.js";

export const $ = (id) => document.getElementById(id);

export const state = {
  ws: null,
  heard: 0,                // when the connection last sent a frame (net.js keepAlive)
  nextId: 1,
  pending: new Map(),      // request id -> {resolve, reject}
  nick: null,              // logged-in nickname
  wanted: null,            // {nick, password} to log in with (again, after a reconnect)
  rooms: [],               // [{name, members}]
  convos: new Map(),       // key (convos.js roomKey, personKey) -> conversation
  current: null,           // key of the conversation shown
  retry: 0,                // reconnect attempts since the last success
  reconnect: true,
  idle: false,             // the server closed the unsent login form's connection: no reconnect
  heldSince: null,         // when a login again after a reconnect first found our nickname taken
  anotherServer: false,    // the last login was refused as another server may not (app.js ELSEWHERE)
  bye: null,               // the server's goodbye shown, until the next login
  limits: { maxMessageBytes: 16384 },  // replaced by the server's hello
  readMarks: new Map(),    // key -> where the account stopped reading (ms), from the server
  marksKept: false,        // whether the server keeps this account's read markers (reads.js)
  unsure: [],              // messages whose answer the connection lost (unsure.js)
  waiting: new Map(),      // approval rooms asked to enter (nameKey -> name), until in
  waitedAt: new Map(),     // nameKey -> waitTick when the page last asked to enter it
  waitTick: 0,             // counts the page's requests to enter approval rooms (refreshRooms)
  refused: new Map(),      // approval rooms an operator refused us (nameKey -> {name, note}), until asked again
};

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// NODE (a message's text, a name) takes the direction of its first strong
// letter (Arabic and Hebrew read right to left, and align so) and is
// isolated: a direction override in it ends with it, never turning its
// sender's name, time or the next message around.
export function isolated(node) {
  node.dir = "auto";
  return node;
}

// TEXT with its direction overrides and embeddings (U+202A-E) made
// isolates: a right-to-left passage still reads right to left, but letters
// are never shown in another order than typed (a link or a name spelled
// backwards to mislead).
const FORCED = { "\u202a": "\u2066", "\u202b": "\u2067", "\u202c": "\u2069", "\u202d": "\u2066", "\u202e": "\u2067" };

export function unforced(text) {
  return text.replace(/[\u202a-\u202e]/g, (c) => FORCED[c]);
}

export function clock(seconds) {
  const d = seconds ? new Date(seconds * 1000) : new Date();
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// A <time> for SECONDS (none: now): the clock shown, the date and time in
// full as its title and machine-readable in datetime.
export function timeOf(seconds) {
  const d = seconds ? new Date(seconds * 1000) : new Date();
  const node = el("time", "when", clock(seconds));
  node.dateTime = d.toISOString();
  node.title = d.toLocaleString([], { dateStyle: "full", timeStyle: "short" });
  return node;
}

// The day of SECONDS (none: today), as "2026-11-30" in local time.
export function dayOf(seconds) {
  const d = seconds ? new Date(seconds * 1000) : new Date();
  return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
}

// How a date separator names DAY (dayOf): Today, Yesterday, "Monday 30 November"
// (with the year when it is not this one).
export function dayName(day) {
  const [year, month, date] = day.split("-").map(Number);
  const when = new Date(year, month - 1, date);
  const today = new Date();
  const midnight = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  const days = Math.round((midnight - when) / 86400000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const options = { weekday: "long", day: "numeric", month: "long" };
  if (year !== today.getFullYear()) options.year = "numeric";
  return when.toLocaleDateString([], options);
}

// An error for a few seconds; a STICKY one (why the server ended the
// session) stays until the next login, which clears them all.
export function showError(text, sticky = false) {
  const box = $("errors");
  // Said once: what is shown already is not shown again (every request a
  // dropped connection fails says "disconnected").
  const shown = [...box.childNodes].find((node) => node.textContent === text);
  if (shown) return shown;
  const item = el("div", "error", text);
  box.appendChild(item);
  speak(text, true);  // the new error alone: the box is not a live region
  while (box.childNodes.length > 3) box.removeChild(box.firstChild);
  if (!sticky) setTimeout(() => item.remove(), 8000);
  return item;
}

// A success or neutral note (TEXT) where errors show, for a few seconds,
// not looking like one, and said politely: nothing went wrong.  A long one
// (/help's list) stays until closed or the next command, scrolled in its
// own box, which the keyboard reaches (a Tab stop) and closes (Escape).
export function showNote(text) {
  const box = $("errors");
  const long = text.split("\n").length > LONG_NOTE;
  const item = el("div", long ? "note long" : "note");
  item.appendChild(el("span", "", text));
  item.setAttribute("role", "status");
  if (long) dropLongNotes();
  box.appendChild(item);
  speak(text);
  while (box.childNodes.length > 3) box.removeChild(box.firstChild);
  if (!long) {
    setTimeout(() => item.remove(), 8000);
    return item;
  }
  item.tabIndex = 0;
  item.setAttribute("aria-label", text.split("\n")[0].replace(/:$/, ""));
  const close = el("button", "close", "Close");
  close.type = "button";
  const shut = () => {
    const had = item.contains(document.activeElement);
    item.remove();
    if (had && $("text") && !$("text").disabled) $("text").focus();
  };
  close.addEventListener("click", shut);
  item.addEventListener("keydown", (event) => {
    if (event.key === "Escape") shut();
  });
  item.prepend(close);
  return item;
}

// Lines from which a note is long (shown until closed).
const LONG_NOTE = 3;

export function dropLongNotes() {
  for (const note of $("errors").querySelectorAll(".note.long")) note.remove();
}

export function clearErrors() {
  $("errors").replaceChildren();
}

export function complain(error) {
  showError(error.code ? "Error " + error.code + ": " + error.text : error.text);
}

export function setStatus(text, ok) {
  $("status").textContent = text;
  $("status").className = ok ? "ok" : "bad";
  speakConnection(ok, text);  // said when it changes, not at every attempt
}

// The connection is closed and nothing is said: neither the status nor a
// screen reader tells of it (the login form waits; sending it connects).
export function clearStatus() {
  $("status").textContent = "";
  $("status").className = "";
  forgetConnection();
}

export function currentConvo() {
  return state.current ? state.convos.get(state.current) : undefined;
}
