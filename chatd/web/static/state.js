// chatd web client: the page's shared state and small DOM helpers.
// Everything people type is put on the page with textContent, never as HTML.

export const $ = (id) => document.getElementById(id);

export const state = {
  ws: null,
  heard: 0,                // when the connection last sent a frame (net.js keepAlive)
  nextId: 1,
  pending: new Map(),      // request id -> {resolve, reject}
  nick: null,              // logged-in nickname
  wanted: null,            // {nick, password} to log in with (again, after a reconnect)
  rooms: [],               // [{name, members}]
  convos: new Map(),       // key ("#room" or "@nick") -> conversation
  current: null,           // key of the conversation shown
  retry: 0,                // reconnect attempts since the last success
  reconnect: true,
  heldSince: null,         // when a login again after a reconnect first found our nickname taken
  anotherServer: false,    // the last login was refused as another server may not (app.js ELSEWHERE)
  bye: null,               // the server's goodbye shown, until the next login
  limits: { maxMessageBytes: 16384 },  // replaced by the server's hello
  readMarks: new Map(),    // key -> where the account stopped reading (ms), from the server
  marksKept: false,        // whether the server keeps this account's read markers (reads.js)
  unsure: [],              // messages whose answer the connection lost (unsure.js)
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
  while (box.childNodes.length > 3) box.removeChild(box.firstChild);
  if (!sticky) setTimeout(() => item.remove(), 8000);
  return item;
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
}

export function currentConvo() {
  return state.current ? state.convos.get(state.current) : undefined;
}
