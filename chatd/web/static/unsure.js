// chatd web client: a message whose answer the connection lost.
// The server may have said it before the connection dropped, or never had
// it: sending it again blindly could say it twice.  Back in the room, the
// page reads the room's replay (everything newer than its last message):
// the message is in it, or it did not get through.
import { state } from "./state.js";
import { addEvent } from "./log.js";
import { withdraw } from "./compose.js";

// How a message frame shows TEXT said by us (as /me if ACTION): the server
// keeps a message's lines, so only a carriage return may be gone.
function shown(text, action) {
  const lines = text.replaceAll("\r\n", "\n");
  return action ? "* " + state.nick + " " + lines : lines;
}

// TEXT (as /me if ACTION; TYPED in the box) was sent to CONVO and the
// connection dropped before its answer: only a room's replay can tell
// what became of it.
export function unsure(convo, text, action, typed) {
  const room = convo.kind === "room";
  state.unsure = room ? { key: convo.key, text, action, typed } : null;
  addEvent(convo, "event", room
    ? "The connection dropped before the server answered: once back in #" + convo.name
      + ", the page checks whether your message got through."
    : "The connection dropped before the server answered: your message may not have got"
      + " through. It is still in the box.");
}

// M, said by us in CONVO, came back in the replay: the message got through,
// so the box (if it still holds it) is emptied.
export function sentAfterAll(convo, m) {
  const waiting = state.unsure;
  if (!waiting || waiting.key !== convo.key) return;
  if (Boolean(m.action) !== waiting.action || m.text !== shown(waiting.text, waiting.action)) return;
  state.unsure = null;
  withdraw(convo, waiting.typed);
  addEvent(convo, "event", "Your message got through before the connection dropped.");
}

// CONVO's replay is over without it: it did not get through.
export function notSentAfterAll(convo) {
  const waiting = state.unsure;
  if (!waiting || waiting.key !== convo.key) return;
  state.unsure = null;
  addEvent(convo, "event", "Your message did not get through: it is still in the box, send it again.");
}
