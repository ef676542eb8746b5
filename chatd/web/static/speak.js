// chatd web client: what screen readers hear (live regions, docs/WEB.md
// "Accessibility").  Two regions out of sight: a polite one (messages,
// notices, the connection coming and going) and an assertive one (errors,
// being kicked out of a room).  Each says only what is new: an item is
// added, never the region read again.  Messages are said at most once a
// second: when more came meanwhile, how many and where ("5 new messages in
// #lobby"); a private message or a mention is said whole.
const KEEP = 3;
const GAP_MS = 1000;

function region(id) {
  return document.getElementById(id);
}

// Say TEXT: politely, or at once if URGENT.
export function speak(text, urgent = false) {
  const place = region(urgent ? "alert" : "announce");
  if (!place || !text) return;
  const item = document.createElement("p");
  item.textContent = text;
  place.appendChild(item);
  while (place.childNodes.length > KEEP) place.removeChild(place.firstChild);
}

const queue = [];
let timer = null;
let lastSaid = -Infinity;

// A message to say: TEXT (its sender and words), in WHERE (#lobby, @bob);
// WHOLE: said as it is, never summed up (a private message, a mention).
export function speakMessage(where, text, whole = false) {
  queue.push({ where, text, whole });
  if (timer === null) timer = setTimeout(flush, Math.max(0, lastSaid + GAP_MS - Date.now()));
}

function flush() {
  timer = null;
  lastSaid = Date.now();
  const items = queue.splice(0);
  const said = items.filter((item) => item.whole).map((item) => item.text);
  const plain = items.filter((item) => !item.whole);
  if (plain.length === 1) said.push(plain[0].text);
  else if (plain.length > 1) {
    const counts = new Map();
    for (const item of plain) counts.set(item.where, (counts.get(item.where) || 0) + 1);
    for (const [where, count] of counts) said.push(count + " new messages in " + where);
  }
  for (const text of said) speak(text);
}

// The person signed in is gone: nothing of theirs waits to be said, nor
// stays in the polite region (EVERYTHING: in the assertive one either).
export function hush(everything = false) {
  queue.length = 0;
  clearTimeout(timer);
  timer = null;
  for (const id of everything ? ["announce", "alert"] : ["announce"]) {
    const place = region(id);
    if (place) place.replaceChildren();
  }
}

// The connection's state (OK: up), said when it changes, as TEXT (the
// header's status): not at every attempt to reconnect, nor as the page opens.
let connected = null;
let everUp = false;

export function speakConnection(ok, text) {
  if (ok === connected) return;
  connected = ok;
  if (everUp) speak(ok ? "Connected again." : text);
  everUp = everUp || ok;
}

// The connection is down by the page's choice, nothing to tell (the login
// form left unsent): the next one is said as if the page had just opened.
export function forgetConnection() {
  connected = null;
  everUp = false;
}
