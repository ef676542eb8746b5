// chatd web client: the lines of a conversation.  Messages are grouped by
// sender, links are made clickable (http and https only, built with DOM
// calls), a "new messages" line marks where the reader stopped, and each
// message is kept once (known by its sender, text and time), so the history
// a server replays after a reconnect adds only what the page did not have.
import { $, state, el, timeOf, dayOf, dayName, isolated, unforced } from "./state.js";
import { speak, speakMessage } from "./speak.js";
import { mentions, notify, updateTitle } from "./alerts.js";
import { unreadByMarker, unreadAfterMarker } from "./reads.js";
import { deleteControl } from "./redact.js";

const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;
const GROUP_SECONDS = 300;

// TEXT as nodes: plain text, with http(s) links as <a> elements.
function count(text, char) {
  return text.split(char).length - 1;
}

export function withLinks(typed) {
  const text = unforced(typed);
  const out = document.createDocumentFragment();
  let last = 0;
  for (const found of text.matchAll(LINK)) {
    let href = found[0].replace(/[.,;:!?)\]}'*]+$/, "");
    // A closing bracket the link opened stays its own (Wikipedia's a_(b)).
    while (href.length < found[0].length && found[0][href.length] === ")"
      && count(href, "(") > count(href, ")")) href += ")";
    let url;
    try {
      url = new URL(href);
    } catch (e) {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    out.append(text.slice(last, found.index));
    const link = el("a", "link", href);
    link.href = url.href;
    link.dir = "ltr";  // an address reads left to right, in any message
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    out.append(link);
    last = found.index + href.length;
  }
  out.append(text.slice(last));
  return out;
}

// Seconds by which the time of a message the page showed (a say reply)
// may differ from the time the server stored for it.
const SAME_MESSAGE_SECONDS = 2;

// Whether CONVO shows message M already: known by its msgid (the same live
// and from history); a message without one, by sender, text and time.
function known(convo, m) {
  if (m.msgid) return convo.ids.has(m.msgid);
  const times = convo.seen.get(m.from + "\n" + m.text);
  return Boolean(times) && times.some((t) => Math.abs(t - m.time) <= SAME_MESSAGE_SECONDS);
}

function remember(convo, m) {
  if (m.msgid) convo.ids.add(m.msgid);
  const id = m.from + "\n" + m.text;
  const times = convo.seen.get(id);
  if (times) times.push(m.time);
  else convo.seen.set(id, [m.time]);
}

// Move what FROM remembers to TO (a private conversation after a rename).
export function rememberAll(from, to) {
  for (const [id, times] of from.seen) to.seen.set(id, (to.seen.get(id) || []).concat(times));
  for (const id of from.ids) to.ids.add(id);
  to.lastTime = Math.max(to.lastTime, from.lastTime);
  to.lastMillis = Math.max(to.lastMillis, from.lastMillis);
}

function viewing(convo) {
  return convo.key === state.current && !document.hidden;
}

export function atBottom() {
  const shown = $("log");
  return shown.scrollHeight - shown.scrollTop - shown.clientHeight < 40;
}

export function scrollDown() {
  const shown = $("log");
  shown.scrollTop = shown.scrollHeight;
}

// When M was said, in milliseconds (an older server sends whole seconds only).
export function millisOf(m) { return m.millis ?? (m.time || 0) * 1000; }

function messageLine(m, mine) {
  const line = el("li", "msg" + (mine ? " mine" : "") + (m.action ? " action" : ""));
  if (m.msgid) line.dataset.msgid = m.msgid;
  line.dataset.from = m.from;
  line.dataset.time = String(m.time || 0);
  line.dataset.millis = String(millisOf(m));
  line.dataset.day = dayOf(m.time);
  line.tabIndex = -1;  // reached with the arrow keys from the log (keys.js), not with Tab
  line.appendChild(timeOf(m.time));
  if (!m.action) line.appendChild(isolated(el("span", "from", m.from)));
  const text = isolated(el("span", "text"));
  text.appendChild(withLinks(m.text));
  for (const link of text.querySelectorAll("a")) link.tabIndex = -1;  // reached from its line (keys.js)
  line.appendChild(text);
  return line;
}

// Whether LINE continues the message group of PREVIOUS (same sender, soon after).
function continues(line, previous) {
  return Boolean(previous) && previous.classList.contains("msg") && line.classList.contains("msg")
    && !line.classList.contains("action") && !previous.classList.contains("action")
    && previous.dataset.from === line.dataset.from
    && Number(line.dataset.time) - Number(previous.dataset.time) < GROUP_SECONDS;
}

function previousMessage(line) {
  let node = line.previousElementSibling;
  while (node && node.classList.contains("new-marker")) node = node.previousElementSibling;
  return node;
}

function regroup(line) {
  if (line) line.classList.toggle("cont", continues(line, previousMessage(line)));
}

// Add a message (M: from, text, time, action) to CONVO; MINE: the user's own.
// Returns the line, or null if the page has it already.
export function addMessage(convo, m, mine) {
  if (m.msgid ? known(convo, m) : m.time <= convo.replayUntil + SAME_MESSAGE_SECONDS && known(convo, m)) return null;
  if (m.time > convo.replayUntil + SAME_MESSAGE_SECONDS) convo.replayUntil = -Infinity;
  remember(convo, m);
  convo.lastTime = Math.max(convo.lastTime, m.time || 0);
  convo.lastMillis = Math.max(convo.lastMillis, millisOf(m));
  if (m.msgid) convo.lastId = m.msgid;
  const entry = liftEntry(convo, m);
  const line = messageLine(m, mine);
  deleteControl(convo, line, m, mine);
  const mention = !mine && convo.kind === "room" && mentions(m.text, state.nick);
  if (mention) {
    line.classList.add("mention");
    line.appendChild(el("span", "visually-hidden", " (mentions you)"));  // not by colour alone
  }
  const seen = viewing(convo);
  // Replayed history is news only to a page that names what it has (after a
  // reconnect: what it missed); it is never notified.
  // History after the account's read marker (reads.js) is news too: its
  // "new messages" line shows even in the conversation being read.
  const beyond = Boolean(m.history) && !mine && unreadByMarker(convo, m);
  const news = !m.history || convo.replayIsNews || beyond;
  if (!mine && (!seen || beyond) && news) {
    if (!seen && !beyond) convo.unread += 1;  // beyond: counted from the marker, below
    if (!convo.marker) {
      convo.marker = el("li", "new-marker", "new messages");
      convo.marker.setAttribute("role", "separator");
      convo.log.appendChild(convo.marker);
    }
    updateTitle();
  }
  if (mine && convo.marker) dropMarker(convo);
  append(convo, line);
  regroup(line);
  if (entry) append(convo, entry);
  if (beyond && !seen) {
    convo.unread = Math.max(convo.unread, unreadAfterMarker(convo));
    updateTitle();
  }
  if (mention && !m.history) notify(m.from + " in #" + convo.name, m.text, seen);
  else if (!mine && convo.kind === "private" && !m.history) notify(m.from + " (private)", m.text, seen);
  if (!mine && !m.history) heard(convo, m, mention);
  return line;
}

// The line saying we entered CONVO's room (rooms.js entered, ENTRY) comes
// after the history replayed on entering, said before it: while that line is
// the log's last, it is taken out (with its date separator) before replayed
// message M is added, and put back after it.  Returns it, or null.
function liftEntry(convo, m) {
  const entry = convo.entry;
  if (!m.history || !entry || convo.log.lastElementChild !== entry) return null;
  const before = entry.previousElementSibling;
  if (before && before.classList.contains("day")) before.remove();
  entry.remove();
  return entry;
}

// What screen readers hear of message M of CONVO (from someone else, live):
// in the conversation shown, the message; elsewhere, a private message or a
// mention (said whole, once: a message is added once).
function heard(convo, m, mention) {
  const said = m.action ? m.text : m.from + ": " + m.text;
  const where = convo.kind === "room" ? "#" + convo.name : "@" + convo.name;
  if (convo.key === state.current) speakMessage(where, said, mention || convo.kind === "private");
  else if (convo.kind === "private") speakMessage(where, "private message from " + m.from + ": " + m.text, true);
  else if (mention) speakMessage(where, m.from + " mentioned you in #" + convo.name + ": " + m.text, true);
}

// Add an event (someone joined, a notice...) to CONVO; SAY: also tell screen
// readers ("polite", or "urgent": at once), when CONVO is shown or URGENT.
export function addEvent(convo, kind, text, time, say = "") {
  const line = el("li", kind);
  line.dataset.day = dayOf(time);
  line.tabIndex = -1;  // reached with the arrow keys (keys.js)
  line.appendChild(timeOf(time));
  const body = el("span", "text");
  body.appendChild(withLinks(text));
  for (const link of body.querySelectorAll("a")) link.tabIndex = -1;  // reached from its line (keys.js)
  line.appendChild(body);
  append(convo, line);
  if (say === "urgent" || (say && convo.key === state.current)) speak(text, say === "urgent");
  return line;
}

// The last line of the nodes before NODE (none: the end of LOG) with a day.
function datedBefore(log, node) {
  let at = node ? node.previousElementSibling : log.lastElementChild;
  while (at && !at.dataset.day) at = at.previousElementSibling;
  return at;
}

// A date separator before LINE (in LOG) when its day is not the day of the
// line before it (none: when it is not today).
function separate(log, line) {
  const day = line.dataset.day;
  if (!day) return;
  const before = datedBefore(log, line);
  if (before ? before.dataset.day === day : day === dayOf()) return;
  const separator = el("li", "day", dayName(day));
  separator.setAttribute("role", "separator");
  separator.setAttribute("aria-label", dayName(day));
  line.before(separator);
}

function append(convo, line) {
  const shown = convo.key === state.current;
  const follow = shown && atBottom();
  convo.log.appendChild(line);
  separate(convo.log, line);
  if (follow || (shown && line.classList.contains("mine"))) scrollDown();
}

export function dropMarker(convo) {
  if (convo.marker) convo.marker.remove();
  convo.marker = null;
}

// Put MESSAGES (oldest first, from a history reply) that the page does not
// have before its first line, keeping what the reader sees in place: the
// first message shown stays where it was, even when it now continues the
// group of the one put before it (its sender's name then goes).
export function prependOlder(convo, messages) {
  const shown = $("log");
  const before = shown.scrollHeight;
  const first = convo.log.querySelector("li.msg");
  const top = first ? first.getBoundingClientRect().top : 0;
  const oldest = first ? Number(first.dataset.time) : Infinity;
  const lines = [];
  for (const m of messages) {
    if (known(convo, m) || m.time > oldest) continue;
    remember(convo, m);
    const line = messageLine(m, m.from === state.nick);
    deleteControl(convo, line, m, m.from === state.nick);
    lines.push(line);
  }
  for (const separator of convo.log.querySelectorAll("li.day")) separator.remove();
  convo.log.prepend(...lines);
  for (const line of convo.log.querySelectorAll("li[data-day]")) separate(convo.log, line);  // placed again
  for (const line of lines) regroup(line);
  regroup(first);
  if (convo.key !== state.current) return lines.length;
  shown.scrollTop += first ? first.getBoundingClientRect().top - top : shown.scrollHeight - before;
  return lines.length;
}
