// chatd web client: sending a message.  Each goes with its own id (cid,
// unsure.js), a /me as its action and the lines after it, a private one
// following its person to a new name; what the box sends that is not a
// command (commands.js) goes out here.
import { addMessage, addEvent } from "./log.js";
import { showError, complain } from "./state.js";
import { request } from "./net.js";
import { unsure, cidFor, newCid, putBackWith, outbound, answered } from "./unsure.js";
import { sending, putBack, nextOrder } from "./compose.js";
import { refile, followRename } from "./view.js";

// Send TEXT to CONVO (ACTION: as /me; TYPED in the box); a private
// conversation whose person was renamed follows them (the server remembers
// renames: whowas), and goes under their name as the reply spells it.  CID:
// the message's own id (unsure.js), the same if it is sent again; PART: for
// one of the messages of what was typed (unsure.js outbound).  The promise
// gives the conversation the message is in.
export function say(convo, text, action = false, retried = false, typed = "", cid = newCid(), part = null) {
  if (convo.kind === "room" && !convo.joined) {
    return Promise.reject({ text: "You are not in #" + convo.name + ": join it to talk there." });
  }
  const body = action ? "\x01ACTION " + text + "\x01" : text;
  outbound(convo, text, action, typed, cid, part);
  const sent = convo.kind === "room"
    ? request("say", { room: convo.name, text: body, cid })
    : request("tell", { to: convo.name, text: body, cid });
  return sent.then((reply) => {
    answered(cid);
    if (convo.kind === "private") convo = refile(convo, reply.to);
    addMessage(convo, reply, true);
    if (reply.waiting) {
      addEvent(convo, "event", convo.name + " is not connected: they will get it when they log in", reply.time, "polite");
    } else if (reply.away) {  // connected, but marked away
      addEvent(convo, "event", convo.name + " is away: " + reply.away, reply.time, "polite");
    }
    return convo;
  }, (error) => {
    if (error.unsure) unsure(convo, text, action, typed, cid, part);
    else answered(cid);
    if (error.code !== 21 || convo.kind !== "private" || retried) throw error;
    return request("whowas", { nick: convo.name }).then((past) => {
      if (!past.renamedTo) throw error;
      const target = followRename(convo.name, past.renamedTo);
      return say(target, text, action, true, typed, cid, part);
    }, () => { throw error; });
  });
}

// A /me: an action is one line, the lines after it go as a message after it.
export const ACTION = /^\/me( |$)/i;

// The messages of TYPED, a /me: [{text, action}], or null if it has no action.
export function actionParts(typed) {
  const [first, ...more] = typed.slice(3).trim().split("\n");
  if (!first.trim()) return null;
  const rest = more.join("\n");
  return rest.trim() ? [{ text: first.trim(), action: true }, { text: rest, action: false }]
    : [{ text: first.trim(), action: true }];
}

// Send PARTS (the messages of TYPED, sent with CID) to CONVO, one after the
// other: a second goes with a cid of its own, the same on every resend
// (said once, as the first).  The promise gives the conversation.
export function sayAll(convo, parts, typed, cid) {
  const [first, second] = parts;
  if (!second) return say(convo, first.text, first.action, false, typed, cid);
  return say(convo, first.text, first.action, false, typed, cid, { of: cid, last: false }).then(
    (filed) => say(filed, second.text, second.action, false, typed, cid + "-2", { of: cid, last: true }));
}

// A name as the page shows it (#room, @person) or bare: the service's name.
export function bare(name, sign) {
  return name && name.startsWith(sign) ? name.slice(1) : name;
}

// TEXT, all the box held (ACTING: a /me), goes to CONVO: out of the box at
// once, back in it if it is not said.  A message put back and sent again
// goes with its CID and its ORDER typed (back in the box in that order).
export function sendTyped(convo, text, acting, cid = null, order = nextOrder()) {
  const parts = acting ? actionParts(text) : [{ text: text.startsWith("//") ? text.slice(1) : text, action: false }];
  if (!parts) return showError("Usage: /me does something");
  const line = sending(convo, text);  // out of the box: typing on is safe, a second Enter sends nothing
  const id = cid || cidFor(convo, text);  // the message put back, sent again: its own id, said once
  sayAll(convo, parts, text, id).then(
    (filed) => {
      line.remove();
      if (filed.resend && filed.resend.cid === id) filed.resend = null;
    },
    (error) => {
      line.remove();
      putBack(convo, text, order, id);
      putBackWith(convo, text, id);
      if (!error.unsure) complain(error);  // unsure: the log says what became of it
    });
}
