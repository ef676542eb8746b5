// chatd web client: the WebSocket, requests and their replies, reconnecting.
// Protocol: one JSON object per WebSocket frame, see docs/WEB.md.
import { state, showError, setStatus, clearStatus } from "./state.js";

function socketURL() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return scheme + "//" + location.host + "/ws";
}

// The reconnect waiting to be tried (lost), if any: a new connection opened
// meanwhile (a login typed) takes its place.
let reconnecting = null;

// Open the connection; HANDLERS has opened() (the server's hello came),
// event(message) and closed() (which returns whether to reconnect).  A page
// has one connection at a time: the one this replaces is closed, its frames
// no news, and the reconnect waiting is dropped (else a second socket would
// log in as the same nickname and keep it from the page's own).
export function connect(handlers) {
  clearTimeout(reconnecting);
  reconnecting = null;
  state.idle = false;
  setStatus("connecting\u2026", false);
  const superseded = state.ws;
  const ws = new WebSocket(socketURL());
  state.ws = ws;
  if (superseded) superseded.close();
  let greeted = false;   // the server's hello came: the connection is taken
  let refusal = null;    // or its error frame instead: why it is not
  ws.addEventListener("open", () => {
    state.heard = Date.now();
    keepAlive(ws, handlers);
  });
  ws.addEventListener("message", (event) => {
    if (state.ws !== ws) return;  // superseded: closing
    state.heard = Date.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      showError("The server sent something unreadable.");
      return;
    }
    if (message.type === "hello") {  // the connection is ours: log in (again)
      greeted = true;
      state.retry = 0;
      setStatus("connected", true);
      handlers.event(message);
      handlers.opened();
      return;
    }
    if (message.type === "error" && !greeted) refusal = message;  // too many from here, full...
    if (message.id !== undefined && state.pending.has(message.id)) {
      const waiter = state.pending.get(message.id);
      if (message.more) {
        // A reply in several frames (a long history or search): their lists join.
        waiter.frames = (waiter.frames || []).concat([message]);
        return;
      }
      if (waiter.frames) joinFrames(waiter.frames, message);
      state.pending.delete(message.id);
      if (message.type === "error") waiter.reject(message);
      else waiter.resolve(message);
      return;
    }
    handlers.event(message);
  });
  ws.addEventListener("close", () => lost(ws, handlers, refusal));
}

// A connection that died without a word (the Wi-Fi gone, a laptop asleep)
// closes nothing by itself: the page asks every PING_MS and gives it up
// after SILENT_MS without a frame, as lost.
const PING_MS = 15000;
const SILENT_MS = 40000;

function keepAlive(ws, handlers) {
  const timer = setInterval(() => {
    if (state.ws !== ws) {
      clearInterval(timer);
    } else if (Date.now() - state.heard > SILENT_MS) {
      clearInterval(timer);
      lost(ws, handlers);
      ws.close();
    } else {
      request("ping", {}).catch(() => {});
    }
  }, PING_MS);
}

// WS is gone (closed, or silent too long): what waited fails, and the page
// reconnects if HANDLERS.closed() says so, unless the server closed an idle
// login form's connection (events.js bye): then nothing is said.  Once per
// connection.  A connection the server refused (REFUSAL, its error frame:
// too many from this address, the server full) is said in the status, and
// tried again less and less often, up to every REFUSED_MAX_S seconds; any
// other every 10 s at most.  Only a hello starts the count again.
const REFUSED_MAX_S = 60;

function lost(ws, handlers, refusal = null) {
  if (state.ws !== ws) return;
  state.ws = null;
  state.nick = null;
  // What was sent may have been done: the answer is what got lost.
  for (const { reject } of state.pending.values()) reject({ code: 0, text: "disconnected", unsure: true });
  state.pending.clear();
  if (state.idle) return clearStatus();
  if (!handlers.closed()) {
    setStatus("disconnected", false);
    return;
  }
  const delay = Math.min(refusal ? REFUSED_MAX_S : 10, 2 ** state.retry) * 1000 * (0.5 + Math.random() / 2);
  state.retry += 1;
  // (The refusal may say "try again later" itself: the page's part is apart.)
  const why = refusal ? "refused: " + refusal.text + " (trying again by itself\u2026)" : "reconnecting\u2026";
  setStatus("disconnected \u2014 " + why, false);
  reconnecting = setTimeout(() => connect(handlers), delay);
}

// The last frame of a reply in several: each list it holds (a history's
// messages, a search's results) gets the earlier frames' items before its own.
function joinFrames(earlier, last) {
  for (const [name, items] of Object.entries(last)) {
    if (!Array.isArray(items)) continue;
    last[name] = earlier.flatMap((frame) => frame[name] || []).concat(items);
  }
}

// Send a request; the promise settles with its reply (or error frame).
export function request(type, fields) {
  return new Promise((resolve, reject) => {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      reject({ code: 0, text: "not connected to the server" });
      return;
    }
    const id = state.nextId++;
    const frame = JSON.stringify(Object.assign({ type, id }, fields));
    if (new TextEncoder().encode(frame).length > state.limits.maxMessageBytes) {
      reject({ code: 10, text: "message too long (at most " + state.limits.maxMessageBytes + " bytes)" });
      return;
    }
    state.pending.set(id, { resolve, reject });
    state.ws.send(frame);
  });
}
