// chatd web client: a message whose answer the connection lost.
// The server may have said it before the connection dropped, or never had
// it, or may still get it late from the old connection.  Every message the
// page sends carries its own random id (cid), the same when it is sent
// again: the server says a message with a cid once, and answers a repeat
// as the first (docs/WEB.md, "say").  Back, the page asks the server by
// cid what became of the message (the "sent" request).
import { state } from "./state.js";
import { request } from "./net.js";
import { addEvent, addMessage } from "./log.js";
import { withdraw } from "./compose.js";

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

// TEXT (as /me if ACTION; TYPED in the box) was sent to CONVO with CID and
// the connection dropped before its answer: the page asks once back.
export function unsure(convo, text, action, typed, cid) {
  state.unsure.push({ convo, text, action, typed, cid });
  addEvent(convo, "event", "The connection dropped before the server answered: once back, the"
    + " page checks whether your message got through.", undefined, "polite");
}

// Logged in again: for each message whose answer was lost, the server says
// whether it was said (it shows once, and leaves the box) or not (it stays
// in the box, and goes with its cid when sent again).
export function checkUnsure() {
  const waiting = state.unsure;
  state.unsure = [];
  for (const item of waiting) {
    request("sent", { cid: item.cid }).then((reply) => {
      if (reply.said) return gotThrough(item, reply);
      addEvent(item.convo, "event", "Your message did not get through: it is still in the box, send it again.",
        undefined, "polite");
    }, () => state.unsure.push(item));  // lost again: asked after the next login
  }
}

function gotThrough({ convo, text, action, typed }, reply) {
  const m = { from: state.nick, text: shown(text, action), time: reply.time, millis: reply.millis, msgid: reply.msgid };
  if (action) m.action = true;
  addMessage(convo, m, true);
  withdraw(convo, typed);
  if (convo.resend && convo.resend.typed === typed) convo.resend = null;
  addEvent(convo, "event", "Your message got through before the connection dropped.", undefined, "polite");
}
