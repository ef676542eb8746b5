// chatd web client: the session.  Logging in (typed, its answer perhaps slow
// to come, or again by itself after a reconnect, waiting while the server
// still holds the nickname), what the connection's opening and closing mean
// for it, and signing out.
import { $, state, clearErrors, complain, setStatus } from "./state.js";
import { speak } from "./speak.js";
import { connect, request } from "./net.js";
import { askPermission, closeNotifications } from "./alerts.js";
import { forgetMarks, loadMarkers } from "./reads.js";
import { forgetSettings, loadSettings } from "./settings.js";
import { controlsForOperator } from "./redact.js";
import { checkUnsure, forgetUnsure, identity, keptFor, keptForWhom } from "./unsure.js";
import { clearSearch } from "./search.js";
import { dropTopic } from "./topic.js";
import { closeGoto } from "./goto.js";
import { closeMenu } from "./menu.js";
import { hush } from "./speak.js";
import { catchUp } from "./catchup.js";
import { dropDraft } from "./compose.js";
import { roomConvo, renderHeader, renderConvos } from "./convos.js";
import { nameKey } from "./fold.js";
import { renderAll } from "./view.js";
import { refreshRooms, join, entered } from "./rooms.js";
import { events } from "./events.js";
import { setMe } from "./me.js";

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
export function login(nick, password, again, prefer) {
  const fields = { nick };
  if (password) fields.password = password;
  if (again) fields.resume = true;
  if (password && prefer && prefer !== nick) fields.prefer = prefer;
  const after = lastIds();
  if (Object.keys(after).length) fields.after = after;
  for (const convo of state.convos.values()) convo.replayIsNews = Boolean(after[convo.name]);
  const socket = state.ws;
  if (!again) checking(password);  // the form waits for the answer
  request("login", fields).then((reply) => {
    checked();
    state.heldSince = null;
    if (!again) clearErrors();  // a new login: what went wrong before is over
    dropBye();  // back in: the server's goodbye is over
    setStatus("connected", true);
    state.wanted = { nick: (password && reply.account) || reply.nick, password };
    const who = identity(reply.account, reply.nick);
    // Someone else than the page last signed in (it kept their conversations
    // for them, its own login again refused): nothing of theirs stays.
    if (keptForWhom() && keptForWhom() !== who) forgetPerson();
    keptFor(who);  // another's unsure messages are forgotten
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
    const inside = new Set(reply.rooms.map(nameKey));
    const runs = new Set((reply.operatorIn || []).map(nameKey));
    for (const room of reply.rooms) {
      roomConvo(room).operator = runs.has(nameKey(room));
      entered(room, "you are in #" + room, false);
      controlsForOperator(roomConvo(room));
    }
    const rejoin = [...state.convos.values()].filter(
      (c) => c.kind === "room" && c.joined && !inside.has(nameKey(c.name)));
    for (const convo of rejoin) join(convo.name, "rejoined #", false, undefined, convo.lastId);
    if (!again) $("text").focus();
  }, (error) => {
    checked();
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

// A login typed may be slow to answer.  The server's password gate holds a
// check back while someone guesses the account's password from the same
// address (docs/SECURITY.md): up to about two minutes.  Meanwhile the
// form's Enter button is disabled (a second login would only be refused,
// "already logged in", once the first is through) and a note under it,
// said politely to screen readers, tells that the password is being
// checked; each `waiting` frame of the server says how long it has been.
let since = null;      // when the login waiting for its answer was sent
let password = false;  // whether it has a password

function note(text) {
  const shown = $("login-status");
  if (shown.textContent === text) return;  // said once, not at every frame
  shown.textContent = text;
  shown.hidden = false;
  speak(text);
}

// A login typed (with a password if SECRET) is sent: until its answer, no other.
function checking(secret) {
  since = Date.now();
  password = Boolean(secret);
  $("login").disabled = true;
  if (password) note("Checking your password\u2026 This may take a while.");
}

// The server's `waiting` frame: a request still waits.  About a login, the
// note says since when.
function waited() {
  if (since === null) return;
  const minutes = Math.floor((Date.now() - since) / 60000);
  const sofar = minutes ? minutes + " min" : "less than a minute";
  note((password ? "Still checking your password\u2026 (" : "Still logging in\u2026 (") + sofar + ")");
}

// The login's answer (or error) came: the form is usable again, the note gone.
function checked() {
  since = null;
  $("login").disabled = false;
  $("login-status").textContent = "";
  $("login-status").hidden = true;
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

export const handlers = {
  opened() {
    const wanted = state.wanted;
    if (wanted) login(wanted.nick, wanted.password, !wanted.typed, wanted.prefer);
  },
  event(message) {
    if (message.type === "waiting") return waited();  // about a request, not news
    const handler = events[message.type];
    if (handler) handler(message);
  },
  closed() {
    if (state.reconnect) return true;
    backToLogin();
    return false;
  },
};

// Nothing of the person signed in stays on the page (a shared computer's
// next person sees none of it): their conversations, drafts, search, read
// markers, settings, what waits to be said and their notifications.
function forgetPerson() {
  setMe(null);  // the header no longer names us
  forgetMarks();
  state.convos.clear();
  state.current = null;
  state.rooms = [];
  state.waiting.clear();
  state.refused.clear();
  $("log").replaceChildren();
  dropDraft();
  dropTopic();
  closeGoto();
  clearSearch();
  forgetSettings();
  $("new-room").value = "";
  hush();
  closeNotifications();
  closeMenu();
  renderAll();
}

// The session is over for good (signed out, kicked, banned): the login
// form, and nothing of the person left on the page.
function backToLogin() {
  forgetPerson();
  $("login-view").hidden = false;
  $("chat-view").hidden = true;
}

// Sign out: the session's connection closes and the page forgets the login
// it kept for reconnecting (the nickname and password typed too), the
// messages it was unsure of and what was said; a new connection waits for
// the next login, the form empty.
export function signOut() {
  state.wanted = null;
  forgetUnsure();
  $("nick").value = "";
  $("password").value = "";
  clearErrors();
  hush(true);
  const ended = state.ws;
  if (ended) ended.close();
  setMe(null);
  backToLogin();
  connect(handlers);  // the old socket's close is then no news (net.js lost)
  $("nick").focus();
}

// The login form: log in now, or as soon as the (new) connection opens.
export function wireLogin() {
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (since !== null) return;  // one login at a time
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
}
