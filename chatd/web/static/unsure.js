// chatd web client: a message whose answer the connection lost.
// The server may have said it before the connection dropped, or never had
// it, or may still get it late from the old connection.  Every message the
// page sends carries its own random id (cid), the same when it is sent
// again: the server says a message with a cid once, and answers a repeat
// as the first (docs/WEB.md, "say").  Back, the page asks the server by
// cid what became of the message (the "sent" request).  What is sent and
// not answered yet is kept in the tab (sessionStorage) with its cid: after a
// reload the page asks about it too, and offers it back with the same cid.
// What is kept is the signed-in person's (their account, or a guest's
// nickname, as the server keeps cids): a login as someone else in the tab
// forgets it, and so does signing out.
import { state } from "./state.js";
import { request } from "./net.js";
import { addEvent, addMessage } from "./log.js";
import { putBack, withdraw } from "./compose.js";
import { privateConvo, renderConvos, roomConvo } from "./convos.js";
import { nameKey } from "./fold.js";

const KEPT = "chatd.unsure";
// Whose messages are kept (identity): the person signed in, or last signed in.
let owner = null;
// Sent, its answer not in yet: cid -> {convo, text, action, typed, cid, part, who}.
const outward = new Map();
// Asked about (sent): the answer not in yet.
const asking = new Set();

// The messages sent and not answered, and those whose answer was lost, in
// the tab's storage: a reload (which loses the answers) finds them there.
function keep() {
  const items = [...outward.values(), ...asking, ...state.unsure].map(({ convo, where, ...item }) => (
    { ...item, where: convo ? { kind: convo.kind, name: convo.name } : where }));
  try {
    sessionStorage.setItem(KEPT, JSON.stringify(items));
  } catch (e) { /* no storage: a reload forgets them */ }
}

// What a reload left: each unsure, its conversation found once logged in
// (as the person it is kept for: see keptFor).
function kept() {
  try {
    const items = JSON.parse(sessionStorage.getItem(KEPT) || "[]").filter((item) => item.who);
    return items.map((item) => ({ ...item, convo: null, restored: true }));
  } catch (e) {
    return [];
  }
}
state.unsure = kept();

// TEXT (as /me if ACTION; TYPED in the box) goes to CONVO with CID: kept
// until answered.  PART, for one of the messages of what was typed (a /me
// and its lines after it): {of: the cid TYPED goes with, last: whether it
// is the last message}.
export function outbound(convo, text, action, typed, cid, part = null) {
  outward.set(cid, { convo, text, action, typed, cid, part, who: owner });
  keep();
}

// Who a login (or a new name) makes the page: the ACCOUNT signed in to, or a
// guest's NICK, as the server tells whose a cid is.
export function identity(account, nick) {
  return account ? "account:" + nameKey(account) : "guest:" + nameKey(nick);
}

// Logged in as WHO (identity): what the tab kept for anyone else (the person
// signed in before a reload, or before the login form came back) is
// forgotten, never asked about nor offered to WHO.
export function keptFor(who) {
  owner = who;
  const someoneElses = (item) => item.who !== who;
  for (const [cid, item] of outward) if (someoneElses(item)) outward.delete(cid);
  for (const item of asking) if (someoneElses(item)) asking.delete(item);
  state.unsure = state.unsure.filter((item) => !someoneElses(item));
  keep();
}

// Who the page is, or was last, signed in as (identity); null after a sign-out.
export function keptForWhom() {
  return owner;
}

// The person signed in is now WHO (a guest renamed, or registered): what is
// kept for them goes with them.
export function nowKnownAs(who) {
  for (const item of [...outward.values(), ...asking, ...state.unsure]) {
    if (item.who === owner) item.who = who;
  }
  owner = who;
  keep();
}

// Signed out: what this tab kept is forgotten (the next login may be someone else's).
export function forgetUnsure() {
  owner = null;
  outward.clear();
  asking.clear();
  state.unsure = [];
  keep();
}

// The message with CID was answered (said or refused): no longer kept.
export function answered(cid) {
  if (outward.delete(cid)) keep();
}

// A new message id: 16 random bytes, as base64url (22 characters).
export function newCid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

// The cid for TYPED, about to be sent to CONVO: the one it had if it is the
// message put back in the box (sent again, it is said once), else a new one.
export function cidFor(convo, typed) {
  const again = convo.resend && convo.resend.typed === typed;
  return again ? convo.resend.cid : newCid();
}

// TYPED (sent to CONVO with CID) is back in the box: sent again as it is,
// it goes with the same CID.
export function putBackWith(convo, typed, cid) {
  if (typed) convo.resend = { typed, cid };
}

// How a message frame shows TEXT said by us (as /me if ACTION): the server
// keeps a message's lines, so only a carriage return may be gone.
function shown(text, action) {
  const lines = text.replaceAll("\r\n", "\n");
  return action ? "* " + state.nick + " " + lines : lines;
}

// TEXT (as /me if ACTION; TYPED in the box; PART as for outbound) was sent
// to CONVO with CID and the connection dropped before its answer: the page
// asks once back.
export function unsure(convo, text, action, typed, cid, part = null) {
  const who = outward.has(cid) ? outward.get(cid).who : owner;
  outward.delete(cid);
  state.unsure.push({ convo, text, action, typed, cid, part, who });
  keep();
  addEvent(convo, "event", "The connection dropped before the server answered: once back, the"
    + " page checks whether your message got through.", undefined, "polite");
}

// Logged in again: for each message whose answer was lost, the server says
// whether it was said (it shows once, and leaves the box) or not (it stays
// in the box, and goes with its cid when sent again).  One a reload left
// goes back in its conversation's box.
export function checkUnsure() {
  const waiting = state.unsure;
  state.unsure = [];
  let found = false;  // a conversation a reload left
  for (const item of waiting) {
    const { kind, name } = item.where || {};
    if (!item.convo && !name) continue;
    if (!item.convo) {
      item.convo = kind === "room" ? roomConvo(name) : privateConvo(name);
      found = true;
    }
    asking.add(item);
    request("sent", { cid: item.cid }).then((reply) => {
      asking.delete(item);
      keep();
      if (reply.said) return gotThrough(item, reply);
      offerBack(item);
      addEvent(item.convo, "event", item.typed
        ? "Your message did not get through: it is still in the box, send it again."
        : "Your message did not get through: send it again.", undefined, "polite");
    }, () => {  // lost again: asked after the next login
      asking.delete(item);
      state.unsure.push(item);
      keep();
    });
  }
  if (found) renderConvos();
}

// ITEM, unsure since a reload, was not said (or only its first part): back
// in its conversation's box as typed, with its cid.
function offerBack({ convo, typed, cid, part, restored }) {
  if (!restored) return;  // in the box since its answer was lost
  putBack(convo, typed, 0, part ? part.of : cid);
  putBackWith(convo, typed, part ? part.of : cid);
}

function gotThrough(item, reply) {
  const { convo, text, action, typed, part } = item;
  const m = { from: state.nick, text: shown(text, action), time: reply.time, millis: reply.millis, msgid: reply.msgid };
  if (action) m.action = true;
  addMessage(convo, m, true);
  if (part && !part.last) {  // what followed it was not sent: all stays in the box, said once
    offerBack(item);
    addEvent(convo, "event", "The first line of your message got through before the connection"
      + " dropped, the rest did not: it is still in the box, send it again.", undefined, "polite");
    return;
  }
  withdraw(convo, typed);
  if (convo.resend && convo.resend.typed === typed) convo.resend = null;
  addEvent(convo, "event", "Your message got through before the connection dropped.", undefined, "polite");
}
